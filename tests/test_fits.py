"""Rate fits (THEORY T6), the figures' smoke tests and ``reproduce`` at a tiny scale."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from l0l1.experiments.fits import fit_rate, select


def _synthetic(slope=3.0, eps=(0.3, 0.1, 0.03, 0.01, 0.003), seeds=8, sigma=0.3, rng_seed=1):
    rng = np.random.default_rng(rng_seed)
    return [
        {"status": "reached", "eps": e, "seed": s, "method": "m",
         "oracle_calls": 5.0 * e**-slope * rng.lognormal(0.0, sigma)}
        for e in eps for s in range(seeds)
    ]  # fmt: skip


def test_fit_recovers_a_known_slope_inside_its_interval():
    fit = fit_rate(_synthetic(), y="oracle_calls")
    assert abs(fit.slope - 3.0) < 0.1
    assert fit.ci_low <= fit.slope <= fit.ci_high
    assert fit.ci_low <= 3.0 <= fit.ci_high
    assert fit.n_points == 5 and fit.n_excluded_censored == fit.n_excluded_diverged == 0
    assert math.isclose(fit.intercept, math.log(5.0), abs_tol=0.3)


def test_interval_covers_the_truth_in_most_replications():
    covered = [
        fit_rate(_synthetic(rng_seed=r), y="oracle_calls", n_boot=400).ci_low
        <= 3.0
        <= fit_rate(_synthetic(rng_seed=r), y="oracle_calls", n_boot=400).ci_high
        for r in range(20)
    ]
    assert sum(covered) >= 15


def test_noiseless_power_law_is_exact():
    recs = _synthetic(slope=2.0, sigma=0.0)
    fit = fit_rate(recs, y="oracle_calls")
    assert fit.slope == pytest.approx(2.0, abs=1e-12)
    assert fit.ci_low == pytest.approx(2.0, abs=1e-12)
    assert fit.ci_high == pytest.approx(2.0, abs=1e-12)


def test_censored_and_diverged_runs_are_excluded_and_counted():
    recs = _synthetic(sigma=0.0, seeds=3)
    recs.append({"status": "diverged", "eps": 0.01, "seed": 9, "oracle_calls": 0})
    # one censored run of three at eps = 0.01: the median is the largest reached run
    recs.append({"status": "not reached", "eps": 0.01, "seed": 10, "oracle_calls": 1})
    # a point whose runs are mostly censored is dropped, and said so
    recs += [{"status": "not reached", "eps": 0.001, "seed": s, "oracle_calls": 1}
             for s in range(2)]  # fmt: skip
    recs.append({"status": "reached", "eps": 0.001, "seed": 5, "oracle_calls": 5e9})
    fit = fit_rate(recs, y="oracle_calls")
    assert fit.n_excluded_censored == 3
    assert fit.n_excluded_diverged == 1
    assert fit.dropped_x == (1000.0,)
    assert fit.n_points == 5
    assert fit.slope == pytest.approx(3.0, abs=1e-9)
    assert "3 not reached" in fit.notes() and "1 diverged" in fit.notes()
    assert "1e+03" in fit.notes()


def test_censored_run_ranks_above_reached_ones():
    recs = [
        {"status": "reached", "eps": 0.1, "oracle_calls": 10.0},
        {"status": "reached", "eps": 0.1, "oracle_calls": 20.0},
        {"status": "not reached", "eps": 0.1, "oracle_calls": 1.0},
        {"status": "reached", "eps": 0.01, "oracle_calls": 100.0},
    ]
    fit = fit_rate(recs, y="oracle_calls")
    assert fit.median == (20.0, 100.0)  # by increasing 1/eps; the censored run ranks last
    assert fit.slope == pytest.approx(math.log(5.0) / math.log(10.0))


def test_half_censored_point_is_dropped():
    recs = [
        {"status": "reached", "eps": 0.1, "oracle_calls": 10.0},
        {"status": "not reached", "eps": 0.1, "oracle_calls": 1.0},
        {"status": "reached", "eps": 0.01, "oracle_calls": 100.0},
        {"status": "reached", "eps": 0.001, "oracle_calls": 1000.0},
    ]
    fit = fit_rate(recs, y="oracle_calls")
    assert fit.dropped_x == (10.0,) and fit.n_points == 2
    assert fit.slope == pytest.approx(1.0)


def test_bootstrap_is_deterministic_and_seeded():
    recs = _synthetic()
    a, b = fit_rate(recs, y="oracle_calls"), fit_rate(recs, y="oracle_calls")
    assert a == b
    c = fit_rate(recs, y="oracle_calls", seed=1)
    assert c.slope == a.slope and (c.ci_low, c.ci_high) != (a.ci_low, a.ci_high)


def test_too_few_points_give_nan_not_an_error():
    fit = fit_rate([{"status": "reached", "eps": 0.1, "oracle_calls": 5.0}], y="oracle_calls")
    assert math.isnan(fit.slope) and fit.label() == "no fit"


def test_other_axes_and_select():
    recs = [{"status": "reached", "n": n, "method": "gd", "calls": 3.0 * n} for n in (10, 100)]
    assert fit_rate(recs, x="n", y="calls").slope == pytest.approx(1.0)
    assert fit_rate(recs, x=lambda r: r["n"] ** 2, y="calls").slope == pytest.approx(0.5)
    assert select([*recs, {"method": "sgd"}], method="gd") == recs


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="status"):
        fit_rate([{"status": "crashed", "eps": 0.1, "oracle_calls": 1}])


# --- figures -------------------------------------------------------------------------------


def _run(problem_label, method, status="reached", **kw):
    base = {
        "problem_label": problem_label, "method": method, "status": status, "eps": 0.01,
        "seed": 0, "L0": 16.0, "L1": 1.0, "Delta": 10.0, "M": 100.0, "iterations": 100,
        "oracle_calls_at_hit": 100, "bound": 1e6, "constants_certified": True,
        "start_certified": True, "oracle": "bounded", "n": 64, "clip_fraction": 0.5,
        "clipped_steps": 3, "max_iter": 1000, "params": {"h": 1e-3, "q": 4, "S1": 8, "S2": 8},
    }  # fmt: skip
    return {**base, **kw}


def _check_written(fig, tmp_path):
    assert [p.suffix for p in fig.paths] == [".png", ".svg"]
    for p in fig.paths:
        assert p.parent == tmp_path and p.stat().st_size > 1000


def test_each_figure_writes_png_and_svg(tmp_path):
    from l0l1.figures.bounds import bound_check, plot_bound_check
    from l0l1.figures.finite_sum import plot_finite_sum_n
    from l0l1.figures.frontier import plot_frontier
    from l0l1.figures.gd_vs_clipped import plot_gd_vs_clipped
    from l0l1.figures.local_smoothness import plot_local_smoothness
    from l0l1.figures.online import plot_online_rates

    m_recs = [_run("x^4", m, M=M, iterations=int(it * M**s), bound=1e3 * M)
              for m, s, it in (("gd", 1.0, 10), ("clipped_gd", 0.0, 500))
              for M in (10.0, 100.0, 1000.0)]  # fmt: skip
    fig = plot_gd_vs_clipped(m_recs, tmp_path)
    _check_written(fig, tmp_path)
    assert {r["method"] for r in fig.fits} == {"gd", "clipped_gd"}
    gd = next(r for r in fig.fits if r["method"] == "gd")
    assert gd["slope"] == pytest.approx(1.0) and gd["theory_rate"] == 1.0

    online = [_run(p, m, eps=e, seed=s, oracle_calls_at_hit=int(50 * e**-k * (1 + 0.1 * s)))
              for p in ("a", "b") for m, k in (("sgd", 1), ("spider_clip", 2))
              for e in (0.3, 0.1, 0.03) for s in range(3)]  # fmt: skip
    online.append(_run("a", "sgd", status="not reached", eps=0.03, seed=9))
    fig = plot_online_rates(online, tmp_path)
    _check_written(fig, tmp_path)
    assert len(fig.fits) == 4
    assert all(set(r) >= {"figure", "problem", "method", "axis", "slope", "ci_low", "ci_high",
                          "theory_rate"} for r in fig.fits)  # fmt: skip

    fs = [_run("pr", m, n=n, oracle_calls_at_hit=int(c * n**k))
          for m, c, k in (("gd", 400, 1.0), ("clipped_gd", 100, 1.0), ("spider_clip", 4e3, 0.5))
          for n in (64, 256, 1024)]  # fmt: skip
    _check_written(plot_finite_sum_n(fs, tmp_path), tmp_path)

    bounds = [*m_recs, _run("x^4", "v24_si", status="not reached", iterations=10, bound=1e3)]
    _check_written(plot_bound_check(bounds, tmp_path), tmp_path)
    assert bound_check(bounds) == {
        "checked": 7, "violations": 0, "inconclusive": 1, "violating": []
    }  # fmt: skip

    front = [{"label": lab, "L1": l1, "L0": c / l1**2} for lab, c in (("x^4", 16), ("y", 3))
             for l1 in (0.1, 1.0, 10.0)]  # fmt: skip
    _check_written(plot_frontier(front, tmp_path), tmp_path)

    smooth = [{"problem_label": p, "method": m, "k": k, "grad_norm": 10.0 / (k + 1),
               "L_hat": 1.0 + 1.0 / (k + 1), "L0": 1.0, "L1": 1.0, "constants": "certified"}
              for p in ("a", "b") for m in ("gd", "clipped_gd") for k in range(20)]  # fmt: skip
    _check_written(plot_local_smoothness(smooth, tmp_path), tmp_path)


def test_bound_check_counts_a_violation():
    from l0l1.figures.bounds import bound_check

    bad = _run("x^4", "gd", iterations=2_000_000, bound=1e6)
    out = bound_check([bad, _run("x^4", "gd", bound=None)])
    assert out["checked"] == 1 and out["violations"] == 1 and len(out["violating"]) == 1


def test_local_smoothness_of_a_quadratic_is_its_curvature():
    from l0l1.problems.catalog import make_problem
    from l0l1.reproduce import smoothness_records

    prob = make_problem("polynomial", coeffs=[0, 0, 1.5], L1=1.0)  # f = 1.5 x^2, f'' = 3
    recs = smoothness_records(prob, "quadratic", "clipped_gd", [5.0], iters=30)
    assert len(recs) == 30
    assert all(r["L_hat"] == pytest.approx(3.0, rel=1e-12) for r in recs)
    assert recs[0]["grad_norm"] == pytest.approx(15.0)


# --- reproduce at a tiny scale (serial, no proofs_check; well under 60 s once compiled) -----


def test_reproduce_tiny_writes_report_and_json(tmp_path):
    from l0l1.reproduce import reproduce

    out = tmp_path / "figures"
    summary = reproduce(out, scale="tiny", backend="serial", quiet=True, proofs=False)
    report = (out / "REPORT.md").read_text()
    assert "Bound check" in report and "slope" in report
    rows = json.loads((out / "report.json").read_text())
    keys = {"figure", "problem", "method", "axis", "slope", "ci_low", "ci_high", "theory_rate"}
    assert rows and all(keys <= set(r) for r in rows)
    assert {r["figure"] for r in rows} == {
        "gd_vs_clipped_M", "online_calls_vs_eps", "finite_sum_calls_vs_n",
        "hard_chain_iterations_vs_eps", "hard_chain_calls_vs_eps",
        "hard_finite_sum_calls_vs_n", "hard_z20_bowl_iterations_vs_M", "newer_methods_vs_eps",
        "code_methods_vs_eps", "agnostic_L1", "convex_gap_vs_eps",
    }  # fmt: skip
    for name, files in summary["figures"].items():
        assert all((out / f).stat().st_size > 1000 for f in files), name
    assert list((tmp_path / ".l0l1-cache").glob("results-*.sqlite"))
    assert summary["bound_check"]["violations"] == 0
