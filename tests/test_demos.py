"""``l0l1 demo``: each demo writes a non-empty PNG and GIF, deterministically."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from l0l1 import cli_demo, demos


def test_names_match_the_cli_help():
    assert demos.demo_names() == cli_demo.NAMES


@pytest.mark.parametrize("name", demos.demo_names())
def test_demo_writes_png_and_gif_deterministically(name, tmp_path):
    from PIL import Image

    first = demos.make_demo(name, tmp_path / "a", mp4=False)
    second = demos.make_demo(name, tmp_path / "b", mp4=False)
    assert [p.name for p in first.paths] == [f"{name}.png", f"{name}.gif"]
    for p, q in zip(first.paths, second.paths, strict=True):
        assert p.stat().st_size > 1000
        assert p.stat().st_size < 2_000_000
        assert p.read_bytes() == q.read_bytes(), f"{p.name} differs between two runs"
    with Image.open(first.paths[1]) as gif:
        assert 10 < gif.n_frames <= first.frames  # Pillow merges identical frames
    with Image.open(first.paths[0]) as png:
        assert np.asarray(png).std() > 0  # not a blank image


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"'clipin' is unknown \(did you mean clipping\?\)"):
        demos.make_demo("clipin")
    with pytest.raises(ValueError) as err:
        demos.get_demo("nope")
    assert "\n" not in str(err.value) and "allowed: clipping, frontier, variance" in str(err.value)


def _parse(argv):
    parser = argparse.ArgumentParser()
    cli_demo.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_list_and_errors(capsys, tmp_path):
    assert cli_demo.cmd(_parse(["demo", "--list"])) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in demos.demo_names())
    with pytest.raises(ValueError, match="did you mean variance"):
        cli_demo.cmd(_parse(["demo", "varaince", "--out", str(tmp_path)]))
    with pytest.raises(ValueError, match="a NAME is required"):
        cli_demo.cmd(_parse(["demo"]))
    assert not any(tmp_path.iterdir())  # nothing written on error


def test_cli_module_is_cheap():
    import subprocess
    import sys

    code = (
        "import sys, argparse; from l0l1 import cli_demo; "
        "p = argparse.ArgumentParser(); cli_demo.add_parser(p.add_subparsers()); "
        "heavy = {'numba', 'sympy', 'scipy', 'matplotlib', 'PIL'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_trajectory_matches_run():
    """The notebooks' full trajectories use exactly run()'s schedule and step rule."""
    from l0l1 import make_problem, run

    prob = make_problem("polynomial", coeffs=[0, 0, 0.5, 0, 0.25])
    t = demos.trajectory(prob, "clipped_gd", [3.0], 50, {"eta_c": 0.3, "gamma": 1.0})
    r = run(prob, "clipped_gd", eps=1e-6, x0=[3.0], overrides={"eta_c": 0.3, "gamma": 1.0})
    assert r.status == "reached"
    k = int(np.argmax(t.grad_norms <= 1e-6))
    assert k == r.iterations
    gd = demos.trajectory(prob, "gd", [3.0], 50, {"h": 0.3})
    assert gd.status == "diverged" and len(gd.xs) < 10


def test_two_layer_net_gradient():
    net = demos.two_layer_net(n=30, d=3, hidden=4, seed=1)
    theta = net.init(1.0, seed=2)
    g = net.grad(theta)
    e = np.zeros_like(theta)
    num = []
    for i in range(theta.size):
        e[:] = 0
        e[i] = 1e-6
        num.append((net.loss(theta + e) - net.loss(theta - e)) / 2e-6)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_variance_demo_sgd_and_clipped_sgd_differ():
    res = demos.variance_race()
    sgd, clipped = res["sgd"], res["clipped_sgd"]
    assert clipped.clipped_steps > 0 and sgd.clipped_steps == 0
    assert not np.array_equal(sgd.grad_norms, clipped.grad_norms)
    assert sgd.calls_to_eps != clipped.calls_to_eps or sgd.diverged_at != clipped.diverged_at


@pytest.mark.parametrize("name", demos.demo_names())
def test_gif_keeps_every_colour_of_the_still(name, tmp_path):
    """Each exact colour of the still (curves, legend handles) is where it was in the GIF's
    last frame: a small curve's colour is never dropped by the GIF palette."""
    from PIL import Image

    out = demos.make_demo(name, tmp_path, mp4=False)
    still = np.asarray(Image.open(out.paths[0]).convert("RGB")).astype(int)
    with Image.open(out.paths[1]) as gif:
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB")).astype(int)
    from l0l1.style import PALETTE

    for hexcol in PALETTE:
        rgb = np.array([int(hexcol[i : i + 2], 16) for i in (1, 3, 5)])
        mask = np.all(still == rgb, axis=-1)
        assert np.all(np.all(last[mask] == rgb, axis=-1)), f"{name}: {hexcol} changed in the GIF"


def test_sliders_show_the_widgets_once(monkeypatch):
    """The box is displayed, not also returned (a notebook would show a returned box twice)."""
    pytest.importorskip("ipywidgets")
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj))

    def draw(a):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, a])
        return fig

    assert demos.sliders(draw, a=(0.0, 1.0, 0.1, 0.5)) is None
    assert [type(o).__name__ for o in shown] == ["Image", "HBox"]
