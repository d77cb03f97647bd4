"""Heavy-tailed and affine-variance oracles (issue 13): their laws, and clipped SGD converging
where SGD does not.

The kernels' draws equal the NumPy twins' (tests/test_kernels_twins.py); here the draws are
held to the distributions they claim, each check with a false sibling that must be rejected.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from l0l1 import make_problem, run
from l0l1.jitstatic import Static  # a kind reaches jitted code as Static(kind)
from l0l1.problems import oracles

N = 20_000


def _noise(code, w, d, g, seed=0, count=N):
    """``count`` noise vectors xi = sample gradient - grad f at a point where grad f = g."""
    prob = make_problem("separable_polynomial", coeffs=[[0, 1, 0.5]] * d)  # grad = 1 + x
    x = g - 1.0
    rng = np.random.default_rng(seed)
    s, out = np.empty(d + 1), np.empty(d)
    xs = np.empty((count, d))
    for i in range(count):
        oracles.draw_sample(code, prob.P, prob.v, w, prob.n, rng, s)
        oracles.sample_grad_into(code, Static(prob.kind), prob.P, prob.v, s, x, out)
        xs[i] = out - g
    return xs


def test_student_noise_is_t3_scaled_to_variance_w2():
    d, w = 4, 1.7
    z = (_noise(oracles.ORACLE_STUDENT, w, d, np.zeros(d)) * math.sqrt(3 * d) / w).ravel()
    assert stats.kstest(z, stats.t(3).cdf).pvalue > 1e-3
    assert stats.kstest(z, stats.t(6).cdf).pvalue < 1e-6  # false sibling: lighter tails
    assert stats.kstest(z, stats.norm(scale=math.sqrt(3)).cdf).pvalue < 1e-6


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_stable_noise_has_the_symmetric_stable_characteristic_function(t):
    """E cos(t S) = exp(-|t|^alpha) for S standard symmetric alpha-stable (alpha = 1.5)."""
    d, w = 2, 0.8
    z = (_noise(oracles.ORACLE_STABLE, w, d, np.zeros(d)) * math.sqrt(d) / w).ravel()
    measured = np.mean(np.cos(t * z))
    se = np.std(np.cos(t * z)) / math.sqrt(z.size)
    assert abs(measured - math.exp(-(t**oracles.STABLE_ALPHA))) < 5 * se
    if t != 1.0:  # at t = 1 every alpha gives exp(-1)
        assert abs(measured - math.exp(-(t**1.2))) > 10 * se  # false sibling: alpha = 1.2


def test_stable_noise_has_infinite_variance_tail():
    """Hill's estimator of the tail index of |S| is near alpha = 1.5, not 2 (Gaussian)."""
    z = np.abs(_noise(oracles.ORACLE_STABLE, 1.0, 1, np.zeros(1), count=50_000).ravel())
    top = np.sort(z)[-500:]
    hill = 1.0 / np.mean(np.log(top / top[0]))
    assert abs(hill - oracles.STABLE_ALPHA) < 0.2 and hill < 1.8


def test_affine_noise_variance_grows_with_the_gradient():
    """||xi||^2 / (w^2 (1 + ||g||^2) / d) is chi-square with d degrees of freedom."""
    d, w = 3, 0.6
    g = np.array([2.0, -1.0, 0.5])
    sq = np.sum(_noise(oracles.ORACLE_AFFINE, w, d, g) ** 2, axis=1)
    scaled = sq / (w**2 * (1 + g @ g) / d)
    assert stats.kstest(scaled, stats.chi2(d).cdf).pvalue > 1e-3
    assert stats.kstest(sq / (w**2 / d), stats.chi2(d).cdf).pvalue < 1e-6  # sigma_1 = 0: wrong


def _outcomes(method, noise, overrides, seeds=12):
    prob = make_problem("separable_polynomial", coeffs=[[0, 0, 0, 0, 1]] * 10)
    return [
        run(prob, method, eps=0.05, x0=[1.0] * 10, seed=seed, noise=noise, noise_level=3.0,
            max_iter=20_000, overrides=overrides).status
        for seed in range(seeds)
    ]  # fmt: skip


def test_clipped_sgd_converges_under_stable_noise_where_sgd_diverges():
    """x^4 in 10 coordinates, the same step 0.01, noise of scale 3: with alpha-stable noise
    SGD's rare huge samples throw it where x^4's gradient explodes; clipping caps every step.
    With Gaussian noise of the same scale both reach eps (the control)."""
    sgd = _outcomes("sgd", "stable", {"h": 0.01})
    clipped = _outcomes("clipped_sgd", "stable", {"eta": 0.01})
    control = _outcomes("sgd", "gaussian", {"h": 0.01})
    assert sgd.count("diverged") >= len(sgd) // 2, sgd
    assert clipped.count("reached") == len(clipped), clipped
    assert control.count("reached") == len(control), control


def test_new_oracles_label_their_assumptions():
    prob = make_problem("polynomial", coeffs=[0, 0, 1])
    for noise, word in (("student", "heavy-tailed"), ("stable", "infinite variance"),
                        ("affine", "affine variance"), ("skewed", "asymmetric")):  # fmt: skip
        res = run(prob, "sgd", eps=0.1, x0=[1.0], noise=noise, noise_level=0.5, max_iter=10)
        assert any(word in a for a in res.assumptions), res.assumptions
    res = run(prob, "sgd", eps=0.1, x0=[1.0], noise="affine", noise_level=0.5, max_iter=10)
    assert res.params["h"] > 0 and res.noise_level == 0.5


def test_skewed_noise_is_unbiased_bounded_and_one_sided():
    """xi = w sqrt(p/(1-p)) (Z/p - 1) u: mean 0, E xi^2 = w^2, jumps of w sqrt((1-p)/p) with
    probability p = 0.1 up, -w sqrt(p/(1-p)) otherwise (d = 1)."""
    rng, s = np.random.default_rng(4), np.empty(2)
    xs = []
    for _ in range(40_000):
        oracles.draw_sample(oracles.ORACLE_SKEWED, np.zeros((1, 1)), np.zeros(0), 2.0, 0, rng, s)
        xs.append(s[0])
    xs = np.array(xs)
    assert set(np.round(xs, 12)) == {round(2.0 * 3.0, 12), round(-2.0 / 3.0, 12)}
    assert abs(xs.mean()) < 0.05 and abs(np.mean(xs**2) - 4.0) < 0.15
    assert abs(np.mean(xs > 0) - 0.1) < 0.01


def test_clipping_skewed_noise_leaves_the_predicted_bias_floor():
    """Koloskova et al. 2023: clipping at c below the jumps biases the mean. On f = x^2/2 with
    skewed noise (w = 1, jumps +3 w.p. 0.1, else -1/3), eta min{1, c/|g|} g settles where
    0.1 c + 0.9 (x - 1/3) = 0: |f'| = 1/3 - c/9 for c <= 3; c = 10 never clips (no floor)."""
    prob = make_problem("polynomial", coeffs=[0, 0, 0.5], L1=1.0)

    def floor(c):
        finals = [run(prob, "clipped_sgd_c", eps=1e-9, x0=[1.0], noise="skewed", seed=s,
                      noise_level=1.0, max_iter=4000, overrides={"eta_c": 0.01, "gamma": c}
                      ).grad_norm for s in range(32)]  # fmt: skip
        return float(np.mean(finals))  # standard error about 0.006 over 32 seeds

    assert abs(floor(0.5) - (1 / 3 - 0.5 / 9)) < 0.02
    assert abs(floor(1.5) - (1 / 3 - 1.5 / 9)) < 0.02
    assert floor(10.0) < 0.1
