"""How far a long command has got: a bar on a terminal, a line per step otherwise.

A person watching an import of many files, a backup or the benchmark's data
build sees it move; a log (cron, CI, a pipe) gets one dated line per step that
says how far it is, never a bar's carriage returns.
"""

import sys
import time
from typing import IO

from tqdm import tqdm


class Progress:
    """Count `total` steps of `what`, drawing a bar when `out` is a terminal."""

    def __init__(
        self,
        *,
        total: int,
        what: str,
        out: IO[str] | None = None,
        unit: str = "step",
        every: int | None = None,
    ):
        """`every`: without a terminal, say how far it is each `every` steps (none: never)."""
        self.out = out if out is not None else sys.stdout
        self.every = every
        self.total = total
        self.what = what
        self.done = 0
        self.started = time.monotonic()
        stream = getattr(self.out, "_out", self.out)  # Django's OutputWrapper holds the stream
        self.bar = (
            tqdm(total=total, desc=what, unit=unit, file=stream, leave=True, dynamic_ncols=True)
            if total > 1 and stream.isatty()
            else None
        )

    def say(self, line: str) -> None:
        """Write a line about the current step, above the bar if there is one."""
        if self.bar is not None:
            self.bar.write(line, file=self.bar.fp)
        else:
            self._write(f"[{self.done + 1}/{self.total}] {line}" if self.total > 1 else line)

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self.bar is not None:
            self.bar.update(steps)
        elif self.every and (self.done % self.every == 0 or self.done == self.total):
            self._write(f"[{self.done}/{self.total}] {self.what}")

    def step(self, line: str) -> None:
        """Start the next step, saying what it is."""
        self.say(line)
        self.advance()

    def finish(self, summary: str) -> None:
        """Close the bar and write the summary with the time taken."""
        if self.bar is not None:
            self.bar.close()
        self._write(f"{summary} ({time.monotonic() - self.started:.1f} s)")

    def _write(self, line: str) -> None:
        self.out.write(line if line.endswith("\n") or hasattr(self.out, "_out") else line + "\n")
