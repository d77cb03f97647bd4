"""mpmath.iv intervals against python-flint Arb balls for the prover (proofs_check).

Plain bisection (no Taylor, no mean-value form) of g >= 0 on a box, g evaluated by either
backend through the same compiled expression (proofs_check.balls; Arb = arb_series of
length 1, i.e. plain balls), then the full prover on the same statement. Prints a table:
boxes and seconds per backend ("-" = undecided within the box budget) and the prover's.

    PYTHONPATH=. python benchmarks/prover_backends.py   (from the repository root)
"""

from __future__ import annotations

import time

import mpmath
from flint import arb_series

from proofs_check.balls import (
    IV,
    Undefined,
    ball,
    coefficients,
    compile_expr,
    exact_iv,
    iv,
    series_ops,
)
from proofs_check.prover import decide, parse_statement

# each statement touches 0 somewhere; its "+ 1/100" twin has a margin
STATEMENTS = [
    ("exp(c) <= 1 + 2*c", ["0 < c <= 1"]),
    ("sqrt(x) >= x", ["0 <= x <= 1"]),
    ("x*y <= 1", ["0 <= x <= 1", "0 <= y <= 1"]),
    ("log(1 + x) >= x/(1 + x)", ["0 <= x <= 3"]),
    (
        "exp(c)*(L0 + L1*g) <= (1 + 2*c)*(L0 + L1*g)",
        ["0 < c <= 1", "1/10 <= L0 <= 10", "0 <= L1 <= 2", "0 <= g <= 5"],
    ),
    ("1 + c + c^2 - exp(c) >= 0", ["0 < c < 1"]),
]
STATEMENTS += [
    ("exp(c) <= 1 + 2*c + 1/100", ["0 < c <= 1"]),
    ("sqrt(x) + 1/100 >= x", ["0 <= x <= 1"]),
    ("x*y <= 1 + 1/100", ["0 <= x <= 1", "0 <= y <= 1"]),
    ("log(1 + x) + 1/100 >= x/(1 + x)", ["0 <= x <= 3"]),
    (
        "exp(c)*(L0 + L1*g) <= (1 + 2*c)*(L0 + L1*g) + 1/100",
        ["0 < c <= 1", "1/10 <= L0 <= 10", "0 <= L1 <= 2", "0 <= g <= 5"],
    ),
]
BUDGET = 20000


def _bisect(g, syms, root, backend) -> tuple[int, float] | None:
    ops = IV if backend == "iv" else series_ops(1)
    f = compile_expr(g, syms, ops)
    t0, stack, n = time.perf_counter(), [root], 0
    while stack:
        box = stack.pop()
        n += 1
        if n > BUDGET:
            return None
        try:
            if backend == "iv":
                ok = f(box).a >= 0
            else:
                ok = coefficients(f([arb_series([ball(x)], prec=1) for x in box]), 1)[0] >= 0
        except Undefined:
            ok = False
        if not ok:
            i = max(range(len(box)), key=lambda j: box[j].delta)
            a, b = mpmath.mpf(box[i].a), mpmath.mpf(box[i].b)
            m = (a + b) / 2
            stack += [
                [*box[:i], iv.mpf([a, m]), *box[i + 1 :]],
                [*box[:i], iv.mpf([m, b]), *box[i + 1 :]],
            ]
    return n, time.perf_counter() - t0


def main() -> None:
    print(f"{'statement':48} {'iv boxes':>9} {'iv s':>7} {'arb boxes':>9} {'arb s':>7} prover")
    for text, where in STATEMENTS:
        lhs, rel, rhs, ranges = parse_statement(text, where)
        g = rhs - lhs if rel in ("<=", "<") else lhs - rhs
        syms = list(ranges)
        root = [iv.mpf([exact_iv(r.lo).a, exact_iv(r.hi).b]) for r in ranges.values()]
        cells = []
        for backend in ("iv", "arb"):
            res = _bisect(g, syms, root, backend)
            cells += ["-", "-"] if res is None else [str(res[0]), f"{res[1]:.2f}"]
        d = decide(lhs, rel, rhs, ranges)
        print(
            f"{text[:48]:48} {cells[0]:>9} {cells[1]:>7} {cells[2]:>9} {cells[3]:>7} "
            f"{d.status} {d.seconds:.2f} s"
        )


if __name__ == "__main__":
    main()
