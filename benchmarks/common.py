"""Helpers shared by the benchmarks: timing and table output."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def measure(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> dict[str, float]:
    """Run ``fn`` ``warmup + repeat`` times; return min/median/max wall time in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"min": min(times), "median": statistics.median(times), "max": max(times)}


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (readable in a terminal too)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([f"### {title}", "", line(header), sep, *map(line, cells), ""])


def verdict(value: float, limit: float) -> str:
    return "PASS" if value < limit else "FAIL"
