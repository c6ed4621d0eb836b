"""Prefect's events, for the monitor: read them (the websocket, after catching up from the API),
turn them into the monitor's timeline events, and emit the monitor's own.

The monitor follows flow-run state changes (``prefect.flow-run.Running``/``Completed``/
``Failed``/``Crashed``), task-run starts (a step began: per-step predictions) and the event a
failed run emits itself (``jupyter-promote.run.failed``: the step, the cell, the expectation and
its observed values, the executed notebook). Prefect is imported only inside the functions.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

#: Event names the monitor listens to (prefixes).
FOLLOWED = ("prefect.flow-run.", "prefect.task-run.Running", "jupyter-promote.run.")
RUN_FAILED = "jupyter-promote.run.failed"
BARE_FAILURES = frozenset(
    {"prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut"}
)
_FLOW_STATES = {
    "Running": "started",
    "Completed": "completed",
    "Failed": "failed",
    "TimedOut": "failed",
    "Crashed": "crashed",
}


@dataclass
class Translator:
    """Turns Prefect events into timeline events for the pipelines in ``known``; remembers which
    flow run belongs to which pipeline and deployment (task-run events name only their run)."""

    known: set[str]
    ui_url: str = ""
    runs: dict[str, str] = field(default_factory=dict)  # flow run id -> pipeline
    deployments: dict[str, str] = field(default_factory=dict)  # pipeline -> deployment id
    reported: set[str] = field(default_factory=set)  # runs that said themselves why they failed

    @staticmethod
    def bare_failure(event: Any) -> bool:
        """Prefect's own failed/crashed state of a flow run: worth waiting a moment for the
        run's ``jupyter-promote.run.failed`` (which says where to look), sent just before it
        but possibly delivered just after."""
        return str(event.event) in BARE_FAILURES

    def timeline(self, event: Any) -> dict[str, Any] | None:
        """The timeline event (a dict for :class:`~jupyter_promote.monitor.timeline.Event`)
        that Prefect's ``event`` means, or ``None`` when it means nothing to the monitor."""
        name: str = event.event
        related = {r.role: r for r in event.related}
        if name.startswith("prefect.flow-run."):
            run = event.resource.id.removeprefix("prefect.flow-run.")
            pipeline = self._pipeline(run, related)
            kind = _FLOW_STATES.get(name.removeprefix("prefect.flow-run."))
            if pipeline is None or kind is None:
                return None
            if kind in ("failed", "crashed") and run in self.reported:
                return None  # the run's own failure event said it, with the details
            detail = {"url": self._run_url(run)} if kind in ("failed", "crashed") else None
            return _event(occurred(event), kind, pipeline, run, detail=detail)
        flow_run = related.get("flow-run")
        run = flow_run.id.removeprefix("prefect.flow-run.") if flow_run is not None else None
        if run is None:
            return None
        pipeline = self._pipeline(run, related)
        if pipeline is None:
            return None
        if name == "prefect.task-run.Running":
            step = event.resource.get("prefect.resource.name") or ""
            if not step or step == "setup" or step.startswith("gate:"):
                return None
            return _event(occurred(event), "started", pipeline, run, step=step)
        if name == RUN_FAILED:
            payload = dict(event.payload or {})
            kind = payload.pop("kind", "failed")
            step = payload.pop("step", None)
            payload.pop("pipeline", None)
            payload["url"] = self._run_url(run)
            self.reported.add(run)
            detail = {k: v for k, v in payload.items() if v not in (None, "")}
            return _event(occurred(event), kind, pipeline, run, step=step, detail=detail)
        return None

    def _pipeline(self, run: str, related: dict[str, Any]) -> str | None:
        if run in self.runs:
            return self.runs[run]
        deployment = related.get("deployment")
        flow = related.get("flow")
        for resource in (deployment, flow):
            name = resource.get("prefect.resource.name") if resource is not None else None
            if name in self.known:
                self.runs[run] = name
                if deployment is not None:
                    self.deployments[name] = deployment.id.removeprefix("prefect.deployment.")
                return str(name)
        return None

    def _run_url(self, run: str) -> str:
        return f"{self.ui_url}/runs/flow-run/{run}" if self.ui_url else ""


def occurred(event: Any) -> datetime:
    """When a Prefect event happened, as a plain aware UTC :class:`datetime` (Prefect's own
    type is pendulum's, whose comparisons with plain datetimes can fail as naive/aware)."""
    at: datetime = event.occurred
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    utc = at.astimezone(timezone.utc)
    return datetime(*utc.timetuple()[:6], utc.microsecond, tzinfo=timezone.utc)


def _event(
    at: datetime,
    kind: str,
    pipeline: str,
    run: str,
    *,
    step: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    line: dict[str, Any] = {"at": at, "event": kind, "pipeline": pipeline, "run": run}
    if step:
        line["step"] = step
    if detail:
        line["detail"] = detail
    return line


def _filter(since: datetime, until: datetime | None = None) -> Any:
    from prefect.events.filters import (
        EventFilter,
        EventNameFilter,
        EventOccurredFilter,
        EventOrder,
    )

    # a live subscription's window must stay open: Prefect's default ``until`` is "now"
    until = until or datetime.now().astimezone() + timedelta(days=3650)
    return EventFilter(
        occurred=EventOccurredFilter(since=since, until=until),
        event=EventNameFilter(prefix=list(FOLLOWED)),
        order=EventOrder.ASC,  # oldest first, across pages too
    )


async def catch_up(since: datetime, page: int = 50) -> AsyncIterator[Any]:
    """Every followed event that occurred since ``since``, oldest first, read from the API
    (what happened while the monitor was not running); the API gives at most 50 a page."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        until = datetime.now().astimezone()
        events = await client.read_events(filter=_filter(since, until), limit=page)
        while True:
            for event in sorted(events.events, key=occurred):
                yield event
            if not events.next_page:
                return
            events = await client.read_events_page(events.next_page)


async def follow(since: datetime) -> AsyncIterator[Any]:
    """Followed events as they happen (the websocket; Prefect's own subscriber reconnects and
    drops duplicates), starting with those since ``since`` that the server still replays."""
    from prefect.events.clients import get_events_subscriber

    async with get_events_subscriber(filter=_filter(since), reconnection_attempts=1000) as events:
        async for event in events:
            yield event


@dataclass(frozen=True)
class Announcement:
    """An event the monitor emits: ``name`` about ``pipeline`` with a payload."""

    name: str
    pipeline: str | None
    payload: dict[str, Any]
    deployment_id: str | None = None
    flow_run_id: str | None = None


async def announce(announcements: Iterable[Announcement]) -> None:
    """Emit the monitor's events to Prefect (they show in the UI's event feed; automations can
    trigger on them), with the pipeline's deployment and flow run as related resources."""
    from prefect.events import Event
    from prefect.events.clients import get_events_client

    async with get_events_client() as client:
        for item in announcements:
            related = []
            if item.deployment_id:
                related.append(
                    {
                        "prefect.resource.id": f"prefect.deployment.{item.deployment_id}",
                        "prefect.resource.role": "deployment",
                        "prefect.resource.name": item.pipeline or "",
                    }
                )
            if item.flow_run_id:
                related.append(
                    {
                        "prefect.resource.id": f"prefect.flow-run.{item.flow_run_id}",
                        "prefect.resource.role": "flow-run",
                    }
                )
            subject = item.pipeline or "fleet"
            await client.emit(
                Event(
                    event=item.name,
                    resource={
                        "prefect.resource.id": f"jupyter-promote.pipeline.{subject}",
                        "prefect.resource.name": subject,
                    },
                    related=related,
                    payload=item.payload,
                )
            )


def run_async(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end from synchronous code."""
    return asyncio.run(coroutine)
