"""l0l1.torch's probe (THEORY T6 L_hat, T1 top Hessian eigenvalue) against explicit NumPy /
dense computations; parameters untouched; l0l1 without torch."""

import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="l0l1.torch needs the [torch] extra")
torch.set_num_threads(1)

from l0l1.torch import SmoothnessProbe, fit_frontier, hessian_top, load_probe  # noqa: E402


def _tiny(seed=0):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    m = m.double()
    X = torch.randn(12, 3, dtype=torch.float64)
    Y = torch.randint(0, 2, (12,))
    return m, torch.nn.CrossEntropyLoss(), (X, Y)


def _np_loss(theta, X, Y):
    """The same tiny net in NumPy, parameters flattened in named_parameters order."""
    W1, b1 = theta[:15].reshape(5, 3), theta[15:20]
    W2, b2 = theta[20:30].reshape(2, 5), theta[30:32]
    z = np.tanh(X @ W1.T + b1) @ W2.T + b2
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(Y)), Y].mean()


def _np_grad(theta, X, Y, h=1e-6):
    """Central differences of order 4 (error ~h^4, well under 1e-6 relative)."""
    g = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (
            -_np_loss(theta + 2 * e, X, Y) + 8 * _np_loss(theta + e, X, Y)
            - 8 * _np_loss(theta - e, X, Y) + _np_loss(theta - 2 * e, X, Y)
        ) / (12 * h)  # fmt: skip
    return g


def _flat(m):
    return np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])


def _train(m, lf, batch, probe, steps=3, lr=0.5):
    opt = torch.optim.SGD(m.parameters(), lr=lr)
    xs = []
    for _ in range(steps):
        xs.append(_flat(m))
        opt.zero_grad()
        lf(m(batch[0]), batch[1]).backward()
        probe.step(batch)
        opt.step()
    xs.append(_flat(m))
    probe.close()
    return xs


def test_probe_matches_numpy_finite_differences():
    m, lf, batch = _tiny()
    gammas = (0.25, 0.5, 1.0)
    probe = SmoothnessProbe(m, lf, every=1, gammas=gammas)
    xs = _train(m, lf, batch, probe)
    X, Y = batch[0].numpy(), batch[1].numpy()
    assert len(probe.records) == 3
    for k, rec in enumerate(probe.records):
        x, d = xs[k], xs[k + 1] - xs[k]
        g = _np_grad(x, X, Y)
        per = [np.linalg.norm(_np_grad(x + t * d, X, Y) - g) / (t * np.linalg.norm(d))
               for t in gammas]  # fmt: skip
        assert rec["grad_norm"] == pytest.approx(np.linalg.norm(g), rel=1e-6)
        assert rec["L_hat_by_gamma"] == pytest.approx(per, rel=1e-6)
        assert rec["L_hat"] == pytest.approx(max(per), rel=1e-6)


def test_probe_detects_a_wrong_direction():
    # the false sibling: L_hat with d scaled by 2 is a different number
    m, lf, batch = _tiny()
    probe = SmoothnessProbe(m, lf, gammas=(1.0,))
    xs = _train(m, lf, batch, probe, steps=1)
    X, Y = batch[0].numpy(), batch[1].numpy()
    x, d = xs[0], 2 * (xs[1] - xs[0])
    wrong = np.linalg.norm(_np_grad(x + d, X, Y) - _np_grad(x, X, Y)) / np.linalg.norm(d)
    assert probe.records[0]["L_hat"] != pytest.approx(wrong, rel=1e-3)


def test_power_iteration_equals_eigvalsh_of_explicit_hessian():
    m, lf, batch = _tiny(1)
    names = [n for n, _ in m.named_parameters()]
    shapes = [p.shape for p in m.parameters()]
    theta0 = torch.cat([p.detach().ravel() for p in m.parameters()])
    assert theta0.numel() < 200

    def f(theta):
        parts, i = {}, 0
        for n, s in zip(names, shapes, strict=True):
            parts[n] = theta[i : i + s.numel()].reshape(s)
            i += s.numel()
        return lf(torch.func.functional_call(m, parts, (batch[0],)), batch[1])

    H = torch.autograd.functional.hessian(f, theta0)
    ev = torch.linalg.eigvalsh(H)
    top = float(ev[torch.argmax(ev.abs())])
    lam, its = hessian_top(m, lf, batch, iters=5000, tol=1e-13)
    assert lam == pytest.approx(top, rel=1e-6)
    assert abs(lam) > 2 * float(ev.abs().sort().values[-2]) or its > 1


def test_parameters_grads_and_buffers_are_bit_exact():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.3),
                            torch.nn.Linear(4, 2))  # fmt: skip
    lf = torch.nn.CrossEntropyLoss()
    batch = (torch.randn(8, 3), torch.randint(0, 2, (8,)))
    lf(m(batch[0]), batch[1]).backward()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    grads = [p.grad.clone() for p in m.parameters()]
    probe = SmoothnessProbe(m, lf, hessian_top=True, power_iters=5)
    probe.step(batch)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.01)  # the user's optimizer step
    moved = {k: v.clone() for k, v in m.state_dict().items()}
    probe.step(batch)
    probe.close()
    for k, v in m.state_dict().items():
        assert torch.equal(v, moved[k]), k
        if "running" in k or "num_batches" in k:
            assert torch.equal(v, before[k]), k
    assert all(torch.equal(p.grad, g) for p, g in zip(m.parameters(), grads, strict=True))
    # dropout masks are the same at x and x + gamma d: L_hat is finite and modest
    assert probe.records[0]["L_hat"] is not None and probe.records[0]["hess_top"] is not None


def test_store_round_trip_and_json(tmp_path):
    m, lf, batch = _tiny()
    path = tmp_path / "probe.db"
    probe = SmoothnessProbe(m, lf, every=2, store=path, label="tiny")
    _train(m, lf, batch, probe, steps=12, lr=0.3)
    rows = load_probe(path)
    assert len(rows) == 1 and rows[0]["problem_label"] == "tiny"
    assert rows[0]["trace"] == json.loads(json.dumps(probe.records))
    assert [r["iteration"] for r in rows[0]["trace"]] == list(range(0, 12, 2))
    assert rows[0]["constants_certified"] is False
    assert rows[0]["constants_how"].startswith("estimated")
    probe.to_json(tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text())["records"] == rows[0]["trace"]


def test_fit_frontier_recovers_a_line_and_labels_it_estimated():
    rng = np.random.default_rng(0)
    g = rng.uniform(0.1, 10, 300)
    recs = [{"grad_norm": float(x), "L_hat": float((2 + 3 * x) * rng.uniform(0.5, 1))} for x in g]
    fit = fit_frontier(recs, quantile=1.0, n_boot=50)
    assert fit["label"] == "estimated" and fit["covered"] == 1.0
    assert fit["L0"] == pytest.approx(2, abs=0.3) and fit["L1"] == pytest.approx(3, abs=0.1)
    lo, hi = fit["L1_interval"]
    assert lo <= fit["L1"] + 1e-9 and hi >= lo
    q = fit_frontier(recs, quantile=0.5, n_boot=20)
    assert q["L1"] < fit["L1"]  # the median line lies below the envelope
    with pytest.raises(ValueError, match="quantile: 2"):
        fit_frontier(recs, quantile=2)
    with pytest.raises(ValueError, match="records: 1 usable"):
        fit_frontier(recs[:1])


def test_bad_input_is_one_line():
    m, lf, batch = _tiny()
    for kw, field in (({"every": 0}, "every"), ({"gammas": [0, 1]}, "gammas")):
        with pytest.raises(ValueError, match=f"^{field}: ") as err:
            SmoothnessProbe(m, lf, **kw)
        assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"^batch: "):
        SmoothnessProbe(m, lf).step(batch[0])


def test_l0l1_imports_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import l0l1, l0l1.smoothness\n"
        "try:\n    import l0l1.torch\nexcept ImportError as e:\n    print('ERR', e)\n"
        "print('torch' in sys.modules and sys.modules['torch'] is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0].startswith("ERR ") and "pip install 'l0l1[torch]'" in lines[0]
    assert lines[1] == "False"


def test_import_l0l1_does_not_import_torch():
    code = "import sys, l0l1, l0l1.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
