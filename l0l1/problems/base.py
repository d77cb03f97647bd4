"""The problem record every kernel consumes (THEORY T2).

A problem is plain data: an integer ``kind`` selecting the formula in
:mod:`l0l1.problems.evaluate`, a 2-D float array ``P`` and a 1-D float array ``v``
holding its parameters, plus the constants the schedules need. Kernels never see
Python objects, only ``(kind, P, v)``. A user problem (:meth:`Problem.from_functions`,
:meth:`Problem.from_sympy`) has kind ``KIND_USER`` and its jitted functions in ``code``;
the kernels receive that token where a built-in passes its kind.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from l0l1.validate import InputError, integer, nbytes, positive, show


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
    code : a user problem's jitted functions (:class:`l0l1.usercode.JitCode`), else None.
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
    code: object = None

    @classmethod
    def from_functions(cls, value, grad, hvp=None, **options) -> Problem:
        """A problem from your own Numba-compilable functions: see
        :func:`l0l1.problems.user.from_functions`."""
        from l0l1.problems import user

        return user.from_functions(value, grad, hvp, **options)

    @classmethod
    def from_sympy(cls, expr, symbols, **options) -> Problem:
        """A problem from a SymPy expression (or polynomial text): see
        :func:`l0l1.problems.user.from_sympy`."""
        from l0l1.problems import user

        return user.from_sympy(expr, symbols, **options)

    @property
    def kernel_kind(self):
        """What the kernels dispatch on: the integer kind, or a user problem's code token."""
        return self.kind if self.code is None else self.code

    @property
    def source_hash(self) -> str | None:
        """SHA-256 of a user problem's code (part of its store keys); None for built-ins."""
        return None if self.code is None else self.code.key

    @property
    def hvp(self):
        """``hvp(x, u)`` = hess f(x) u when the problem has one (user code), else None."""
        if self.code is None or "hvp" not in self.code.functions:
            return None
        fn = self.code.functions["hvp"]
        return lambda x, u: np.asarray(fn(_as_x(x, self.dim), _as_x(u, self.dim)), dtype=float)

    def value(self, x) -> float:
        from l0l1.problems import evaluate

        return float(evaluate.value(self.kernel_kind, self.P, self.v, _as_x(x, self.dim)))

    def grad(self, x) -> np.ndarray:
        from l0l1.problems import evaluate

        out = np.empty(self.dim)
        evaluate.grad_into(self.kernel_kind, self.P, self.v, _as_x(x, self.dim), out)
        return out

    def component_grad(self, i: int, x) -> np.ndarray:
        """Gradient of component i of a finite sum (the average of them is ``grad``)."""
        from l0l1.problems import evaluate

        if self.n == 0:
            raise ProblemError(f"problem: '{self.name}' is not a finite sum; it has no components")
        if not 0 <= i < self.n:
            raise ProblemError(f"i: {i} is out of range; allowed 0..{self.n - 1}")
        out = np.empty(self.dim)
        evaluate.component_grad_into(self.kernel_kind, self.P, self.v, i, _as_x(x, self.dim), out)
        return out

    def with_constants(self, constants) -> Problem:
        """This problem with ``constants``: a :class:`Constants` (e.g. an estimate's
        ``pair(L1)``) or a pair (L0, L1) you vouch for, labelled "given by the user (not
        certified)" (T2); anything else is a one-line :class:`ProblemError`."""
        from dataclasses import replace

        return replace(self, constants=given_constants(constants))


GIVEN = "given by the user (not certified)"


def given_constants(constants) -> Constants:
    """A :class:`Constants` as it is, or a pair (L0, L1) of finite numbers >= 0 labelled
    given by the user; a one-line ProblemError naming the field otherwise."""
    if isinstance(constants, Constants):
        return constants
    pair = None
    if not isinstance(constants, str | bytes | dict):
        with contextlib.suppress(TypeError):
            pair = tuple(constants)
    if pair is None or len(pair) != 2:
        raise ProblemError(
            f"constants: {show(constants)} is not allowed; allowed: a pair (L0, L1) of finite "
            "numbers >= 0, or a Constants (e.g. l0l1.estimate_constants(...).pair(L1))"
        )
    L0 = check_finite_positive("constants L0", pair[0], allow_zero=True)
    L1 = check_finite_positive("constants L1", pair[1], allow_zero=True)
    return Constants(L0, L1, False, GIVEN)


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


# Sizes refused before anything is allocated: a vector of MAX_DIM float64 is 800 MB and a
# run holds about eight; a data matrix (phase retrieval's A, the finite-sum chain's W, the
# n x dim per-sample gradients) holds at most MAX_ENTRIES numbers.
MAX_DIM = 10**8
MAX_ENTRIES = 10**8


def check_dim(field_name: str, value, low: int = 1) -> int:
    """A dimension (integer >= low) whose float64 vectors fit in memory: at most MAX_DIM.

    The message says what one vector would need, e.g. ``dim: 1000000000000 needs 8.0 TB
    per vector; allowed: an integer in 1..100000000 (800.0 MB per vector)``."""
    dim = check_integer(field_name, value, low)
    if dim > MAX_DIM:
        raise ProblemError(
            f"{field_name}: {dim} needs {nbytes(8 * dim)} per vector; allowed: an integer in "
            f"{low}..{MAX_DIM} ({nbytes(8 * MAX_DIM)} per vector)"
        )
    return dim


def check_entries(field_name: str, shown, rows: int, cols: int) -> None:
    """Refuse a rows x cols float64 array larger than MAX_ENTRIES, naming the field."""
    if rows * cols > MAX_ENTRIES:
        raise ProblemError(
            f"{field_name}: {shown} needs a {rows} x {cols} array ({nbytes(8 * rows * cols)}); "
            f"allowed: at most {MAX_ENTRIES} entries ({nbytes(8 * MAX_ENTRIES)})"
        )
