"""The monitor's input: a timeline of events, one JSON object per line (JSON Lines).

Live, the monitor turns Prefect's events into these; offline, a team writes or exports a
month of them and replays it (:mod:`.replay`) to see what a policy would have said::

    {"at": "2026-11-02T06:00:00+00:00", "event": "started", "pipeline": "extract", "run": "r1"}
    {"at": "2026-11-02T06:04:10+00:00", "event": "gate-failed", "pipeline": "extract",
     "run": "r1", "step": "clean", "detail": {"cell": 7, "expectation": "amount between 0
     and 100", "observed": "2 of 1,000 outside"}}

Every line is checked, and a line that is wrong stops the reading with a
:class:`TimelineError` naming the line and the fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    model_validator,
)
from pydantic_core import ErrorDetails

from jupyter_promote.errors import PromoteError
from jupyter_promote.util.spelling import did_you_mean

EventKind = Literal[
    "scheduled", "started", "completed", "failed", "gate-failed", "crashed", "tick",
    "roster-leave",
]  # fmt: skip
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
#: Events about one run of one pipeline (they need ``pipeline`` and ``run``).
RUN_EVENTS = frozenset({"scheduled", "started", "completed", "failed", "gate-failed", "crashed"})
#: Events that end a run badly; each is also an incident kind.
FAILURES = frozenset({"failed", "gate-failed", "crashed"})
_RUN_FIELDS = ("pipeline", "run", "step", "detail")
_EXAMPLE = "2026-11-02T06:00:00+00:00"


class TimelineError(PromoteError):
    """A timeline line that cannot be used: what is wrong, on which line, and the fix."""

    http_status = 422

    def __init__(self, source: str, line: int, problem: str, hint: str = "") -> None:
        super().__init__(
            f"{source} line {line}: {problem}",
            hint=hint,
            details={"source": source, "line": line, "problem": problem},
        )
        self.source = source
        self.line = line
        self.problem = problem


class Event(BaseModel):
    """One thing that happened (or a tick of the clock).

    Example:
        >>> e = Event.model_validate({"at": "2026-11-02T07:00:00+01:00", "event": "tick"})
        >>> e.at.isoformat(), e.to_json()
        ('2026-11-02T07:00:00+01:00', '{"at":"2026-11-02T07:00:00+01:00","event":"tick"}')
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: AwareDatetime = Field(description="When it happened: ISO 8601 with a UTC offset.")
    event: EventKind = Field(
        description="scheduled (a run is due at `at`), started, completed, failed, gate-failed"
        " (an `error` expectation stopped the run), crashed (the kernel died), tick (the clock"
        " moves; nothing else happens) or roster-leave (`member` left the roster)."
    )
    pipeline: str | None = Field(None, description="Run events: the pipeline's name.")
    run: str | None = Field(None, description="Run events: the run's id.")
    step: str | None = Field(
        None,
        description="started/completed: a step of the run (without it: the run itself);"
        " failures: the step that failed.",
    )
    detail: str | dict[str, Any] | None = Field(
        None,
        description="Free text, or facts for the first look: step, cell, expectation, observed,"
        " executed_notebook, url.",
    )
    member: str | None = Field(None, description="roster-leave: the member's id or e-mail.")

    @model_validator(mode="after")
    def _fields_fit_the_event(self) -> Event:
        if self.event in RUN_EVENTS:
            for name in ("pipeline", "run"):
                if not getattr(self, name):
                    raise ValueError(f'a "{self.event}" event needs "{name}"')
            if self.member is not None:
                raise ValueError(f'"member" belongs to roster-leave events, not "{self.event}"')
            return self
        if self.event == "roster-leave" and not self.member:
            raise ValueError('a "roster-leave" event needs "member" (the id of who left)')
        given = [name for name in _RUN_FIELDS if getattr(self, name) is not None]
        if given:
            raise ValueError(f'"{given[0]}" belongs to run events, not "{self.event}"')
        if self.event == "tick" and self.member is not None:
            raise ValueError('"member" belongs to roster-leave events, not "tick"')
        return self

    @field_serializer("at")
    def _iso(self, at: datetime) -> str:
        return at.isoformat()

    def to_json(self) -> str:
        """The event as one timeline line (fields left unset are omitted)."""
        return self.model_dump_json(exclude_none=True)


def iter_timeline(lines: Iterable[str], source: str = "timeline") -> Iterator[tuple[int, Event]]:
    """Read a timeline lazily: (line number, event) for each non-blank line, in order.

    Args:
        lines: The lines (a file object works).
        source: What to call the timeline in errors (its file name).

    Raises:
        TimelineError: A line is not JSON, not an object, not a valid event, or earlier than
            the line before it. Reading stops there.

    Example:
        >>> list(iter_timeline(['{"at": "2026-11-02T06:00:00", "event": "tick"}']))
        Traceback (most recent call last):
        ...
        jupyter_promote.monitor.timeline.TimelineError: timeline line 1: "at" has no UTC \
offset ("2026-11-02T06:00:00"); write it with one, e.g. 2026-11-02T06:00:00+00:00
    """
    previous: tuple[int, datetime] | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        event = parse_event(line, number, source)
        if previous is not None and event.at < previous[1]:
            raise TimelineError(
                source,
                number,
                f"{event.at.isoformat()} is earlier than line {previous[0]}"
                f" ({previous[1].isoformat()})",
                'events must be in time order; sort the file by "at"',
            )
        previous = (number, event.at)
        yield number, event


def parse_timeline(lines: Iterable[str], source: str = "timeline") -> list[Event]:
    """Every event of a timeline (see :func:`iter_timeline`)."""
    return [event for _, event in iter_timeline(lines, source)]


def parse_event(line: str, number: int = 1, source: str = "timeline") -> Event:
    """One timeline line as an :class:`Event`.

    Raises:
        TimelineError: The line is not a valid event (the first problem found).
    """
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TimelineError(
            source, number, f"not valid JSON ({exc.msg} at column {exc.colno})",
            "write one JSON object per line",
        ) from None  # fmt: skip
    if not isinstance(data, dict):
        raise TimelineError(source, number, "not a JSON object", 'write {"at": ..., "event": ...}')
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        problem, hint = _explain(exc.errors()[0], data)
        raise TimelineError(source, number, problem, hint) from None


def _explain(error: ErrorDetails, data: dict[str, Any]) -> tuple[str, str]:
    """A sentence and a fix for the first validation problem of a line."""
    field = str(error["loc"][0]) if error["loc"] else ""
    kind = error["type"]
    value = data.get(field)
    if kind == "missing":
        return f'"{field}" is missing', 'every line needs "at" and "event"'
    if kind == "extra_forbidden":
        known = list(Event.model_fields)
        return f'unknown field "{field}"{did_you_mean(field, known)}', f"use {', '.join(known)}"
    if field == "event":
        return (
            f'unknown event "{value}"{did_you_mean(str(value), EVENT_KINDS)}',
            f"use one of {', '.join(EVENT_KINDS)}",
        )
    if field == "at" and kind == "timezone_aware":
        return f'"at" has no UTC offset ("{value}")', f"write it with one, e.g. {_EXAMPLE}"
    if field == "at":
        return f'"at" is not an ISO 8601 time ("{value}")', f"write e.g. {_EXAMPLE}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, "), "see docs/monitor-replay.md"
    return f'"{field}": {error["msg"]}', "see docs/monitor-replay.md"
