"""Helpers shared by the benchmarks: timing, table output, release folders."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


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


def write_releases(pipelines: Path, code: str, settings: Iterable[Any]) -> None:
    """Real, current release folders of a one-step notebook running ``code``, one per
    :class:`~jupyter_promote.release.settings.PromotionSettings` (as promotions write them)."""
    from jupyter_promote.analysis.pipeline import analyze_notebook
    from jupyter_promote.release.store import set_current
    from jupyter_promote.release.writer import write_release

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from nbbuild import make_nb

    nb = make_nb(("step:main", code))
    spec = analyze_notebook(nb, "n.ipynb")
    for each in settings:
        _, manifest, _ = write_release(
            pipelines, nb, spec, each, promoted_by=each.owner,
            promoted_at=datetime(2026, 10, 1, tzinfo=timezone.utc), dry_run="passed",
            environment_lock=[], schedule_text="not scheduled",
        )  # fmt: skip
        set_current(pipelines, each.name, manifest.version)
