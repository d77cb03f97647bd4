"""The methods users can name, with the kernel and step rule each one runs (THEORY T3-T5)."""

from __future__ import annotations

from dataclasses import dataclass

from l0l1.methods import steps
from l0l1.validate import InputError, did_you_mean


@dataclass(frozen=True)
class MethodSpec:
    """A method: its kernel family ("single" or "spider"), step rule and rule parameters.

    ``param_names`` is the layout of the rule's parameter array ``p`` (see steps.py);
    ``stochastic`` methods draw from an oracle, the others use exact gradients; ``label``
    is the name figures and demos show.
    """

    name: str
    family: str
    rule: int
    param_names: tuple[str, ...]
    stochastic: bool
    source: str
    label: str


METHODS = {
    m.name: m
    for m in (
        MethodSpec("gd", "single", steps.RULE_FIXED, ("h",), False, "T3; Z20 Thm 6", "GD"),
        MethodSpec("clipped_gd", "single", steps.RULE_CLIP, ("eta_c", "gamma"), False,
                   "T3; Z20 Thm 3", "clipped GD"),
        MethodSpec("normalized_gd", "single", steps.RULE_NORMALIZED, ("eta_n", "beta"), False,
                   "T3; Z20", "normalized GD"),
        MethodSpec("v24_si", "single", steps.RULE_V24_SI, ("L0", "L1"), False, "T3; V24",
                   "V24 h_si"),
        MethodSpec("v24_cl", "single", steps.RULE_V24_CL, ("L0", "L1"), False, "T3; V24",
                   "V24 h_cl"),
        MethodSpec("v24_star", "single", steps.RULE_V24_STAR, ("L0", "L1"), False, "T3; V24",
                   "V24 h*"),
        MethodSpec("smoothed_clip", "single", steps.RULE_SMOOTH, ("L0", "L1", "nu"), False,
                   "T3; Gorbunov et al. 2024", "smoothed clipping"),
        MethodSpec("sgd", "single", steps.RULE_FIXED, ("h",), True, "T4; Z20 Thm 8", "SGD"),
        MethodSpec("clipped_sgd", "single", steps.RULE_CLIP_SGD, ("L1", "tau", "eta"), True,
                   "T4; Z20 Thm 7 (corrected first branch)", "clipped SGD"),
        MethodSpec("spider", "spider", steps.RULE_SPIDER, ("L", "n0", "eps"), True, "T5; F18",
                   "SPIDER"),
        MethodSpec("spider_clip", "spider", steps.RULE_SPIDER_CLIP, ("L0", "L1", "n0", "eps"),
                   True, "T5; R23, this project's schedule", "SPIDER-clip"),
    )
}  # fmt: skip


def get_method(name: str) -> MethodSpec:
    """The method called ``name``; a one-line ValueError suggesting the closest otherwise."""
    if name in METHODS:
        return METHODS[name]
    hint = did_you_mean(name, METHODS)
    raise InputError(f"method: {name!r} is unknown{hint}; allowed: {', '.join(METHODS)}")
