"""The integer kinds of the built-in problems: the switch in :mod:`l0l1.problems.evaluate`.

Their own module, imported by both the problem record (:mod:`l0l1.problems.base`) and the
formulas (:mod:`l0l1.problems.evaluate`), so neither imports the other to learn them.
A user problem (``Problem.from_functions``) has kind ``KIND_USER`` and carries its code.
"""

KIND_POLY = 0  # separable polynomial: P[j, i] = coefficient of x_j**i, v unused
KIND_EXP = 1  # sum_j exp(x_j)
KIND_COSH = 2  # sum_j cosh(a x_j)/a^2, a = P[0, 0]
KIND_LOGCOSH = 3  # sum_j log cosh(x_j)
KIND_LOGISTIC = 4  # log(1 + exp(-a.x)), P = a[None, :]
KIND_PHASE = 5  # (1/(4m)) sum_r ((a_r.x)^2 - y_r)^2, P = A (m x d), v = y
KIND_PHASE_POP = 6  # population phase retrieval, a uniform on the sphere of radius sqrt(d)
#                      P = z*[None, :], v = [noise_std]
KIND_CHAIN = 7  # zero chain s F_T(x/lam) (chain.py): v = [lam, s, p]
KIND_CHAIN_SUM = 8  # finite-sum chain: P = W (n/2 x T), v = [lam, s, p, c, phases...]
KIND_Z20_BOWL = 9  # Z20 Thm 4 bowl, summed over coordinates: v = [L0, L1]
KIND_PIECES = 10  # one-variable witness of closed-form pieces (witness.py): P rows a, f, f', s,
#                   z; v = [L0, L1]

KIND_USER = -1  # user code: Problem.code holds its jitted functions (l0l1.usercode)

KIND_NAMES = {
    KIND_USER: "user",
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
    KIND_PIECES: "witness",
}
