"""Input validation: one-line errors naming the field, the value and what is allowed."""

from __future__ import annotations

import difflib
import math

import numpy as np


class InputError(ValueError):
    """Bad user input; the message is one line naming the field, the value and what is allowed."""


def show(value, limit: int = 120) -> str:
    """repr(value) on one line (numpy arrays print on several), cut at ``limit`` characters."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def positive(field: str, value, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (or >= 0)."""
    allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
    try:
        num = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field}: {show(value)} is not a number; allowed: {allowed}") from None
    if not math.isfinite(num) or num < 0 or (num == 0 and not allow_zero):
        raise InputError(f"{field}: {show(value)} is not allowed; allowed: {allowed}")
    return num


INT64_MAX = 2**63 - 1  # the kernels take their counts, budgets and seeds as int64
MAX_CHECKPOINTS = 100_000  # trace rows per run (log-spaced; the default is 60)


def integer(field: str, value, low: int, high: int = INT64_MAX) -> int:
    """An integer in low..high (bools and floats are refused); ``high`` defaults to the
    int64 range the kernels take."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InputError(f"{field}: {show(value)} is not allowed; allowed: an integer >= {low}")
    if value > high:
        raise InputError(
            f"{field}: {show(value)} is not allowed; allowed: an integer in {low}..{high}"
        )
    return int(value)


def nbytes(count: int) -> str:
    """A byte count for humans: 8.0 TB, 800.0 MB (decimal units)."""
    for unit, size in (("EB", 10**18), ("PB", 10**15), ("TB", 10**12), ("GB", 10**9),
                       ("MB", 10**6), ("kB", 10**3)):  # fmt: skip
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} B"


def did_you_mean(name, allowed, n: int = 3, cutoff: float = 0.4) -> str:
    """' (did you mean a, b?)' for the names in ``allowed`` closest to ``name``, or ''."""
    close = difflib.get_close_matches(str(name), list(allowed), n=n, cutoff=cutoff)
    return f" (did you mean {', '.join(close)}?)" if close else ""
