"""The monitor's data: its settings (:class:`MonitorConfig`) and everything it remembers
(:class:`MonitorState`), both plain pydantic models that round-trip through JSON.

The policy (:mod:`.policy`) is a pure function of (fleet, events, clock) *given* this state:
save :class:`MonitorState` after each step and a restarted monitor carries on where it
stopped, sending nothing twice. All times are timezone-aware (UTC in the state).
"""

from __future__ import annotations

import heapq
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jupyter_promote.release.settings import Tier

IncidentKind = Literal[
    "failed", "gate-failed", "crashed", "late", "sla-at-risk", "sla-missed", "orphaned", "stale"
]  # fmt: skip
IncidentStatus = Literal["open", "acknowledged", "resolved"]
SlaState = Literal["ok", "at-risk", "missed", "recovered"]
RunStatus = Literal["running", "completed", "failed"]
TimerKind = Literal["day", "late", "check", "deadline", "catch-up", "digest"]

#: Incidents about runs: one open per root cause, resolved by the root's next completed run.
RUN_KINDS = frozenset({"failed", "gate-failed", "crashed", "late", "sla-at-risk", "sla-missed"})
#: What makes a root cause's incident cover its downstream pipelines' own failures.
TROUBLE = frozenset({"failed", "gate-failed", "crashed", "late"})
#: How a pipeline joins an incident when it is held up (it waits for the root): the incident
#: stays open until that pipeline has caught up.
HELD = frozenset({"late", "sla-at-risk", "sla-missed"})
#: Timers due at the same instant fire in this order (a day's slots before its checks, a missed
#: deadline before the end of a catch-up wait).
TIMER_ORDER: dict[str, int] = {
    "day": 0, "late": 1, "check": 2, "deadline": 3, "catch-up": 4, "digest": 5,
}  # fmt: skip

Timer = tuple[datetime, int, int, str, str, str]  # at, order, sequence, kind, pipeline, key


class MonitorConfig(BaseModel):
    """The policy's knobs (what a team tries on last month's timeline before switching)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    late_after: timedelta = Field(
        timedelta(minutes=10),
        description="A scheduled run not started this long after its time is late.",
    )
    at_risk_margin: timedelta = Field(
        timedelta(0),
        description="Raise 'at risk' when the predicted ready time is within this much of the"
        " deadline (0: when the prediction reaches the deadline).",
    )
    digest_at: str = Field(
        "09:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When the daily digest of low-tier incidents goes out, 'HH:MM' UTC.",
    )
    default_duration: timedelta = Field(
        timedelta(minutes=10),
        description="Expected run (and step) duration of a pipeline with no completed run yet.",
    )
    history_runs: int = Field(
        30, ge=1, description="How many recent completed runs (and steps) the durations keep."
    )
    catch_up_within: timedelta = Field(
        timedelta(hours=6),
        description="After an incident's root cause ran again, how long the incident waits for"
        " the pipelines it held up to complete before it resolves anyway (saying which did not).",
    )


class StepRecord(BaseModel):
    """One step of a run."""

    started: datetime | None = Field(None, description="When the step started.")
    ended: datetime | None = Field(None, description="When it completed (or the run failed).")


class RunRecord(BaseModel):
    """One run of a pipeline as the events told it."""

    run: str = Field(description="The run's id (Prefect's flow run id, live).")
    started: datetime = Field(description="When it started (or was first heard of).")
    status: RunStatus = Field("running", description="running, completed or failed.")
    ended: datetime | None = Field(None, description="When it completed or failed.")
    failure: str | None = Field(None, description="failed, gate-failed or crashed.")
    steps: dict[str, StepRecord] = Field(default_factory=dict, description="Steps seen.")
    current_step: str | None = Field(None, description="The step running now, if known.")


class PipelineRuns(BaseModel):
    """What the monitor knows of one pipeline's runs."""

    runs: list[RunRecord] = Field(
        default_factory=list, description="Recent runs, oldest start first (two days kept)."
    )
    durations: list[float] = Field(
        default_factory=list, description="Seconds of the recent completed runs, oldest first."
    )
    step_durations: dict[str, list[float]] = Field(
        default_factory=dict, description="Seconds of the recent completions of each step."
    )
    step_order: list[str] = Field(
        default_factory=list, description="Steps in the order they were first seen."
    )
    extra_slots: list[datetime] = Field(
        default_factory=list, description="Run times announced by `scheduled` events."
    )

    def run(self, run_id: str) -> RunRecord | None:
        """The run called ``run_id``, if still remembered."""
        return next((r for r in reversed(self.runs) if r.run == run_id), None)


class IncidentEvent(BaseModel):
    """Something that happened inside an incident (joins and repeats send nothing)."""

    at: datetime = Field(description="When.")
    pipeline: str = Field(description="The pipeline it happened to.")
    kind: str = Field(description="failed, gate-failed, crashed, late, sla-at-risk, ...")


class AlertRecord(BaseModel):
    """An alert the incident sent (or put into a digest)."""

    at: datetime = Field(description="When.")
    kind: str = Field(description="The alert's kind.")
    phase: str = Field(description="opened, escalated, update or resolved.")
    pipeline: str | None = Field(description="The pipeline the alert was about.")
    to: list[str] = Field(description="Recipients.")
    channel: str = Field(description="immediate or digest.")


class Incident(BaseModel):
    """One root cause, everything it caused, and what was said about it."""

    id: str = Field(description="Incident id, e.g. 'inc-7'.")
    kind: IncidentKind = Field(description="What opened it.")
    root_cause: str = Field(description="The pipeline whose problem caused it.")
    pipeline: str = Field(description="The pipeline the opening alert was about.")
    opened_at: datetime = Field(description="When it opened.")
    status: IncidentStatus = Field("open", description="open, acknowledged or resolved.")
    acknowledged_at: datetime | None = Field(None, description="When acknowledged.")
    acknowledged_by: str | None = Field(None, description="Who acknowledged it.")
    resolved_at: datetime | None = Field(None, description="When it resolved.")
    resolved_by: str | None = Field(None, description="Who resolved it ('monitor': a run).")
    blast_radius: list[str] = Field(
        default_factory=list, description="The root cause's downstream pipelines (display)."
    )
    affected: list[str] = Field(
        default_factory=list, description="Pipelines actually affected so far, in order."
    )
    effective_tier: Tier = Field(description="Highest effective tier of root and affected.")
    reached_tier: Tier = Field(
        description="Highest own tier among the root cause and the pipelines affected so far."
    )
    trouble: bool = Field(False, description="The root itself failed or was late.")
    waiting: list[str] = Field(
        default_factory=list,
        description="Pipelines it held up (late or SLA at risk because of it) that have not"
        " completed a run since: it resolves once they have.",
    )
    caught_up: list[str] = Field(
        default_factory=list, description="Held-up pipelines that completed since, in order."
    )
    root_ran_at: datetime | None = Field(
        None, description="When the root cause's next run completed (then it waits, if any)."
    )
    root_run: str | None = Field(None, description="That run's id.")
    first_look: dict[str, Any] = Field(
        default_factory=dict, description="Where to look first (step, cell, run link, ...)."
    )
    member: str | None = Field(None, description="orphaned: the member who left.")
    sla_days: list[str] = Field(default_factory=list, description="SLA days it put at risk.")
    events: list[IncidentEvent] = Field(default_factory=list, description="What happened.")
    alerts: list[AlertRecord] = Field(default_factory=list, description="What was said.")

    @property
    def is_open(self) -> bool:
        """Open or acknowledged."""
        return self.status != "resolved"


class SlaDay(BaseModel):
    """One pipeline's SLA on one day (the pipeline's own timezone)."""

    pipeline: str = Field(description="The pipeline.")
    day: date = Field(description="The local day.")
    due: datetime = Field(description="When the day's run is due (its first slot).")
    deadline: datetime = Field(description="The SLA deadline of the day.")
    state: SlaState = Field("ok", description="ok, at-risk, missed or recovered.")
    incident: str | None = Field(None, description="The incident its risk joined or opened.")
    warned_at: datetime | None = Field(None, description="When 'at risk' was raised.")
    predicted: datetime | None = Field(None, description="Predicted ready time at the warning.")
    done_at: datetime | None = Field(None, description="When the day's output was ready.")
    next_check: datetime | None = Field(None, description="When to look again.")


class DigestEntry(BaseModel):
    """A line waiting for the next daily digest."""

    at: datetime = Field(description="When it happened.")
    incident: str = Field(description="The incident.")
    recipient: str = Field(description="Whose digest it goes into.")
    line: str = Field(description="What the digest says about it.")


class MonitorState(BaseModel):
    """Everything the monitor remembers; save it as JSON, load it to resume."""

    version: int = Field(1, description="Format version of this state.")
    started_at: datetime | None = Field(None, description="When the monitor started watching.")
    clock: datetime | None = Field(None, description="The monitor's clock (last time seen).")
    next_incident: int = Field(1, description="Number of the next incident.")
    incidents: dict[str, Incident] = Field(default_factory=dict, description="By id.")
    open_by_root: dict[str, str] = Field(
        default_factory=dict, description="Root pipeline -> its open run incident's id."
    )
    notices: dict[str, str] = Field(
        default_factory=dict,
        description="'stale:PIPELINE' or 'orphaned:MEMBER' -> the incident's id.",
    )
    pipelines: dict[str, PipelineRuns] = Field(default_factory=dict, description="Run history.")
    sla_days: dict[str, SlaDay] = Field(
        default_factory=dict, description="'PIPELINE/YYYY-MM-DD' -> that SLA day."
    )
    sla_current: dict[str, str] = Field(
        default_factory=dict, description="Pipeline -> the key of its SLA day being watched."
    )
    left: dict[str, list[str]] = Field(
        default_factory=dict, description="Members who left the roster -> their teams then."
    )
    digest: list[DigestEntry] = Field(default_factory=list, description="For the next digest.")
    last_digest: datetime | None = Field(None, description="When the last digest went out.")
    timers: list[Timer] = Field(default_factory=list, description="Pending timers (a heap).")
    timer_seq: int = Field(0, description="Sequence of the next timer (keeps ties in order).")

    def runs_of(self, pipeline: str) -> PipelineRuns:
        """The run history of ``pipeline`` (created empty)."""
        found = self.pipelines.get(pipeline)
        if found is None:
            found = self.pipelines[pipeline] = PipelineRuns()
        return found

    def push(self, at: datetime, kind: TimerKind, pipeline: str = "", key: str = "") -> None:
        """Set a timer."""
        self.timer_seq += 1
        heapq.heappush(self.timers, (at, TIMER_ORDER[kind], self.timer_seq, kind, pipeline, key))

    def pop_due(self, until: datetime, inclusive: bool) -> Timer | None:
        """The next timer due before ``until`` (at it too when ``inclusive``), removed."""
        if not self.timers:
            return None
        at = self.timers[0][0]
        if at < until or (inclusive and at == until):
            return heapq.heappop(self.timers)
        return None

    def new_incident_id(self) -> str:
        """A fresh incident id."""
        number = self.next_incident
        self.next_incident += 1
        return f"inc-{number}"


def sla_key(pipeline: str, day: date) -> str:
    """The key of a pipeline's SLA day.

    >>> sla_key("report", date(2026, 11, 2))
    'report/2026-11-02'
    """
    return f"{pipeline}/{day.isoformat()}"
