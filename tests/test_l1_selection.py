"""Picking L1 on a polynomial's frontier (THEORY T2 'Choosing L1', issue 29 item 2).

A method without a bound used to get the grid's first point (every candidate cost inf):
L1 = 1e-4, L0 = 1.6e9 on x^4, a crawling step and "not reached". Now a method picks by its
``selection``, else its ``bound``, else the default L0 + L1 M (Z20 Thm 6's step denominator),
never by an argmin over all-inf costs, and the run says which L1 it picked and why.
"""

from __future__ import annotations

import math

import pytest
from numba import njit

from l0l1 import make_problem, register_method, run
from l0l1 import theory as th
from l0l1.cli import main, summary
from l0l1.methods.registry import DEFAULT_SELECTION_TEXT
from l0l1.validate import InputError


@njit
def polyak_lb(p, g):  # h = gamma / (2 (L0 + L1 g)), clipped when L1 g > L0
    return p[0] / (2.0 * (p[1] + p[2] * g)), p[2] * g > p[1]


SCHEDULE = {"gamma": 1.0, "L0": th.L0, "L1": th.L1}


@pytest.fixture(scope="module")
def x4():
    return make_problem("polynomial", coeffs=[0, 0, 0, 0, 1])  # L1 free: the run picks it


def picked_note(res) -> str:
    notes = [a for a in res.assumptions if a.startswith("L1 = ")]
    assert len(notes) == 1, res.assumptions
    return notes[0]


def test_rule_without_bound_reaches_eps_with_the_default_pick(x4):
    register_method("nobound_rule", step=polyak_lb, schedule=SCHEDULE, replace=True)
    res = run(x4, "nobound_rule", eps=1e-3, x0=[2.0])
    assert res.status == "reached"
    assert res.iterations < 10_000
    # x0 = 2: M = |p'(2)| = 32; L0 + L1 M = 16/L1^2 + 32 L1 is least at L1 = 1 (L0 = 16)
    assert pytest.approx(1.0, rel=1e-3) == res.L1
    assert pytest.approx(16.0, rel=1e-2) == res.L0
    note = picked_note(res)
    assert "L0 + L1 M" in note and DEFAULT_SELECTION_TEXT in note
    assert "nobound_rule" in note
    assert note in summary(res)


def test_selection_argument_is_what_the_pick_minimizes(x4):
    # minimizing L0 + 4 L1 M instead moves the pick to L1 = (1/4)^(1/3) * 1 (16/L1^2 + 128 L1)
    register_method(
        "selected_rule", step=polyak_lb, schedule=SCHEDULE,
        selection=th.L0 + 4 * th.L1 * th.M, replace=True,
    )  # fmt: skip
    res = run(x4, "selected_rule", eps=1e-2, x0=[2.0])
    assert pytest.approx(0.25 ** (1 / 3), rel=1e-3) == res.L1
    assert "selection" in picked_note(res)


def test_all_inf_bound_falls_back_to_the_default(x4):
    register_method(
        "inf_bound_rule", step=polyak_lb, schedule=SCHEDULE, bound=lambda i: math.inf,
        replace=True,
    )  # fmt: skip
    res = run(x4, "inf_bound_rule", eps=1e-2, x0=[2.0])
    assert pytest.approx(1.0, rel=1e-3) == res.L1
    note = picked_note(res)
    assert "inf" in note and "L0 + L1 M" in note


def test_builtin_with_a_bound_names_its_bound(x4):
    res = run(x4, "clipped_gd", eps=1e-2, x0=[2.0])
    assert "bound" in picked_note(res)


def test_fixed_L1_has_no_pick_note():
    res = run(make_problem("polynomial", coeffs=[0, 0, 0, 0, 1], L1=1.0), "gd", eps=1e-2)
    assert not [a for a in res.assumptions if a.startswith("L1 = ")]


def test_bad_selection_is_one_line():
    with pytest.raises(InputError, match=r"^selection: .*allowed"):
        register_method("bad_sel", step=polyak_lb, schedule=SCHEDULE, selection="L0")


def test_cli_summary_names_the_pick(capsys):
    assert main(["run", "--coeffs", "0,0,0,0,1", "--method", "gd", "--eps", "1e-2"]) == 0
    out = capsys.readouterr().out
    assert "note: L1 = " in out and "picked" in out
