"""Run-history statistics: how long a pipeline (or one of its steps) usually takes.

Durations are kept per pipeline and per step, the most recent ``history_runs`` of each. The
median is the usual middle value (the mean of the two middle ones for an even count); the
90th percentile is interpolated between the two nearest ranks (numpy's default, "linear"), so
that a short history is not ruled by its one outlier: by nearest rank, the p90 of fewer than
ten runs is their maximum, and one slow run among a new pipeline's first nine would put every
SLA after it "at risk" for ten days (the simulation in ``tests/test_monitor_sim.py`` showed
just that: 12 false alarms in a month with one seed, none with interpolation).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Estimate:
    """How long something is expected to take.

    Attributes:
        median: The median duration.
        p90: The 90th percentile (nearest rank).
        samples: How many completed runs it is from.
        fallback: True when there was no history and the default was used.
    """

    median: timedelta
    p90: timedelta
    samples: int
    fallback: bool

    def describe(self) -> str:
        """In words, for messages.

        >>> estimate([600.0, 1200.0], timedelta(minutes=10)).describe()
        'p90 19 min, median 15 min, from 2 runs'
        >>> estimate([], timedelta(minutes=10)).describe()
        'no run history yet: 10 min assumed'
        """
        if self.fallback:
            return f"no run history yet: {minutes(self.p90)} assumed"
        runs = "run" if self.samples == 1 else "runs"
        return f"p90 {minutes(self.p90)}, median {minutes(self.median)}, from {self.samples} {runs}"


def p90(values: Sequence[float]) -> float:
    """The 90th percentile, interpolated between the nearest ranks.

    >>> p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), p90([5]), p90([10, 10, 10, 10, 100])
    (9.1, 5.0, 64.0)
    """
    ordered = sorted(values)
    position = 0.9 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def estimate(seconds: Sequence[float], default: timedelta) -> Estimate:
    """The estimate from durations in seconds, or the default when there are none.

    >>> estimate([60.0, 120.0, 120.0, 180.0, 3600.0], timedelta(minutes=10)).p90
    datetime.timedelta(seconds=2232)
    """
    if not seconds:
        return Estimate(default, default, 0, True)
    middle = timedelta(seconds=statistics.median(seconds))
    return Estimate(middle, timedelta(seconds=p90(seconds)), len(seconds), False)


def remember(history: list[float], seconds: float, window: int) -> None:
    """Add a duration, keeping only the ``window`` most recent ones.

    >>> kept = [1.0, 2.0, 3.0]
    >>> remember(kept, 4.0, 3)
    >>> kept
    [2.0, 3.0, 4.0]
    """
    history.append(seconds)
    del history[: max(0, len(history) - window)]


def minutes(span: timedelta) -> str:
    """A duration for people: ``'45 min'``, ``'1 h 05 min'``, ``'30 s'``.

    >>> minutes(timedelta(minutes=65)), minutes(timedelta(seconds=30))
    ('1 h 05 min', '30 s')
    """
    total = int(span.total_seconds())
    if total < 60:
        return f"{total} s"
    hours, rest = divmod(round(total / 60), 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"
