"""Build and call the C references (benchmarks/ref.c) with the system C compiler.

The library is compiled once per process into a temporary directory with
``cc -O3 -march=native -ffp-contract=off -fno-math-errno -fopenmp-simd``: the compiler's
best code for this machine with the Numba kernels' rounding (no contraction into fused
multiply-adds; errno only changes how libm reports errors; ``omp simd`` lets the dot
products be reassociated exactly where the kernels allow it). The
ziggurat tables are NumPy's, taken from Numba's copy, so the C loops draw NumPy's streams.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CFLAGS = [
    "-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno", "-fopenmp-simd", "-shared",
    "-fPIC",
]  # fmt: skip
_TMP: list[tempfile.TemporaryDirectory] = []  # kept alive for the process


class CompilerMissingError(RuntimeError):
    """No C compiler on this machine: the C reference is skipped."""


def compiler() -> str | None:
    """The C compiler to use: $CC, else cc or gcc on PATH."""
    for name in (os.environ.get("CC"), "cc", "gcc"):
        if name and shutil.which(name):
            return name
    return None


def _tables_header() -> str:
    from numba.np.random import _constants as c

    def arr(name, ctype, values, fmt):
        body = ",\n".join(
            "  " + ", ".join(fmt(v) for v in values[i : i + 4]) for i in range(0, len(values), 4)
        )
        return f"static const {ctype} {name}[{len(values)}] = {{\n{body}\n}};\n"

    out = [
        "/* NumPy's ziggurat tables for the standard normal (generated; do not edit) */\n",
        f"#define ZIGGURAT_NOR_R {float(c.ziggurat_nor_r)!r}\n",
        f"#define ZIGGURAT_NOR_INV_R {float(c.ziggurat_nor_inv_r)!r}\n",
        arr("ki_double", "uint64_t", [int(v) for v in c.ki_double], lambda v: f"{v}ULL"),
        arr("wi_double", "double", [float(v) for v in c.wi_double], repr),
        arr("fi_double", "double", [float(v) for v in c.fi_double], repr),
    ]
    return "".join(out)


@functools.cache
def library() -> ctypes.CDLL:
    """The compiled reference library (built on first use)."""
    cc = compiler()
    if cc is None:
        raise CompilerMissingError("no C compiler (cc, gcc or $CC) on PATH")
    tmp = tempfile.TemporaryDirectory(prefix="l0l1-cref-")
    _TMP.append(tmp)
    src = os.path.join(tmp.name, "ref.c")
    shutil.copy(os.path.join(HERE, "ref.c"), src)
    with open(os.path.join(tmp.name, "ziggurat_tables.h"), "w") as fh:
        fh.write(_tables_header())
    so = os.path.join(tmp.name, "ref.so")
    cmd = [cc, *CFLAGS, "-o", so, src, "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise RuntimeError(f"C reference failed to compile: {' '.join(cmd)}")
    return ctypes.CDLL(so)


def compiler_version() -> str:
    cc = compiler()
    if cc is None:
        return "none"
    out = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else cc


def _p(a: np.ndarray):
    return a.ctypes.data_as(ctypes.c_void_p)


def pcg_state(rng: np.random.Generator) -> np.ndarray:
    """The generator's PCG64 state as the six words ref.c's load_state reads."""
    st = rng.bit_generator.state
    if st["bit_generator"] != "PCG64":
        raise ValueError("the C reference reproduces PCG64 streams only")
    s, inc = st["state"]["state"], st["state"]["inc"]
    mask = (1 << 64) - 1
    words = [s >> 64, s & mask, inc >> 64, inc & mask, st["has_uint32"], st["uinteger"]]
    return np.array(words, dtype=np.uint64)


def _out(raw: np.ndarray, x: np.ndarray) -> tuple:
    """(status, iterations, calls, clipped, gmax, x) like the kernels' leading entries."""
    return int(raw[0]), int(raw[1]), int(raw[2]), int(raw[3]), float(raw[4]), x


def clipped_gd_poly(P, x0, eta, gamma, eps, max_iter):
    lib = library()
    P = np.ascontiguousarray(P, dtype=np.float64)
    x = np.array(x0, dtype=np.float64)
    g = np.empty_like(x)
    raw = np.empty(5)
    L = ctypes.c_long
    D = ctypes.c_double
    lib.clipped_gd_poly(
        _p(P), L(P.shape[0]), L(P.shape[1]), _p(x), _p(g), D(eta), D(gamma), D(eps),
        L(max_iter), _p(raw),
    )  # fmt: skip
    return _out(raw, x)


def clipped_sgd_poly_bounded(P, x0, L1, tau, eta, w, eps, max_iter, rng):
    lib = library()
    P = np.ascontiguousarray(P, dtype=np.float64)
    x = np.array(x0, dtype=np.float64)
    g, est, s = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    raw = np.empty(5)
    state = pcg_state(rng)
    L = ctypes.c_long
    D = ctypes.c_double
    lib.clipped_sgd_poly_bounded(
        _p(P), L(P.shape[0]), L(P.shape[1]), _p(x), _p(g), _p(est), _p(s), D(L1), D(tau),
        D(eta), D(w), D(eps), L(max_iter), _p(state), _p(raw),
    )  # fmt: skip
    return _out(raw, x)


def spider_clip_phase(A, y, x0, p, q, S2, eps, max_iter, probe_every, rng):
    lib = library()
    A = np.ascontiguousarray(A, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    x = np.array(x0, dtype=np.float64)
    g, est, acc, xp = (np.empty_like(x) for _ in range(4))
    raw = np.empty(5)
    state = pcg_state(rng)
    L = ctypes.c_long
    D = ctypes.c_double
    L0, L1, n0, eps_rule = (float(t) for t in p)
    lib.spider_clip_phase(
        _p(A), _p(y), L(A.shape[0]), L(A.shape[1]), _p(x), _p(g), _p(est), _p(acc), _p(xp),
        D(L0), D(L1), D(n0), D(eps_rule), L(q), L(S2), D(eps), L(max_iter), L(probe_every),
        _p(state), _p(raw),
    )  # fmt: skip
    return _out(raw, x)


def sgd_chain_bernoulli(v, x0, p, h, eps, max_iter, rng):
    lib = library()
    x = np.array(x0, dtype=np.float64)
    g, est = np.empty_like(x), np.empty_like(x)
    raw = np.empty(5)
    state = pcg_state(rng)
    L = ctypes.c_long
    D = ctypes.c_double
    lib.sgd_chain_bernoulli(
        _p(x), _p(g), _p(est), L(x.size), D(v[0]), D(v[1]), D(p), D(h), D(eps), L(max_iter),
        _p(state), _p(raw),
    )  # fmt: skip
    return _out(raw, x)


def draws(rng: np.random.Generator, n: int, bound: int):
    """(raw 64-bit, standard normals, integers(0, bound)) drawn by the C generator."""
    lib = library()
    raw = np.empty(n, dtype=np.uint64)
    normal = np.empty(n)
    ints = np.empty(n, dtype=np.int64)
    lib.draws(
        _p(pcg_state(rng)), ctypes.c_long(n), _p(raw), _p(normal), _p(ints),
        ctypes.c_uint32(bound - 1),
    )  # fmt: skip
    return raw, normal, ints
