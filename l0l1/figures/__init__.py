"""The figures of ``l0l1 reproduce``, one module each, in report order (issue 14).

Each module holds its sweep specs per scale, its drawing call with caption and notes, its
theory exponents and THEORY ids, and ``measured_vs_theory``; :data:`FIGURES` maps its key
to its :class:`~l0l1.figures.spec.FigureSpec`. Adding a figure = adding a module here.
"""

from __future__ import annotations

from l0l1.figures import (
    agnostic_l1,
    bounds,
    code_methods,
    convex,
    finite_sum,
    frontier,
    gd_vs_clipped,
    hard_chain_det,
    hard_chain_stochastic,
    hard_finite_sum,
    hard_z20_bowl,
    local_smoothness,
    newer_methods,
    nn_smoothness,
    nn_training,
    nn_vr,
    online,
    worstcase,
)
from l0l1.figures.spec import SCALES, FigureSpec

_MODULES = (gd_vs_clipped, online, finite_sum, bounds, frontier, local_smoothness,
            hard_chain_det, hard_chain_stochastic, hard_finite_sum, hard_z20_bowl,
            newer_methods, code_methods, agnostic_l1, convex, nn_smoothness, nn_training, nn_vr,
            worstcase)  # fmt: skip
FIGURES: dict[str, FigureSpec] = {m.FIGURE.key: m.FIGURE for m in _MODULES}

__all__ = ["FIGURES", "SCALES", "FigureSpec"]
