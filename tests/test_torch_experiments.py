"""The neural-network experiments (issue 12 items 2-4): torch VR loop vs a NumPy twin, exact
stochastic-gradient counts (T5), the clip-off identities, divergence shown, the figures at the
tiny scale, ``l0l1 nn`` (tests/test_without_torch.py: the same without torch)."""

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the nn experiments need the [torch] extra")
pytest.importorskip("sklearn", reason="the digits data need the [torch] extra")
torch.set_num_threads(1)

from l0l1.torch import vr  # noqa: E402
from l0l1.torch.experiments import correlation, train  # noqa: E402
from l0l1.torch.models import Data  # noqa: E402


def _least_squares(n=20, d=3, seed=0):
    """A user's (Data, module) pair: mean squared error of a linear model, no bias."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    data = Data("lsq", X, y, X[:4], y[:4], torch.nn.functional.mse_loss)
    torch.manual_seed(seed)
    model = torch.nn.Linear(d, 1, bias=False).double()
    return data, model


def _twin(method, data, w0, *, lr, clip, batch, q, epochs, records, seed):
    """NumPy re-implementation of :func:`vr.run`'s loop (indices drawn the same way)."""
    X, y = data.x_train.numpy(), data.y_train.numpy()[:, 0]
    n = len(y)

    def grad(w, idx=None):
        A, b = (X, y) if idx is None else (X[idx], y[idx])
        return 2.0 / len(b) * A.T @ (A @ w - b)

    def loss(w):
        return float(np.mean((X @ w - y) ** 2))

    gen = torch.Generator().manual_seed(seed)
    budget, every = int(epochs * n), int(epochs * n) / records
    w, nxt, calls, k, out = w0.copy(), 0.0, 0, 0, []
    v = w_prev = anchor = mu = None
    while calls < budget:
        if calls >= nxt:
            out.append((calls, loss(w), float(np.linalg.norm(grad(w)))))
            nxt += every
        idx = torch.randint(n, (batch,), generator=gen).numpy()
        if method in ("sgd", "clipped_sgd"):
            v, calls = grad(w, idx), calls + batch
        elif k % q == 0:
            v, calls = grad(w), calls + n
            anchor, mu = w.copy(), v
        elif method == "svrg":
            v, calls = mu + grad(w, idx) - grad(anchor, idx), calls + 2 * batch
        else:
            v, calls = v + grad(w, idx) - grad(w_prev, idx), calls + 2 * batch
        vn = np.linalg.norm(v)
        h = min(lr, clip / vn) if method in vr.CLIPPED and vn > 0 else lr
        w_prev, w, k = w, w - h * v, k + 1
    return out


@pytest.mark.parametrize("method", vr.METHODS)
def test_vr_loop_matches_numpy_twin(method):
    data, model = _least_squares()
    w0 = model.weight.detach().numpy()[0].copy()
    kw = {"lr": 0.05, "clip": 0.3, "batch": 4, "q": 3, "epochs": 6, "records": 12, "seed": 7}
    got = vr.run((data, model), method, **kw)
    want = _twin(method, data, w0, **kw)
    assert got["calls"] == [c for c, _, _ in want]
    np.testing.assert_allclose(got["loss"], [f for _, f, _ in want], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got["grad_norm"], [g for *_, g in want], rtol=1e-9, atol=1e-14)
    assert torch.equal(model.weight.detach(), torch.from_numpy(w0[None]))  # the module is untouched


def test_vr_counts_stochastic_gradients_exactly():
    """Calls between records: b per SGD step; n per refresh and 2b per inner step otherwise."""
    data, model = _least_squares(n=20)
    r = vr.run((data, model), "sarah", lr=0.01, batch=4, q=3, epochs=30, records=600)
    assert r["calls"][:6] == [0, 20, 28, 36, 56, 64]
    s = vr.run((data, model), "sgd", lr=0.01, batch=4, epochs=2, records=10)
    assert s["calls"] == list(range(0, 40, 4))
    assert s["steps"] == 10


@pytest.mark.parametrize(("clipped", "plain"), [("clipped_sgd", "sgd"), ("spider_clip", "sarah")])
def test_a_clip_never_reached_is_the_unclipped_method(clipped, plain):
    data, model = _least_squares()
    kw = {"lr": 0.05, "batch": 4, "q": 3, "epochs": 4, "seed": 1}
    a = vr.run((data, model), clipped, clip=1e9, **kw)
    b = vr.run((data, model), plain, **kw)
    assert a["loss"] == b["loss"] and a["clipped_steps"] == 0
    c = vr.run((data, model), clipped, clip=1e-3, **kw)
    assert c["clipped_steps"] > 0 and c["loss"] != b["loss"]


def test_train_clip_off_equals_sgd_and_large_lr_diverges_shown():
    a = train("digits", "clipped_sgd", lr=0.3, clip=1e9, steps=12, probe_every=3)
    b = train("digits", "sgd", lr=0.3, steps=12, probe_every=3)
    assert a["train_loss"] == b["train_loss"] and a["clipped_steps"] == 0
    assert [r["L_hat"] for r in a["probe"]] == [r["L_hat"] for r in b["probe"]]
    d = train("digits", "sgd", lr=100.0, steps=50, probe_every=3)
    assert d["diverged"] is not None and d["diverged"] < 50
    assert d["train_loss"][-1] > 10 * d["train_loss"][0]  # the divergence is kept, not cut
    c = train("digits", "clipped_sgd", lr=100.0, clip=0.01, steps=50, probe_every=3)
    assert c["diverged"] is None and c["clipped_steps"] == 50


def test_correlation_sign_and_too_few_points():
    up = [{"grad_norm": g, "L_hat": 1 + g} for g in (0.1, 0.5, 1.0, 2.0)]
    down = [{"grad_norm": g, "L_hat": 1 / g} for g in (0.1, 0.5, 1.0, 2.0)]
    assert correlation(up)["rho"] == pytest.approx(1.0)
    assert correlation(down)["rho"] == pytest.approx(-1.0)
    assert correlation(up[:2])["rho"] is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"method": "adam"}, "method"), ({"lr": 0.0}, "lr"), ({"lr": math.nan}, "lr"),
     ({"steps": 0}, "steps"), ({"batch": 1.5}, "batch"), ({"model": "imagenet"}, "model")],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_field(kwargs, field):
    with pytest.raises(ValueError) as err:
        train(**{"steps": 2, **kwargs})
    assert str(err.value).startswith(f"{field}: ") and "\n" not in str(err.value)


def test_figures_at_the_tiny_scale(tmp_path):
    from l0l1.figures import FIGURES

    summary = {"facts": {}}
    for name in ("nn_smoothness", "nn_training", "nn_vr"):
        fig = FIGURES[name].draw({}, tmp_path, "tiny")
        assert all(p.exists() and p.stat().st_size > 0 for p in fig.paths)
        assert fig.facts and len(fig.notes) >= 2
        summary["facts"][name] = fig.facts
    rho = [f["rho"] for f in summary["facts"]["nn_smoothness"]["spearman"]]
    assert any(r is not None and -1 <= r <= 1 for r in rho)
    for name in ("nn_smoothness", "nn_training", "nn_vr"):
        checks = FIGURES[name].measured_vs_theory(summary)
        assert checks and all(math.isfinite(m) and math.isfinite(t) for _, m, t, _ in checks)
    runs = summary["facts"]["nn_training"]["runs"]
    assert any(r["method"] == "sgd" and r["diverged"] is not None for r in runs)  # shown


def test_reproduce_names_what_it_skips_without_torch(monkeypatch):
    from l0l1.figures.spec import FigureSpec
    from l0l1.reproduce import drawn

    figs, skipped = drawn("quick")
    assert {"nn_smoothness", "nn_training", "nn_vr"} <= {f.name for f in figs.values()}
    monkeypatch.setattr(FigureSpec, "missing", lambda self: list(self.requires))
    figs, skipped = drawn("quick")
    assert set(skipped) == {"nn_smoothness", "nn_training", "nn_vr"}
    assert all("needs torch" in why and "l0l1[torch]" in why for why in skipped.values())


def test_cli_nn_train_and_json(tmp_path):
    from l0l1.cli import main

    out = tmp_path / "run.json"
    assert main(["nn", "train", "--steps", "8", "--probe-every", "2", "--json", str(out),
                 "--quiet"]) == 0  # fmt: skip
    run = json.loads(out.read_text())
    assert len(run["train_loss"]) == 8 and run["probe"]


def test_progress_line_and_eta():
    import io

    from l0l1.progress import Progress

    s = io.StringIO()
    with Progress(4, "run", stream=s) as bar:
        bar.update(2)
        assert "2/4" in bar.line() and "50%" in bar.line() and "ETA" in bar.line()
        bar.update(2)
    assert s.getvalue().count("\n") == 1 and "4/4" in s.getvalue()  # not a tty: one line
    q = io.StringIO()
    with Progress(3, "quiet", stream=q, quiet=True) as bar:
        bar.update(3)
    assert q.getvalue() == ""
