"""The benchmark's implementations compute the same iterates (no timing here).

benchmarks/run.py compares the Numba kernels with NumPy, C and PyTorch versions of the
same loops; these checks make sure the comparison is between equal computations. NumPy
and C draw the kernels' random streams (C re-implements PCG64, the ziggurat and Lemire's
bounded integers), so from the same seed they must agree with the kernel to rounding.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")
sys.path.insert(0, BENCH)

import cref  # noqa: E402
import impls  # noqa: E402

from l0l1 import make_problem  # noqa: E402

needs_cc = pytest.mark.skipif(cref.compiler() is None, reason="no C compiler")


def _same(a, b, rtol=1e-10):
    """Same status, iterations, calls and clipped steps; gmax and x to rtol."""
    assert a[:4] == b[:4]
    np.testing.assert_allclose(a[4], b[4], rtol=rtol)
    np.testing.assert_allclose(a[5], b[5], rtol=rtol, atol=rtol)


@pytest.fixture(scope="module")
def phase():
    prob = make_problem("phase_retrieval", m=300, d=12, L1=1.0)
    p = [prob.constants.L0, 1.0, 1.0, 1e-3]
    return prob.P, prob.v, np.full(12, 0.3), p


CLIPPED_GD = [(1, 0), (10, 1), (10, 60), (33, 40)]


@pytest.mark.parametrize(("d", "iters"), CLIPPED_GD)
def test_clipped_gd_numpy_matches_numba(d, iters):
    args = (impls.poly8_coeffs(d), impls.poly8_x0(d), 1e-3, 1.0, 1e-300, iters)
    _same(impls.numba_clipped_gd(*args), impls.numpy_clipped_gd(*args))


@needs_cc
@pytest.mark.parametrize(("d", "iters"), CLIPPED_GD)
def test_clipped_gd_c_matches_numba(d, iters):
    args = (impls.poly8_coeffs(d), impls.poly8_x0(d), 1e-3, 1.0, 1e-300, iters)
    _same(impls.numba_clipped_gd(*args), cref.clipped_gd_poly(*args))


def _sgd_args(d, iters):
    return (impls.poly8_coeffs(d), impls.poly8_x0(d), 1.0, 1.0, 1e-3, 1.0, 1e-300, iters)


@pytest.mark.parametrize("impl", ["numpy", "c"])
def test_clipped_sgd_matches_numba_draw_for_draw(impl):
    if impl == "c" and cref.compiler() is None:
        pytest.skip("no C compiler")
    fn = {"numpy": impls.numpy_clipped_sgd, "c": cref.clipped_sgd_poly_bounded}[impl]
    args = _sgd_args(17, 40)
    _same(impls.numba_clipped_sgd(*args, np.random.default_rng(4)),
          fn(*args, np.random.default_rng(4)))  # fmt: skip


@pytest.mark.parametrize("impl", ["numpy", "c"])
@pytest.mark.parametrize(("q", "S2", "iters", "probe"), [(5, 7, 23, 3), (10**9, 4, 9, 10**9)])
def test_spider_clip_matches_numba_draw_for_draw(phase, impl, q, S2, iters, probe):
    if impl == "c" and cref.compiler() is None:
        pytest.skip("no C compiler")
    fn = {"numpy": impls.numpy_spider_clip, "c": cref.spider_clip_phase}[impl]
    A, y, x0, p = phase
    args = (A, y, x0, p, q, S2, 1e-300, iters, probe)
    _same(impls.numba_spider_clip(*args, np.random.default_rng(8)),
          fn(*args, np.random.default_rng(8)))  # fmt: skip


# (T, iterations, start): from x0 = 0 the chain is discovered one coordinate at a time (T = 5
# is fully discovered by 400 iterations, the Bernoulli noise then off; (100, 3000) is the
# benchmark's run); the random start has coordinates on both sides of +-1/2, so the
# Psi(-u_{i-1}) Phi(-u_i) branches are taken too.
SGD_CHAIN = [(1, 0, "zero"), (5, 400, "zero"), (20, 300, "zero"), (100, 3000, "zero"),
             (12, 200, "random")]  # fmt: skip


def _chain_args(T, iters, start):
    v = impls.chain_v(T)
    x0 = np.zeros(T)
    if start == "random":
        x0 = v[0] * np.random.default_rng(3).uniform(-1.5, 1.5, T)
    return (v, x0, 0.1, 1.0, 1e-300, iters)


@pytest.mark.parametrize(("T", "iters", "start"), SGD_CHAIN)
def test_sgd_chain_numpy_matches_numba_draw_for_draw(T, iters, start):
    """NumPy's exp differs from libm's by an ulp on some arguments and SciPy's erfc (Cephes)
    by a few: the iterates agree to a few ulps (at most 2.4e-15 relative observed)."""
    args = _chain_args(T, iters, start)
    _same(impls.numba_sgd_chain(*args, np.random.default_rng(6)),
          impls.numpy_sgd_chain(*args, np.random.default_rng(6)), rtol=1e-14)  # fmt: skip


@needs_cc
@pytest.mark.parametrize(("T", "iters", "start"), SGD_CHAIN)
def test_sgd_chain_c_matches_numba_bit_for_bit(T, iters, start):
    """The kernel and ref.c call the same libm exp and erfc (Numba lowers math.exp to
    llvm.exp and math.erfc to libm's erfc) with the same arithmetic around them: equal bits."""
    args = _chain_args(T, iters, start)
    _same(impls.numba_sgd_chain(*args, np.random.default_rng(6)),
          cref.sgd_chain_bernoulli(*args, np.random.default_rng(6)), rtol=0.0)  # fmt: skip


@needs_cc
def test_c_generator_reproduces_numpy_streams():
    rng = np.random.default_rng(42)
    rng.random()
    rng.integers(0, 10)  # leaves half of a 64-bit draw buffered
    raw, normal, ints = cref.draws(rng, 2000, 10_000)
    ref = np.random.default_rng(42)
    ref.random()
    ref.integers(0, 10)
    np.testing.assert_array_equal(raw, ref.bit_generator.random_raw(2000))
    np.testing.assert_array_equal(normal, ref.standard_normal(2000))
    np.testing.assert_array_equal(ints, ref.integers(0, 10_000, 2000))


@pytest.mark.skipif(not impls.torch_available(), reason="PyTorch not installed")
def test_torch_loops_follow_the_same_method():
    """PyTorch's loops: clip_grad_norm_ divides by norm + 1e-6 and the noise is its own,
    so the deterministic loop agrees closely and the others only in their counters."""
    args = (impls.poly8_coeffs(5), impls.poly8_x0(5), 1e-3, 1.0, 1e-300, 30)
    a, b = impls.numba_clipped_gd(*args), impls.torch_clipped_gd(*args)
    assert a[:4] == b[:4]
    np.testing.assert_allclose(a[5], b[5], rtol=1e-6)
    assert impls.torch_clipped_sgd(*_sgd_args(5, 12))[:3] == (1, 12, 12)
    prob = make_problem("phase_retrieval", m=50, d=4, L1=1.0)
    p = [prob.constants.L0, 1.0, 1.0, 1e-3]
    out = impls.torch_spider_clip(prob.P, prob.v, np.full(4, 0.3), p, 5, 3, 1e-300, 11, 2)
    assert out[:3] == (1, 11, 3 * 50 + 8 * 2 * 3)
    # the chain with p = 1 is deterministic (Z/p = 1): autograd's gradient of F_T against
    # the closed form, to rounding; with p = 0.1 the Bernoulli draws are PyTorch's own
    v, x0, _p, h, eps, iters = _chain_args(20, 300, "zero")
    a = impls.numba_sgd_chain(v, x0, 1.0, h, eps, iters, np.random.default_rng(0))
    b = impls.torch_sgd_chain(v, x0, 1.0, h, eps, iters)
    assert a[:4] == b[:4]
    np.testing.assert_allclose(a[5], b[5], rtol=1e-10, atol=1e-12)
    assert impls.torch_sgd_chain(*_chain_args(12, 50, "random"))[:4] == (1, 50, 50, 0)
