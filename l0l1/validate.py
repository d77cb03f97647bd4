"""Input validation: one-line errors naming the field, the value and what is allowed."""

from __future__ import annotations

import difflib
import math

import numpy as np


class InputError(ValueError):
    """Bad user input; the message is one line naming the field, the value and what is allowed."""


def positive(field: str, value, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (or >= 0)."""
    allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
    try:
        num = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field}: {value!r} is not a number; allowed: {allowed}") from None
    if not math.isfinite(num) or num < 0 or (num == 0 and not allow_zero):
        raise InputError(f"{field}: {value!r} is not allowed; allowed: {allowed}")
    return num


def integer(field: str, value, low: int) -> int:
    """An integer >= low (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InputError(f"{field}: {value!r} is not allowed; allowed: an integer >= {low}")
    return int(value)


def did_you_mean(name, allowed, n: int = 3, cutoff: float = 0.4) -> str:
    """' (did you mean a, b?)' for the names in ``allowed`` closest to ``name``, or ''."""
    close = difflib.get_close_matches(str(name), list(allowed), n=n, cutoff=cutoff)
    return f" (did you mean {', '.join(close)}?)" if close else ""
