"""A one-line progress bar with ETA on stderr, for training runs (no dependency)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "label") as bar: ... bar.update()``: ``label  40/100  40%
    ETA 3 s`` redrawn in place on stderr at most ``per_second`` times a second; silent when
    ``quiet`` (or ``total`` is 0); on a stream that is not a terminal only the final line is
    written. The ETA is the mean time per unit so far times the units left.
    """

    def __init__(self, total: int, label: str = "", *, quiet: bool = False,
                 per_second: float = 4.0, stream=None):  # fmt: skip
        self.total = int(total)
        self.label = label
        self.quiet = quiet or self.total <= 0
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self._min_gap = 1.0 / per_second
        self._t0 = self._last = time.perf_counter()

    def line(self) -> str:
        """The current line: label, count, percent and ETA."""
        elapsed = time.perf_counter() - self._t0
        pct = 100.0 * self.done / self.total if self.total else 100.0
        if 0 < self.done < self.total:
            eta = f"ETA {elapsed / self.done * (self.total - self.done):.0f} s"
        else:
            eta = f"{elapsed:.1f} s"
        return f"{self.label}  {self.done}/{self.total}  {pct:3.0f}%  {eta}"

    def update(self, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        now = time.perf_counter()
        if self.live and not self.quiet and now - self._last >= self._min_gap:
            self._last = now
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if not self.quiet:
            self.stream.write(
                ("\r" if self.live else "") + self.line() + ("\x1b[K\n" if self.live else "\n")
            )
            self.stream.flush()
            self.quiet = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
