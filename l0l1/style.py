"""One look for every figure and demo: palette, markers and display names per method.

Each method of :data:`l0l1.methods.registry.METHODS` keeps one colour and one marker
everywhere (Okabe-Ito, colour-blind safe); a method registered later, or an unknown name,
gets the next colour in turn instead of an error.
"""

from __future__ import annotations

from l0l1.methods import registry

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
REFERENCE_GREYS = ("#555555", "#888888", "#AAAAAA")
REFERENCE_DASHES = ((0, (6, 3)), (0, (2, 2)), (0, (8, 3, 2, 3)))
RC = {
    "font.size": 14, "axes.titlesize": 15, "axes.labelsize": 16, "legend.fontsize": 11,
    "xtick.labelsize": 13, "ytick.labelsize": 13, "lines.linewidth": 2.2,
    "lines.markersize": 8, "axes.grid": True, "grid.alpha": 0.3, "savefig.dpi": 150,
    "svg.fonttype": "none", "svg.hashsalt": "l0l1",  # fixed ids: SVGs reproducible to the byte
}  # fmt: skip
CAPTION_PT = 11


def methods() -> tuple[str, ...]:
    """The registry's methods in order: the order of colours, markers and legends."""
    return tuple(registry.METHODS)


def label(method: str) -> str:
    """The display name of a method (its name when it is not registered)."""
    spec = registry.METHODS.get(method)
    return spec.label if spec is not None else method


def style(method: str) -> dict:
    """Colour and marker of a method, the same in every figure and demo. Past the palette's
    length the marker shifts by one per round, so no two of the first 49 methods share both."""
    order = methods()
    i = order.index(method) if method in order else len(order)
    marker = MARKERS[(i + i // len(PALETTE)) % len(MARKERS)]
    return {"color": PALETTE[i % len(PALETTE)], "marker": marker}


def color(method: str) -> str:
    """The colour of a method (see :func:`style`)."""
    return style(method)["color"]


class _ByMethod(dict):
    """method -> value for any method name: ``m[name]`` and ``m.get(name)`` alike."""

    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def __missing__(self, method: str):
        return self._fn(method)

    def get(self, method: str, default=None):
        return self._fn(method)


COLORS = _ByMethod(color)  # COLORS[m]: the colour of method m, for demos and notebooks
NAMES = _ByMethod(label)  # NAMES[m]: the display name of method m
