"""When will a pipeline's output be ready? Predictions from run state, schedules and history.

For a pipeline's run due at ``due`` (its slot), looking at the runs started since then:

- a run completed: **done** (at its completion);
- a run is running: started + p90 of the pipeline's durations; with step events and a
  history for every step left, ``max(now, start of the current step + its p90)`` plus the
  p90 of each step not started yet, each scaled by the run's *pace* (a run whose completed
  steps took 3 times their median is expected to go on at that pace). Never before ``now``;
- the last run failed, nothing running: **failed** (no prediction: at risk because of it);
- nothing started yet: ``max(due, now) + p90``, and it cannot be ready before its upstream
  pipelines are: for each upstream not done with its own latest slot at or before ``due``,
  ``ready(upstream) + p90``. An upstream that failed, or is blocked, blocks it (**blocked**:
  no prediction, the cause is the upstream's cause).

The ``cause`` of a prediction is the pipeline whose state sets it (itself, or the upstream
whose readiness is the binding term), so an SLA risk is put on the right incident.
Slots before the monitor started are not judged (nothing is known of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.history import Estimate, estimate, minutes, p90, remember
from jupyter_promote.monitor.model import MonitorConfig, MonitorState, RunRecord
from jupyter_promote.monitor.slots import SlotBook, deadline, local_day

__all__ = [
    "EARLY_START",
    "Estimate",
    "Predictor",
    "Readiness",
    "deadline",
    "estimate",
    "local_day",
    "minutes",
    "p90",
    "remember",
]

#: A run started this long before a slot still counts as that slot's run.
EARLY_START = timedelta(minutes=1)
ReadyStatus = Literal["done", "running", "pending", "failed", "blocked"]


@dataclass(frozen=True)
class Readiness:
    """A prediction of when a pipeline's output will be ready.

    Attributes:
        status: done, running, pending (not started), failed or blocked (by an upstream).
        at: When it was (done) or will be ready; ``None``: cannot be predicted.
        cause: The pipeline whose state sets the prediction.
        still_until: Until then, the passing of time alone leaves ``at`` where it is (every
            term is waiting for a slot or a p90 to come); after it, ``at`` moves no faster
            than the clock. ``None``: it may move from now on.
    """

    status: ReadyStatus
    at: datetime | None
    cause: str
    still_until: datetime | None = None


Memo = dict[tuple[str, datetime], Readiness]


class Predictor:
    """Predictions over the monitor's state (see the module docstring)."""

    def __init__(
        self, view: FleetView, state: MonitorState, config: MonitorConfig, slots: SlotBook
    ) -> None:
        self.view = view
        self.state = state
        self.config = config
        self.slots = slots
        self._estimates: dict[str, Estimate] = {}
        # Predictions at one instant, shared by every SLA check until a run event changes the
        # runs (:meth:`changed`): thousands of checks at the same tick walk the same upstreams.
        self._memo: Memo = {}
        self._memo_now: datetime | None = None

    def changed(self) -> None:
        """The runs changed: forget the predictions made at this instant."""
        self._memo = {}

    def expected_duration(self, pipeline: str) -> Estimate:
        """Median and p90 of the recent completed runs (``fallback``: none yet, the default)."""
        found = self._estimates.get(pipeline)
        if found is None:
            runs = self.state.pipelines.get(pipeline)
            durations = runs.durations if runs is not None else []
            found = self._estimates[pipeline] = estimate(durations, self.config.default_duration)
        return found

    def step_estimate(self, pipeline: str, step: str) -> Estimate | None:
        """The step's estimate, or ``None`` without history for it."""
        runs = self.state.pipelines.get(pipeline)
        seconds = runs.step_durations.get(step) if runs is not None else None
        return estimate(seconds, self.config.default_duration) if seconds else None

    def forget(self, pipeline: str) -> None:
        """Drop cached estimates of ``pipeline`` (its history changed)."""
        self._estimates.pop(pipeline, None)

    def runs_since(self, pipeline: str, due: datetime) -> list[RunRecord]:
        """Runs started at or after ``due`` (less the early-start tolerance), oldest first."""
        runs = self.state.pipelines.get(pipeline)
        if runs is None:
            return []
        cutoff = due - EARLY_START
        kept = runs.runs
        first = len(kept)
        while first and kept[first - 1].started >= cutoff:
            first -= 1
        return kept[first:]

    def done_at(self, pipeline: str, due: datetime) -> datetime | None:
        """When a run started since ``due`` (see :meth:`runs_since`) first completed."""
        return _first_done(self.runs_since(pipeline, due))

    def ready(
        self, pipeline: str, due: datetime, now: datetime, memo: Memo | None = None
    ) -> Readiness:
        """When the output of ``pipeline``'s run due at ``due`` will be ready (see module)."""
        if memo is None:
            if self._memo_now != now:
                self._memo, self._memo_now = {}, now
            memo = self._memo
        key = (pipeline, due)
        if key not in memo:
            memo[key] = Readiness("blocked", None, pipeline)  # a lineage cycle: no prediction
            memo[key] = self._ready(pipeline, due, now, memo)
        return memo[key]

    def _ready(self, pipeline: str, due: datetime, now: datetime, memo: Memo) -> Readiness:
        runs = self.runs_since(pipeline, due)
        done = _first_done(runs)
        if done is not None:
            return Readiness("done", done, pipeline)
        if runs and runs[-1].status == "running":
            at, still = self._running(pipeline, runs[-1], now)
            return Readiness("running", at, pipeline, still)
        if runs:
            return Readiness("failed", None, pipeline)
        return self._pending(pipeline, due, now, memo)

    def _pending(self, pipeline: str, due: datetime, now: datetime, memo: Memo) -> Readiness:
        own = self.expected_duration(pipeline).p90
        best = Readiness("pending", max(due, now) + own, pipeline, due)
        still = due
        for name in self.view.upstream(pipeline):
            upstream_due = self._upstream_due(name, due)
            if upstream_due is None:
                continue
            found = self.ready(name, upstream_due, now, memo)
            if found.status == "done":
                continue
            if found.at is None:
                return Readiness("blocked", None, found.cause)
            still = min(still, found.still_until or now)
            if best.at is not None and found.at + own >= best.at:  # it waits for it
                best = Readiness("pending", found.at + own, found.cause)
        return Readiness(best.status, best.at, best.cause, still)

    def held_until(self, pipeline: str, due: datetime, now: datetime) -> datetime | None:
        """When the last upstream run feeding ``pipeline``'s run due at ``due`` completed, if
        that was after ``due`` (the run could not start before); ``None`` otherwise."""
        latest: datetime | None = None
        memo: Memo = {}
        for name in self.view.upstream(pipeline):
            upstream_due = self._upstream_due(name, due)
            found = self.ready(name, upstream_due, now, memo) if upstream_due else None
            if found is not None and found.status == "done" and found.at and found.at > due:
                latest = max(latest or found.at, found.at)
        return latest

    def _upstream_due(self, name: str, before: datetime) -> datetime | None:
        """The slot of upstream ``name`` that feeds a run due at ``before``: its latest within
        the day before; for an unscheduled upstream, its latest run started then. ``None``
        when there is none, or it is from before the monitor started."""
        found = self.slots.latest(name, before)
        if found is None:
            runs = self.state.pipelines.get(name)
            starts = [r.started for r in runs.runs if r.started <= before] if runs else []
            found = starts[-1] if starts and before - starts[-1] < timedelta(days=1) else None
        started = self.state.started_at
        return None if found is None or started is None or found < started else found

    def running_until(self, pipeline: str, run: RunRecord, now: datetime) -> datetime:
        """When a running run should complete (see the module docstring)."""
        return self._running(pipeline, run, now)[0]

    def _running(
        self, pipeline: str, run: RunRecord, now: datetime
    ) -> tuple[datetime, datetime | None]:
        """When a running run should complete, and until when that stays put (see
        :class:`Readiness`)."""
        usual = run.started + self.expected_duration(pipeline).p90
        whole = (max(usual, now), usual)
        if not run.steps:
            return whole
        plan = self.view.steps.get(pipeline) or self.state.runs_of(pipeline).step_order
        left = [s for s in plan if s not in run.steps or run.steps[s].ended is None]
        p90s = {s: self.step_estimate(pipeline, s) for s in left}
        if not left or any(e is None for e in p90s.values()):
            return whole
        pace = self.pace(pipeline, run)
        lead = timedelta(0)  # the prediction is max(now + lead, floor)
        floor: datetime | None = None
        current = run.current_step
        record = run.steps.get(current) if current else None
        for step in left:
            guess = p90s[step]
            assert guess is not None
            if step == current and record is not None and record.started is not None:
                end = record.started + pace * guess.p90
                floor = end if floor is None else max(floor, end)
            else:
                lead += pace * guess.p90
                floor = floor + pace * guess.p90 if floor is not None else None
        if floor is None:
            return now + lead, None
        return max(now + lead, floor), floor - lead

    def pace(self, pipeline: str, run: RunRecord) -> float:
        """How much slower than usual ``run`` goes: its completed steps' durations over their
        medians (at least 1). Constant between events, so a prediction never moves faster
        than the clock (what the SLA checks' timing relies on)."""
        spent = usual = 0.0
        for step, record in run.steps.items():
            history = self.step_estimate(pipeline, step)
            if record.started is None or record.ended is None or history is None:
                continue
            spent += (record.ended - record.started).total_seconds()
            usual += history.median.total_seconds()
        return max(1.0, spent / usual) if usual else 1.0


def _first_done(runs: list[RunRecord]) -> datetime | None:
    ended = [r.ended for r in runs if r.status == "completed" and r.ended is not None]
    return min(ended) if ended else None
