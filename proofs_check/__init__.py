"""SymPy certificates for the lemmas behind l0l1's bounds (THEORY T7).

Run ``python -m proofs_check``; see :mod:`proofs_check.core` for the step vocabulary
and :func:`proofs_check.registry.discover` for how lemma modules are found.
"""

from proofs_check.core import (
    CERTIFIED,
    FAILED,
    FINITE_POSITIVE,
    NUMERIC,
    CaseSplit,
    CoefficientsNonNegative,
    ConstantBound,
    Identity,
    IntervalBound,
    Lemma,
    LemmaResult,
    Limit,
    Monotone,
    NonNegative,
    NumericOnly,
    OdeSolution,
    Step,
    StepResult,
    run,
)

__all__ = [
    "CERTIFIED",
    "FAILED",
    "FINITE_POSITIVE",
    "NUMERIC",
    "CaseSplit",
    "CoefficientsNonNegative",
    "ConstantBound",
    "Identity",
    "IntervalBound",
    "Lemma",
    "LemmaResult",
    "Limit",
    "Monotone",
    "NonNegative",
    "NumericOnly",
    "OdeSolution",
    "Step",
    "StepResult",
    "run",
]
