"""Stochastic gradient oracles (THEORY T4, T5), in Numba.

An oracle call is split in two so that SPIDER can evaluate the *same* sample at two
points: ``draw_sample`` fills a sample buffer ``s`` (length d + 1) from the run's
``np.random.Generator``; ``sample_grad_into`` evaluates that sample's gradient at x.

Oracles (``oracle``, with its scalar parameter ``w``):
- ORACLE_EXACT: grad f(x); a call costs max(n, 1) (a full pass over a finite sum).
- ORACLE_BOUNDED: grad f(x) + xi, xi uniform in the ball of radius tau = w (Z20's model).
- ORACLE_GAUSS: grad f(x) + xi, xi ~ N(0, (w^2/d) I), so E||xi||^2 = sigma^2 = w^2.
- ORACLE_MINIBATCH: grad f_i(x), i uniform in 0..n-1 (finite sums).
- ORACLE_PHASE_ONLINE: one phase-retrieval sample: a uniform on the sphere of radius
  sqrt(d), y = (a.z*)^2 + w * N(0, 1); gradient ((a.x)^2 - y)(a.x) a, which depends
  on x, so SPIDER's differences are not exact (problem kind KIND_PHASE_POP).
- ORACLE_BERNOULLI: the zero-chain oracle of Arjevani et al. (2019) with p = w (chain
  kinds; lam = v[0]): g_i = d_i f(x) (1 + 1{i > prog_{1/4}(x/lam)} (Z/p - 1)), Z ~
  Bernoulli(p) drawn as rng.random() < p, and s[0] = Z/p, so SPIDER evaluates the same Z
  at both points. Unbiased; only the frontier coordinate prog + 1 is noisy (variance
  (d_j f)^2 (1 - p)/p), and which coordinate that is depends on x.
- ORACLE_STUDENT: grad f(x) + xi, xi_j = w / sqrt(3 d) * t_3 (Student t, 3 degrees of freedom):
  heavy-tailed with finite variance, E||xi||^2 = w^2, no finite third moment.
- ORACLE_STABLE: grad f(x) + xi, xi_j = w / sqrt(d) * S, S symmetric alpha-stable with
  alpha = STABLE_ALPHA = 1.5 (Chambers-Mallows-Stuck): a finite mean, infinite variance.
- ORACLE_AFFINE: grad f(x) + xi, xi ~ N(0, w^2 (1 + ||grad f(x)||^2)/d I): affine variance,
  E||xi||^2 = w^2 (1 + ||grad f(x)||^2) (sigma_0 = sigma_1 = w). s holds the standard normals
  (and s[d] = w / sqrt(d)), so SPIDER evaluates the same draw at both points, each scaled by
  its own gradient norm.
- ORACLE_SKEWED: grad f(x) + xi, xi = w sqrt(p/(1-p)) (Z/p - 1) (1, ..., 1)/sqrt(d), Z ~
  Bernoulli(p), p = SKEW_P: unbiased, E||xi||^2 = w^2, ||xi|| <= w sqrt((1-p)/p), but
  asymmetric: rare large jumps one way, frequent small ones the other. Clipping below the
  jump biases the mean (Koloskova et al. 2023's bias floor).
Additive noise (bounded, Gaussian, Student, stable, skewed) cancels exactly in SPIDER's
differences. Student, stable, affine and skewed are the project's own models (no THEORY id):
T4's bounded-noise (symmetric) and T5's variance assumptions fail for them, which is what
they are for.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.np.random.random_methods import buffered_bounded_lemire_uint32

from l0l1 import jitcache, usercode
from l0l1.problems import chain, evaluate, kinds
from l0l1.problems.chain import progress
from l0l1.problems.evaluate import component_grad_into, grad_into, phase_sample_grad_into

jitcache.depends(__file__, kinds.__file__, chain.__file__, evaluate.__file__, usercode.__file__)

ORACLE_EXACT = 0
ORACLE_BOUNDED = 1
ORACLE_GAUSS = 2
ORACLE_MINIBATCH = 3
ORACLE_PHASE_ONLINE = 4
ORACLE_BERNOULLI = 5
ORACLE_STUDENT = 6
ORACLE_STABLE = 7
ORACLE_AFFINE = 8
ORACLE_SKEWED = 9
SKEW_P = 0.1  # the jump probability of ORACLE_SKEWED
STABLE_ALPHA = 1.5  # tail index of ORACLE_STABLE: in (1, 2), finite mean, infinite variance
STUDENT_DOF = 3.0  # degrees of freedom of ORACLE_STUDENT: variance DOF / (DOF - 2) = 3


@njit(cache=True, inline="always")
def draw_index(rng, n):
    """A uniform index in 0..n-1, the stream of rng.integers(0, n)."""
    if 1 < n <= 0xFFFFFFFF:  # what integers(0, n) does for a 32-bit range, inlined
        return np.int64(buffered_bounded_lemire_uint32(rng.bit_generator, n - 1))
    return np.int64(rng.integers(0, n))


@njit(cache=True, inline="always")
def draw_sample(oracle, P, v, w, n, rng, s):
    """Fill the sample buffer s (length d + 1) for one oracle call."""
    # Scalar draws into s (no temporary arrays): a loop of rng.standard_normal() is the
    # stream of rng.standard_normal(d); the index skips integers()'s size-1 array.
    d = s.shape[0] - 1
    if oracle == ORACLE_BOUNDED:
        uu = 0.0
        for j in range(d):
            t = rng.standard_normal()
            s[j] = t
            uu += t * t
        r = w * rng.random() ** (1.0 / d)
        c = r / math.sqrt(uu)
        for j in range(d):
            s[j] = s[j] * c
    elif oracle == ORACLE_GAUSS:
        c = w / math.sqrt(d)
        for j in range(d):
            s[j] = c * rng.standard_normal()
    elif oracle == ORACLE_MINIBATCH:
        s[0] = draw_index(rng, n)
    elif oracle == ORACLE_PHASE_ONLINE:
        uu = 0.0
        for j in range(d):
            t = rng.standard_normal()
            s[j] = t
            uu += t * t
        c = math.sqrt(d / uu)
        t = 0.0
        for j in range(d):
            s[j] = c * s[j]
            t += s[j] * P[0, j]
        s[d] = t * t + w * rng.standard_normal()
    elif oracle == ORACLE_BERNOULLI:
        s[0] = 1.0 / w if rng.random() < w else 0.0  # Z/p
    elif oracle == ORACLE_STUDENT:
        c = w / math.sqrt(d * STUDENT_DOF / (STUDENT_DOF - 2.0))
        for j in range(d):
            s[j] = c * rng.standard_t(STUDENT_DOF)
    elif oracle == ORACLE_STABLE:
        c = w / math.sqrt(d)
        for j in range(d):
            s[j] = c * stable_draw(rng, STABLE_ALPHA)
    elif oracle == ORACLE_AFFINE:
        for j in range(d):
            s[j] = rng.standard_normal()
        s[d] = w / math.sqrt(d)  # the scale, for sample_from_grad_into (which has no w)
    elif oracle == ORACLE_SKEWED:
        z = 1.0 / SKEW_P if rng.random() < SKEW_P else 0.0
        t = w * math.sqrt(SKEW_P / (1.0 - SKEW_P)) * (z - 1.0) / math.sqrt(d)
        for j in range(d):
            s[j] = t


@njit(cache=True, inline="always")
def stable_draw(rng, alpha):
    """A standard symmetric alpha-stable draw (Chambers, Mallows and Stuck 1976):
    U uniform on (-pi/2, pi/2), W standard exponential, in that order from ``rng``."""
    u = math.pi * (rng.random() - 0.5)
    e = rng.standard_exponential()
    return (
        math.sin(alpha * u) / math.cos(u) ** (1.0 / alpha)
        * (math.cos((1.0 - alpha) * u) / e) ** ((1.0 - alpha) / alpha)
    )  # fmt: skip


@njit(cache=True, inline="always")
def transforms_gradient(oracle):
    """True for the oracles whose sample is a function of grad f(x) (and x): bounded,
    Gaussian, Bernoulli, Student, stable, affine, skewed. Their samples come from
    :func:`sample_from_grad_into`."""
    return (
        oracle == ORACLE_BOUNDED or oracle == ORACLE_GAUSS or oracle == ORACLE_BERNOULLI
        or oracle == ORACLE_STUDENT or oracle == ORACLE_STABLE or oracle == ORACLE_AFFINE
        or oracle == ORACLE_SKEWED
    )  # fmt: skip


@njit(cache=True, inline="always")
def sample_from_grad_into(oracle, v, s, x, g, out):
    """out <- the gradient of sample s at x, from g = grad f(x), for the oracles of
    :func:`transforms_gradient` (out may be g itself)."""
    d = x.shape[0]
    if oracle == ORACLE_BERNOULLI:
        start = progress(x, v[0], 0.25)
        for j in range(d):
            out[j] = g[j] * s[0] if j >= start else g[j]
    elif oracle == ORACLE_AFFINE:
        gg = 0.0
        for j in range(d):
            gg += g[j] * g[j]
        c = s[d] * math.sqrt(1.0 + gg)
        for j in range(d):
            out[j] = g[j] + c * s[j]
    else:
        for j in range(d):
            out[j] = g[j] + s[j]


@njit(cache=True)
def sample_grad_into(oracle, kind, P, v, s, x, out):
    """out <- the gradient of sample s at x."""
    if transforms_gradient(oracle):
        grad_into(kind, P, v, x, out)
        sample_from_grad_into(oracle, v, s, x, out, out)
    elif oracle == ORACLE_MINIBATCH:
        component_grad_into(kind, P, v, int(s[0]), x, out)
    elif oracle == ORACLE_PHASE_ONLINE:
        phase_sample_grad_into(s, x, out)
    else:
        grad_into(kind, P, v, x, out)


@njit(cache=True, fastmath={"reassoc"})
def phase_minibatch_diff(P, v, n, S2, rng, x, x_prev, acc):
    """acc <- sum over S2 uniform indices i of grad f_i(x) - grad f_i(x_prev), for phase
    retrieval: one pass over row i for both dot products (reassociable sums, as in
    evaluate._row_dot), one for acc += ((t^2 - y_i) t - (u^2 - y_i) u) a_i. Indices are
    the stream of draw_sample's minibatch oracle."""
    acc[:] = 0.0
    for _ in range(S2):
        i = draw_index(rng, n)
        t = 0.0
        u = 0.0
        for j in range(x.shape[0]):
            t += P[i, j] * x[j]
            u += P[i, j] * x_prev[j]
        c = (t * t - v[i]) * t - (u * u - v[i]) * u
        for j in range(x.shape[0]):
            acc[j] += c * P[i, j]
