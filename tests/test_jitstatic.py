"""Static arguments: one compiled specialization per value, the value seen as a constant."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from l0l1.jitstatic import Static, StaticType, static_value
from l0l1.methods import kernels
from l0l1.problems.oracles import ORACLE_EXACT, ORACLE_GAUSS


@njit
def _pick(s, a):
    k = static_value(s)
    if k == 0:
        return a[0]
    if k == 1:
        return a[1] * 10.0
    return -1.0


def test_static_value_is_the_wrapped_integer_and_each_value_compiles_once():
    a = np.array([2.0, 3.0])
    assert _pick(Static(0), a) == 2.0
    assert _pick(Static(1), a) == 30.0
    assert _pick(Static(7), a) == -1.0
    assert _pick(Static(1), a) == 30.0
    kinds = sorted(sig[0].value for sig in _pick.signatures)
    assert kinds == [0, 1, 7]
    assert all(isinstance(sig[0], StaticType) for sig in _pick.signatures)


def test_static_value_refuses_a_plain_integer():
    """The sibling that must fail: a run-time int is not a compile-time constant."""
    with pytest.raises(TypingError):
        _pick(0, np.array([2.0, 3.0]))


def test_kernels_compile_one_loop_per_kind_and_oracle():
    from l0l1 import make_problem, run

    prob = make_problem("cosh", dim=2)
    run(prob, "clipped_gd", eps=1e-3, max_iter=5)
    run(prob, "sgd", eps=1e-3, max_iter=5, noise="gaussian", noise_level=0.1)
    loops = len(kernels._single_loop.signatures)
    run(prob, "normalized_gd", eps=1e-3, max_iter=5)  # same (kind, oracle): the same loop
    assert len(kernels._single_loop.signatures) == loops
    # user problems (JitCode kinds) compiled earlier in the same worker have no literal kind
    sigs = [sig for sig in kernels._single_loop.signatures if hasattr(sig[0], "value")]
    pairs = {(sig[0].value, sig[4].value) for sig in sigs}
    assert {(prob.kind, ORACLE_EXACT), (prob.kind, ORACLE_GAUSS)} <= pairs
