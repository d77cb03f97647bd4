"""Static arguments: one compiled specialization per value, the value seen as a constant."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from l0l1.jitstatic import Static, StaticType, static_value
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


def test_driver_compiles_one_loop_per_kind_oracle_and_algorithm():
    """Compile only what runs (issue 26): the driver is specialised on the problem kind,
    the oracle and the algorithm's code; a second run of the same triple reuses it."""
    from l0l1 import make_problem, run
    from l0l1.methods import driver
    from l0l1.methods.registry import METHODS

    prob = make_problem("cosh", dim=2)

    def triples():
        sigs = [sig for sig in driver._driver_loop.signatures if hasattr(sig[0], "value")]
        return {(sig[0].value, sig[4].value, sig[7].code_key) for sig in sigs}

    run(prob, "clipped_gd", eps=1e-3, max_iter=5)
    run(prob, "sgd", eps=1e-3, max_iter=5, noise="gaussian", noise_level=0.1)
    loops = len(driver._driver_loop.signatures)
    run(prob, "clipped_gd", eps=1e-2, max_iter=7)  # the same triple: the same loop
    assert len(driver._driver_loop.signatures) == loops
    other = (prob.kind, ORACLE_EXACT, METHODS["normalized_gd"].algorithm.key)
    new = other not in triples()  # another test in this worker may have compiled it
    run(prob, "normalized_gd", eps=1e-3, max_iter=5)  # other code: a loop of its own
    assert len(driver._driver_loop.signatures) == loops + new
    assert other in triples()
    for method, oracle in (("clipped_gd", ORACLE_EXACT), ("sgd", ORACLE_GAUSS)):
        assert (prob.kind, oracle, METHODS[method].algorithm.key) in triples()
