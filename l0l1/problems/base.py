"""The problem record every kernel consumes (THEORY T2).

A problem is plain data: an integer ``kind`` selecting the formula in
:mod:`l0l1.problems.evaluate`, a 2-D float array ``P`` and a 1-D float array ``v``
holding its parameters, plus the constants the schedules need. Kernels never see
Python objects, only ``(kind, P, v)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from l0l1.validate import InputError, integer, positive

# Kinds: the switch in evaluate.py. Keep in sync with evaluate.py and nothing else.
KIND_POLY = 0  # separable polynomial: P[j, i] = coefficient of x_j**i, v unused
KIND_EXP = 1  # sum_j exp(x_j)
KIND_COSH = 2  # sum_j cosh(x_j)
KIND_LOGCOSH = 3  # sum_j log cosh(x_j)
KIND_LOGISTIC = 4  # log(1 + exp(-a.x)), P = a[None, :]
KIND_PHASE = 5  # (1/(4m)) sum_r ((a_r.x)^2 - y_r)^2, P = A (m x d), v = y
KIND_PHASE_POP = 6  # population phase retrieval, a uniform on the sphere of radius sqrt(d)
#                      P = z*[None, :], v = [noise_std]
KIND_CHAIN = 7  # zero chain s F_T(x/lam) (chain.py): v = [lam, s, p]
KIND_CHAIN_SUM = 8  # finite-sum chain: P = W (n/2 x T), v = [lam, s, p, c, phases...]
KIND_Z20_BOWL = 9  # Z20 Thm 4 bowl, summed over coordinates: v = [L0, L1]

KIND_NAMES = {
    KIND_POLY: "polynomial",
    KIND_EXP: "exp",
    KIND_COSH: "cosh",
    KIND_LOGCOSH: "logcosh",
    KIND_LOGISTIC: "logistic",
    KIND_PHASE: "phase_retrieval",
    KIND_PHASE_POP: "online_phase_retrieval",
    KIND_CHAIN: "zero_chain",
    KIND_CHAIN_SUM: "zero_chain_sum",
    KIND_Z20_BOWL: "z20_bowl",
}


class ProblemError(InputError):
    """Bad problem input; the message names the field, the value and what is allowed."""


@dataclass(frozen=True)
class Constants:
    """An (L0, L1) pair with its provenance (THEORY T2).

    ``certified`` is True only when the pair is exact or proven; a sampled estimate
    (a lower bound on the true requirement) is never certified. ``L0_enclosure`` is
    the exact-arithmetic enclosure [lo, hi] of the least L0 for this L1 when known;
    ``L0`` is then ``hi`` (a valid constant).
    """

    L0: float
    L1: float
    certified: bool
    how: str
    L0_enclosure: tuple[float, float] | None = None


@dataclass(frozen=True)
class StartConstants:
    """Constants of a start x0 (THEORY T3): Delta = f(x0) - f* and M, the largest
    gradient norm on the sublevel set {f <= f(x0)} (Z20 Assumption 4).

    ``Delta`` uses the problem's f* (a certified lower bound makes it an upper bound).
    ``M`` is exact or a certified upper bound when ``certified``; otherwise an estimate.
    """

    Delta: float
    M: float
    certified: bool
    how: str


@dataclass(frozen=True, eq=False)
class Problem:
    """A synthetic (L0,L1)-smooth objective with the data its kernels need.

    Attributes
    ----------
    name, kind, P, v : what the kernels evaluate (see the KIND_* table).
    dim : dimension d of x.
    n : number of finite-sum components (0 when not a finite sum).
    f_star : the exact minimum, or a proven lower bound of it.
    constants : the (L0, L1) pair used by schedules.
    bounded_below : False for objectives with f* = -inf (rate runs refuse them).
    spec : the user-level description (for records and JSON).
    """

    name: str
    kind: int
    P: np.ndarray
    v: np.ndarray
    dim: int
    constants: Constants
    f_star: float
    n: int = 0
    bounded_below: bool = True
    spec: dict = field(default_factory=dict)

    def value(self, x) -> float:
        from l0l1.problems import evaluate

        return float(evaluate.value(self.kind, self.P, self.v, _as_x(x, self.dim)))

    def grad(self, x) -> np.ndarray:
        from l0l1.problems import evaluate

        out = np.empty(self.dim)
        evaluate.grad_into(self.kind, self.P, self.v, _as_x(x, self.dim), out)
        return out

    def component_grad(self, i: int, x) -> np.ndarray:
        """Gradient of component i of a finite sum (the average of them is ``grad``)."""
        from l0l1.problems import evaluate

        if self.n == 0:
            raise ProblemError(f"problem: '{self.name}' is not a finite sum; it has no components")
        if not 0 <= i < self.n:
            raise ProblemError(f"i: {i} is out of range; allowed 0..{self.n - 1}")
        out = np.empty(self.dim)
        evaluate.component_grad_into(self.kind, self.P, self.v, i, _as_x(x, self.dim), out)
        return out

    def with_constants(self, constants: Constants) -> Problem:
        from dataclasses import replace

        return replace(self, constants=constants)


def _as_x(x, dim: int) -> np.ndarray:
    arr = np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)))
    if arr.ndim != 1 or arr.shape[0] != dim:
        raise ProblemError(
            f"x0: shape {arr.shape} does not match the problem; allowed shape ({dim},)"
        )
    return arr


def check_finite_positive(field_name: str, value, *, allow_zero: bool = False) -> float:
    """Validate a scalar parameter; raise a one-line ProblemError naming the field."""
    try:
        return positive(field_name, value, allow_zero=allow_zero)
    except InputError as err:
        raise ProblemError(str(err)) from None


def check_integer(field_name: str, value, low: int) -> int:
    """Validate an integer parameter >= low; raise a one-line ProblemError naming the field."""
    try:
        return integer(field_name, value, low)
    except InputError as err:
        raise ProblemError(str(err)) from None
