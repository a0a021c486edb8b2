"""What every subject shares: timing a call, and the table with the target beside each figure."""

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

Write = Callable[[str], None]
# measure, figure, target ("—" where there is none), met (None where there is no target).
Row = tuple[str, str, str, bool | None]


def timed(run: Callable[[], Any], repeat: int, *, warm_up: bool = True) -> tuple[float, Any]:
    """Median wall time in milliseconds over `repeat` runs, and the last result.

    One untimed run first, unless told otherwise: templates compiled, caches
    filled, as in a server that has been up for a while.
    """
    times, result = [], None
    if warm_up:
        run()
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def counted(run: Callable[[], Any]) -> tuple[int, Any]:
    """How many queries one run makes, and its result."""
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        result = run()
    return len(queries), result


def row(measure: str, milliseconds: float, target_ms: float | None, extra: str = "") -> Row:
    """A row for a time: its figure in ms (with `extra` after it), the target, met or MISSED."""
    figure = f"{milliseconds:,.1f} ms" + (f" ({extra})" if extra else "")
    if target_ms is None:
        return (measure, figure, "—", None)
    return (measure, figure, f"< {target_ms:g} ms", milliseconds < target_ms)


def table(title: str, rows: list[Row] | list[list[Any]], write: Write) -> None:
    """Print one subject's table: | measure | figure | target | met/MISSED |."""
    write("")
    write(title)
    header = ("measure", "figure", "target", "")
    cells = [
        (label, figure, target, "" if met is None else ("met" if met else "MISSED"))
        for label, figure, target, met in rows
    ]
    widths = [max(len(line[column]) for line in [header, *cells]) for column in range(4)]
    widths[3] = max(widths[3], 6)

    def line(values: tuple[str, ...]) -> str:
        return "| " + " | ".join(f"{v:<{w}}" for v, w in zip(values, widths, strict=True)) + " |"

    write(line(header))
    write("| " + " | ".join("-" * width for width in widths) + " |")
    for values in cells:
        write(line(values))
