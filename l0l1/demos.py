"""Classroom demos: animations and stills that tell one story each (``l0l1 demo NAME``).

Each demo computes its numbers with the library (problems, schedules, step rules, runs),
draws them with Matplotlib (Agg) and writes ``NAME.png`` (the whole story in one still),
``NAME.gif`` (the same story, frame by frame, via Pillow) and, when ``ffmpeg`` is on the
PATH, ``NAME.mp4``. Everything is seeded: the same demo gives the same bytes (PNG, GIF).

The module also holds the small helpers the notebooks in ``notebooks/`` use:

* :func:`trajectory` and :func:`smoothness_along` (from :mod:`l0l1.smoothness`): the
  iterates of a deterministic method, and THEORY T6's local-smoothness estimate along them;
* :func:`two_layer_net`: a tiny tanh network on synthetic teacher data, in NumPy;
* :func:`sliders`: a figure with ipywidgets sliders that degrades to the static figure.

    >>> from l0l1.demos import demo_names
    >>> demo_names()
    ('clipping', 'frontier', 'variance')
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from l0l1.smoothness import smoothness_along, trajectory  # noqa: F401  (notebook helpers)
from l0l1.style import COLORS  # one colour per method, as in the figures (notebooks use it)
from l0l1.style import NAMES as LABELS  # the registry's display names (the notebooks use it)
from l0l1.validate import InputError, did_you_mean

RC = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 9,
      "axes.grid": True, "grid.alpha": 0.3, "lines.linewidth": 2.0}  # fmt: skip
DPI = 80


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class TwoLayerNet:
    """Squared loss of a tanh network x -> a . tanh(W x) on data (X, y), in NumPy.

    Parameters are one flat vector theta = (W.ravel(), a), W of shape (hidden, d).
    """

    X: np.ndarray
    y: np.ndarray
    hidden: int

    @property
    def dim(self) -> int:
        return self.hidden * (self.X.shape[1] + 1)

    def _split(self, theta):
        d = self.X.shape[1]
        return theta[: self.hidden * d].reshape(self.hidden, d), theta[self.hidden * d :]

    def loss(self, theta) -> float:
        W, a = self._split(np.asarray(theta, dtype=float))
        r = np.tanh(self.X @ W.T) @ a - self.y
        return 0.5 * float(np.mean(r**2))

    def grad(self, theta) -> np.ndarray:
        W, a = self._split(np.asarray(theta, dtype=float))
        H = np.tanh(self.X @ W.T)
        r = (H @ a - self.y) / len(self.y)
        gW = ((r[:, None] * a[None, :]) * (1 - H**2)).T @ self.X
        return np.concatenate([gW.ravel(), H.T @ r])

    def init(self, scale: float, seed: int = 0) -> np.ndarray:
        """A seeded start with weights of typical size ``scale``."""
        rng = np.random.default_rng([seed, 1])
        return scale * rng.standard_normal(self.dim)


def two_layer_net(n: int = 200, d: int = 5, hidden: int = 16, seed: int = 0) -> TwoLayerNet:
    """Synthetic regression: a random 4-unit tanh teacher plus small noise, n points in R^d."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((4, d))
    a = rng.standard_normal(4)
    y = np.tanh(X @ W.T) @ a + 0.1 * rng.standard_normal(n)
    return TwoLayerNet(X, y, hidden)


def descend(grad: Callable, x0, iters: int, h: float, clip: float | None = None) -> np.ndarray:
    """GD (``clip`` None) or clipped GD h_k = min{h, h clip / ||g_k||} (Z20's rule) on any
    gradient map; returns the iterates as rows (stops early if they stop being finite)."""
    x = np.asarray(x0, dtype=float).copy()
    xs = [x.copy()]
    with np.errstate(all="ignore"):
        for _ in range(iters):
            g = grad(x)
            gn = float(np.linalg.norm(g))
            if not math.isfinite(gn):
                break
            step = h if clip is None or gn <= clip else h * clip / gn
            x = x - step * g
            if not np.all(np.isfinite(x)):
                break
            xs.append(x.copy())
    return np.array(xs)


def sliders(draw: Callable, **controls) -> None:
    """Show ``draw(**defaults)`` (a Matplotlib figure) and, with ipywidgets, sliders below it.

    ``controls`` map each keyword of ``draw`` to ``(lo, hi, step, default)`` (a float
    slider), ``(lo, hi, step, default, "log")`` (log-scale slider) or a list/tuple of
    choices whose first item is the default. The static figure is drawn first and shown in
    the cell output, so a headless run (nbclient, nbconvert) keeps it and any error is a
    cell error; moving a slider redraws that same output in place. The widget box
    is displayed, not returned (a returned box would show again as the cell's value).
    """
    from IPython.display import Image, display

    defaults = {k: (c[0] if isinstance(c, list) else c[3]) for k, c in controls.items()}

    def png(values) -> Image:
        fig = draw(**values)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=fig.dpi)
        _pyplot().close(fig)
        return Image(data=buf.getvalue())

    handle = display(png(defaults), display_id=True)
    try:
        import ipywidgets as w
    except ImportError:
        print("(install the notebooks extra, pip install 'l0l1[notebooks]', for sliders)")
        return
    widgets = {}
    for key, c in controls.items():
        if isinstance(c, list):
            widgets[key] = w.Dropdown(options=c, value=c[0], description=key)
        elif len(c) == 5 and c[4] == "log":
            lo, hi, step, val = c[:4]
            widgets[key] = w.FloatLogSlider(
                value=val, base=10, min=math.log10(lo), max=math.log10(hi), step=step,
                description=key, continuous_update=False,
            )  # fmt: skip
        else:
            widgets[key] = w.FloatSlider(
                value=c[3], min=c[0], max=c[1], step=c[2], description=key,
                continuous_update=False,
            )  # fmt: skip

    def redraw(_change=None):
        handle.update(png({k: v.value for k, v in widgets.items()}))

    for v in widgets.values():
        v.observe(redraw, names="value")
    display(w.HBox(list(widgets.values()), layout=w.Layout(flex_flow="row wrap")))


def _pyplot():
    import matplotlib

    if not _in_kernel():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


# --------------------------------------------------------------------------- demos


@dataclass(frozen=True)
class Demo:
    """A demo: ``build(fig) -> (update, frames, artists)``; ``update(i)`` sets the
    ``artists`` (the only things that move) for frame i of ``frames``; the last frame is
    the still. Everything else is drawn once (blitting keeps a frame cheap)."""

    name: str
    title: str
    story: str
    build: Callable
    size: tuple[float, float]


@dataclass(frozen=True)
class DemoOutput:
    name: str
    paths: tuple[Path, ...]
    frames: int
    seconds: float


def _clipping_2d(fig):
    """GD and clipped GD, same base step, on f(x, y) = x^4/4 + x^2/2 + y^4/4 + 2 y^2."""
    from l0l1.problems.catalog import make_problem

    prob = make_problem("separable_polynomial", coeffs=[[0, 0, 0.5, 0, 0.25], [0, 0, 2, 0, 0.25]])
    x0, h, gamma, iters = [3.2, 2.6], 0.2, 2.0, 40
    gd = trajectory(prob, "gd", x0, iters, overrides={"h": h})
    cl = trajectory(prob, "clipped_gd", x0, iters, overrides={"eta_c": h, "gamma": gamma})
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
    lim = 4.0
    grid = np.linspace(-lim, lim, 161)
    X, Y = np.meshgrid(grid, grid)
    Z = X**4 / 4 + X**2 / 2 + Y**4 / 4 + 2 * Y**2
    ax.contour(X, Y, Z, levels=np.geomspace(0.05, 150, 14), colors="#BBBBBB", linewidths=1)
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="x", ylabel="y")
    ax.set_title("f = x^4/4 + x^2/2 + y^4/4 + 2y^2")
    ax.plot(*x0, "k*", markersize=12, zorder=5)
    ax2.set(yscale="log", xlim=(0, iters), ylim=(1e-6, 1e6), xlabel="iteration k",
            ylabel="||grad f(x_k)||")  # fmt: skip
    ax2.set_title(f"same base step h = {h}")
    lines = {}
    for t, lab in ((gd, f"GD, h = {h}"), (cl, f"clipped GD, eta = {h}, gamma = {gamma:g}")):
        c = COLORS[t.method]
        (p1,) = ax.plot([], [], "o-", color=c, markersize=4, label=lab)
        (p2,) = ax2.plot([], [], "o-", color=c, markersize=3, label=lab)
        lines[t.method] = (t, p1, p2)
    ax.legend(loc="lower right", framealpha=0.9)  # GD's first steps cross the lower left
    gd_last = len(gd.xs) - 1
    note = ax2.text(0.97, 0.95, "", transform=ax2.transAxes, ha="right", va="top",
                    color=COLORS["gd"], fontsize=10)  # fmt: skip
    cl_note = ax2.text(0.97, 0.05, "", transform=ax2.transAxes, ha="right", va="bottom",
                       color=COLORS["clipped_gd"], fontsize=10)  # fmt: skip
    frames = iters + 1
    artists = [a for _, p1, p2 in lines.values() for a in (p1, p2)] + [note, cl_note]

    def update(i):
        for t, p1, p2 in lines.values():
            k = min(i, len(t.xs) - 1)
            p1.set_data(t.xs[: k + 1, 0], t.xs[: k + 1, 1])
            p2.set_data(np.arange(k + 1), t.grad_norms[: k + 1])
        if i > gd_last or (i == gd_last and gd.status == "diverged"):
            out = np.abs(gd.xs[-1]).max()
            note.set_text(f"GD: x_{gd_last + 1} overflows\n(|x_{gd_last}| = {out:.1e})")
        elif i >= 1 and np.abs(gd.xs[min(i, gd_last)]).max() > lim:
            note.set_text("GD left the picture")
        else:
            note.set_text("")
        k = min(i, len(cl.xs) - 1)
        cl_note.set_text(f"clipped GD: ||grad f|| = {cl.grad_norms[k]:.1e}")

    return update, frames, artists


def _frontier(fig):
    """For x^4, the line L0 + L1|p'| lies above |p''| exactly when L0 >= L0*(L1) = 16/L1^2."""
    from l0l1.problems.frontier import frontier_curve

    coeffs = [0, 0, 0, 0, 1]
    l1s = np.geomspace(0.2, 10.0, 36)
    l0s = frontier_curve(coeffs, l1s)
    ax, ax2 = fig.subplots(1, 2)
    x = np.linspace(-3, 3, 601)
    ax.plot(x, 12 * x**2, color="black", label="|p''(x)| = 12 x^2")
    (env,) = ax.plot([], [], color=COLORS["clipped_gd"], label="L0*(L1) + L1 |p'(x)|")
    (touch,) = ax.plot([], [], "o", color=COLORS["gd"], markersize=8, label="touching point")
    # ylim leaves the legend a band the envelope never crosses for L1 <= 10 (|x| <= 1.3)
    ax.set(xlim=(-3, 3), ylim=(0, 150), xlabel="x", ylabel="Hessian bound")
    ax.set_title("p(x) = x^4: the bound must cover |p''|")
    ax.legend(loc="upper center", fontsize=8)
    ax2.plot(l1s, l0s, color="black", label="L0*(L1) (frontier)")
    ax2.plot(l1s, 16 / l1s**2, ":", color=COLORS["gd"], linewidth=3, label="16 / L1^2 (exact)")
    (dot,) = ax2.plot([], [], "o", color=COLORS["clipped_gd"], markersize=10)
    ax2.set(xscale="log", yscale="log", xlabel="L1", ylabel="least valid L0")
    ax2.xaxis.set_minor_formatter(_pyplot().NullFormatter())
    ax2.set_title("every point of the frontier is a valid pair")
    ax2.legend(loc="upper right", fontsize=9)
    label = ax2.text(0.04, 0.05, "", transform=ax2.transAxes, fontsize=10)
    order = list(range(len(l1s))) + list(range(len(l1s) - 2, 0, -1))

    def update(i):
        j = order[i] if i < len(order) else len(l1s) // 2
        l1, l0 = l1s[j], l0s[j]
        env.set_data(x, l0 + l1 * 4 * np.abs(x) ** 3)
        xt = 2 / l1
        touch.set_data([-xt, xt], [12 * xt**2] * 2)
        dot.set_data([l1], [l0])
        label.set_text(f"L1 = {l1:.3g}, L0* = {l0:.3g}, touch at |x| = 2/L1 = {xt:.2g}")

    return update, len(order) + 1, [env, touch, dot, label]


@dataclass(frozen=True)
class Race:
    """A stochastic method run twice with its theory schedule for target ``eps``: once
    stopping at the first ||grad f(x_k)|| <= eps (``calls_to_eps``, None if not reached
    within the budget) and once for the whole budget (``calls``, ``grad_norms``: the trace
    at log-spaced checkpoints), which shows the level each method settles at."""

    method: str
    calls_to_eps: int | None
    calls: np.ndarray
    grad_norms: np.ndarray
    params: dict
    clipped_steps: int = 0
    diverged_at: int | None = None  # oracle calls when the whole run diverged


def race(problem, methods, *, eps: float, budget: int, x0=None, seed: int = 0, **oracle) -> dict:
    """:class:`Race` per method; ``oracle`` goes to :func:`l0l1.runs.run` (noise, noise_level).

    SGD's horizon T is the budget; all parameters are those of the schedule at ``eps``,
    kept fixed (as overrides) in the run that continues past eps.
    """
    from l0l1.runs import run

    out = {}
    for m in methods:
        kw = dict(x0=x0, seed=seed, max_calls=budget, max_iter=budget, **oracle)
        first = run(problem, m, eps=eps, **kw)
        params = {k: v for k, v in first.params.items() if k != "T"}
        whole = run(problem, m, eps=1e-9, overrides=params, checkpoints=120, **kw)
        hit = first.oracle_calls_at_hit if first.status == "reached" else None
        calls = np.maximum(whole.trace[:, 1], 1).astype(float)
        gone = whole.oracle_calls if whole.status == "diverged" else None
        out[m] = Race(m, hit, calls, whole.trace[:, 3].copy(), params, whole.clipped_steps, gone)
    return out


VARIANCE_SETUP = {"problem": ("cosh", {"dim": 2}), "x0": [2.0, 2.0], "noise": "stable",
                  "noise_level": 1.0, "eps": 0.05, "budget": 300_000}  # fmt: skip
VARIANCE_METHODS = ("sgd", "clipped_sgd", "spider", "spider_clip")


def variance_race() -> dict:
    """:func:`race` of the variance demo: its four methods on :data:`VARIANCE_SETUP`."""
    from l0l1 import make_problem

    s = VARIANCE_SETUP
    prob = make_problem(s["problem"][0], **s["problem"][1])
    return race(prob, VARIANCE_METHODS, eps=s["eps"], budget=s["budget"], x0=s["x0"],
                noise=s["noise"], noise_level=s["noise_level"])  # fmt: skip


def _race_label(r: Race) -> str:
    hit = f"below eps after {r.calls_to_eps:,}" if r.calls_to_eps else "never below eps"
    if r.diverged_at is not None:
        hit += f", overflows at {r.diverged_at:,} (x)"
    elif "clip" in r.method:
        hit += f", {r.clipped_steps:,} steps clipped"
    return f"{LABELS[r.method]}: {hit}"


def _variance(fig):
    """SGD, clipped SGD, SPIDER and SPIDER-clip on cosh with heavy-tailed (alpha-stable)
    noise, theory schedules (T4, T5): a rare huge sample throws SGD off, clipping caps it."""
    s = VARIANCE_SETUP
    eps, budget = s["eps"], s["budget"]
    res = variance_race()
    ax = fig.subplots(1, 1)
    ax.set(xscale="log", yscale="log", xlim=(1, 1.5 * budget), xlabel="stochastic gradients (SFO)",
           ylabel="||grad f(x_k)|| (exact probe)")  # fmt: skip
    ax.axhline(eps, color="#555555", linestyle="--", linewidth=1.2)
    ax.text(1.5, eps * 0.85, f"eps = {eps}", va="top", fontsize=9, color="#555555")
    ax.set_title("cosh(x) + cosh(y), alpha-stable noise (alpha = 1.5: infinite variance)",
                 fontsize=10)  # fmt: skip
    finite = np.concatenate([r.grad_norms[np.isfinite(r.grad_norms)] for r in res.values()])
    top = float(finite.max()) * 100  # room for the legend above the curves
    ax.set_ylim(min(float(finite.min()), eps) / 2, top)
    lines = []
    for m, r in res.items():
        ok = np.isfinite(r.grad_norms)
        calls, gn = r.calls[ok], r.grad_norms[ok]
        if r.diverged_at is not None:  # the curve leaves the plot where the run overflows
            calls, gn = np.append(calls, r.diverged_at), np.append(gn, top / 1.5)
        style = (0, (5, 3)) if m == "sgd" else "-"
        (ln,) = ax.plot([], [], color=COLORS[m], linestyle=style, label=_race_label(r))
        (end,) = ax.plot([], [], "x", color=COLORS[m], markersize=10, markeredgewidth=2.5)
        lines.append((calls, gn, ln, end if r.diverged_at is not None else None))
    ax.legend(loc="upper left", fontsize=8.5, framealpha=0.95)
    frames = 40
    edges = np.geomspace(1, 1.5 * budget, frames)

    def update(i):
        for calls, gn, ln, end in lines:
            keep = calls <= edges[min(i, frames - 1)]
            ln.set_data(calls[keep], gn[keep])
            if end is not None:
                done = bool(keep.all())
                end.set_data(calls[-1:] if done else [], gn[-1:] if done else [])

    artists = [a for _, _, ln, end in lines for a in (ln, end) if a is not None]
    return update, frames + 1, artists


DEMOS = {
    d.name: d
    for d in (
        Demo("clipping", "GD vs clipped GD on a 2-D surface",
             "Same base step: fixed-step GD overshoots and overflows, clipped GD walks down.",
             _clipping_2d, (10.0, 4.6)),
        Demo("frontier", "The (L0, L1) frontier of x^4",
             "Each L1 needs its own least L0 = 16/L1^2; the bound touches |p''| at |x| = 2/L1.",
             _frontier, (10.0, 4.4)),
        Demo("variance", "Variance reduction: oracle calls to reach eps",
             "Heavy-tailed noise: one huge sample throws SGD off, clipping caps it.",
             _variance, (7.0, 4.8)),
    )
}  # fmt: skip


def demo_names() -> tuple[str, ...]:
    return tuple(DEMOS)


def get_demo(name: str) -> Demo:
    """The demo called ``name``; a one-line ValueError suggesting the closest otherwise."""
    if name in DEMOS:
        return DEMOS[name]
    hint = did_you_mean(name, DEMOS, n=1, cutoff=0.0)
    raise InputError(f"demo: {name!r} is unknown{hint}; allowed: {', '.join(DEMOS)}")


def render(name: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The still and the animation frames of demo ``name`` as RGB arrays (no files)."""
    demo = get_demo(name)
    plt = _pyplot()
    with plt.rc_context(RC):
        fig = plt.figure(figsize=demo.size, dpi=DPI)
        try:
            update, n, artists = demo.build(fig)
            fig.suptitle(demo.story, fontsize=11)
            fig.tight_layout()
            for a in artists:
                a.set_animated(True)
            fig.canvas.draw()
            background = fig.canvas.copy_from_bbox(fig.bbox)
            frames = []
            for i in range(n):
                update(i)
                fig.canvas.restore_region(background)
                for a in artists:
                    a.axes.draw_artist(a)
                frames.append(np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy())
            still = frames[-1]
        finally:
            plt.close(fig)
    return still, frames


def make_demo(name: str, out_dir="figures/demos", *, mp4: bool | None = None) -> DemoOutput:
    """Write ``NAME.png``, ``NAME.gif`` (and ``NAME.mp4`` when ffmpeg is found, or
    ``mp4=True``) into ``out_dir``; returns the paths written."""
    from PIL import Image

    t0 = time.perf_counter()
    get_demo(name)
    still, frames = render(name)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png = out / f"{name}.png"
    Image.fromarray(still).save(png, optimize=True)
    gif = out / f"{name}.gif"
    _write_gif(frames, gif)
    paths = [png, gif]
    ffmpeg = shutil.which("ffmpeg")
    if mp4 is None:
        mp4 = ffmpeg is not None
    if mp4:
        if ffmpeg is None:
            raise ValueError("mp4: ffmpeg is not on the PATH; allowed: install ffmpeg or omit MP4")
        paths.append(_write_mp4(frames, out / f"{name}.mp4", ffmpeg))
    return DemoOutput(name, tuple(paths), len(frames), time.perf_counter() - t0)


FRAME_MS, HOLD_MS = 120, 2500


GIF_COLORS = 64


def _write_gif(frames: list[np.ndarray], path: Path) -> None:
    """One palette for every frame, no dithering: small, exact. The palette holds every
    style colour exactly (so a thin curve or a legend handle keeps its colour, as in the
    PNG) and an adaptive median cut of the still for the rest."""
    from PIL import Image

    from l0l1.style import PALETTE, REFERENCE_GREYS

    exact = [
        int(c[i : i + 2], 16) for c in (*PALETTE, *REFERENCE_GREYS, "#FFFFFF") for i in (1, 3, 5)
    ]
    adaptive = GIF_COLORS - len(exact) // 3
    cut = Image.fromarray(frames[-1]).quantize(colors=adaptive, method=Image.Quantize.MEDIANCUT)
    pal = Image.new("P", (1, 1))
    pal.putpalette(exact + cut.getpalette()[: 3 * adaptive])
    ims = [
        Image.fromarray(f).quantize(palette=pal, dither=Image.Dither.NONE) for f in frames
    ]  # fmt: skip
    durations = [FRAME_MS] * (len(ims) - 1) + [HOLD_MS]
    ims[0].save(path, save_all=True, append_images=ims[1:], duration=durations, loop=0,
                optimize=True, disposal=1)  # fmt: skip


def _write_mp4(frames: list[np.ndarray], path: Path, ffmpeg: str) -> Path:
    h, w = frames[0].shape[:2]
    fps = round(1000 / FRAME_MS)
    hold = max(1, round(HOLD_MS / FRAME_MS))
    cmd = [ffmpeg, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", str(fps), "-i", "-",
           "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p",
           "-c:v", "libx264", "-fflags", "+bitexact", str(path)]  # fmt: skip
    data = b"".join(f.tobytes() for f in frames) + frames[-1].tobytes() * (hold - 1)
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ValueError(f"mp4: ffmpeg failed ({msg[-1] if msg else proc.returncode})")
    return path
