"""Run bookkeeping: what run events say about each run, and the durations they add to the
history the predictions use. No rule lives here: :mod:`.policy` decides what it means.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jupyter_promote.monitor.history import remember
from jupyter_promote.monitor.model import MonitorState, PipelineRuns, RunRecord, StepRecord
from jupyter_promote.monitor.timeline import Event

UTC = timezone.utc
#: Runs (and announced slots) older than this are forgotten, unless still running.
KEEP_RUNS = timedelta(days=2)


class RunLog:
    """Records runs and steps in the state; keeps ``history_runs`` durations of each."""

    def __init__(self, state: MonitorState, window: int) -> None:
        self.state = state
        self.window = window

    def run(self, name: str, event: Event, now: datetime) -> RunRecord:
        """The run ``event`` is about (created, started at the event, when first heard of)."""
        runs = self.state.runs_of(name)
        assert event.run is not None
        found = runs.run(event.run)
        if found is None:
            found = RunRecord(run=event.run, started=event.at.astimezone(UTC))
            runs.runs.append(found)
            cutoff = now - KEEP_RUNS
            runs.runs[:] = [r for r in runs.runs if r.started >= cutoff or r.status == "running"]
        return found

    def started(self, name: str, event: Event, now: datetime) -> RunRecord:
        """A run, or a step of it, started."""
        run = self.run(name, event, now)
        if event.step:
            run.steps[event.step] = StepRecord(started=event.at)
            run.current_step = event.step
            order = self.state.runs_of(name).step_order
            if event.step not in order:
                order.append(event.step)
        return run

    def completed(self, name: str, event: Event, now: datetime) -> RunRecord:
        """A run, or a step of it, completed; its duration joins the history."""
        run = self.run(name, event, now)
        runs = self.state.runs_of(name)
        if event.step:
            step = run.steps.setdefault(event.step, StepRecord())
            step.ended = event.at
            if run.current_step == event.step:
                run.current_step = None
            if step.started is not None:
                seconds = (event.at - step.started).total_seconds()
                remember(runs.step_durations.setdefault(event.step, []), seconds, self.window)
            return run
        run.status, run.ended, run.current_step = "completed", event.at, None
        remember(runs.durations, (event.at - run.started).total_seconds(), self.window)
        return run

    def failed(self, name: str, event: Event, now: datetime) -> RunRecord:
        """A run failed (at a step, when the event names one)."""
        run = self.run(name, event, now)
        run.status, run.ended, run.failure = "failed", event.at, event.event
        if event.step:
            run.steps.setdefault(event.step, StepRecord()).ended = event.at
        return run

    def announce(self, name: str, slot: datetime, now: datetime) -> PipelineRuns:
        """A ``scheduled`` event announced a run due at ``slot``."""
        runs = self.state.runs_of(name)
        cutoff = now - KEEP_RUNS
        runs.extra_slots = [s for s in runs.extra_slots if s >= cutoff] + [slot]
        return runs
