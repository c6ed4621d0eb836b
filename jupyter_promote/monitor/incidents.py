"""Incidents: one per root cause, and the only alerts there are.

An incident *opens* (one alert), *escalates* (SLA at risk -> missed; its effective tier rises;
its blast radius reaches a high or critical pipeline; an SLA it endangers), sends an *update*
when an SLA it endangered recovers, and *resolves* (one alert) when its root cause ran again
and the pipelines it held up caught up. Everything else that happens inside it (a repeated
failure of its root, a downstream failure joining it) is only recorded. Acknowledged incidents
send no escalation but "SLA missed". Low-tier incidents send nothing at once: their lines wait
for the daily digest of each recipient (:mod:`.digest`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jupyter_promote.fleet.model import TIER_RANK, highest_tier
from jupyter_promote.monitor.alerts import Alert, AlertKind, Phase, SlaNote
from jupyter_promote.monitor.digest import queue
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.messages import compose, resolution_headline, when
from jupyter_promote.monitor.model import (
    HELD,
    RUN_KINDS,
    TROUBLE,
    AlertRecord,
    Incident,
    IncidentEvent,
    IncidentKind,
    MonitorState,
)
from jupyter_promote.monitor.routing import TEAM_TIERS, Route, Router


class Desk:
    """Opens, joins, escalates and resolves incidents; collects the alerts in :attr:`out`."""

    def __init__(self, view: FleetView, state: MonitorState, router: Router) -> None:
        self.view = view
        self.state = state
        self.router = router
        self.out: list[Alert] = []
        self._drafts: dict[tuple[str, datetime], _Draft] = {}  # (incident, instant) -> alert

    @property
    def now(self) -> datetime:
        assert self.state.clock is not None, "the monitor's clock is set before any rule runs"
        return self.state.clock

    # -- finding ------------------------------------------------------------------------------
    def open_for_root(self, root: str) -> Incident | None:
        """The open (or acknowledged) run incident whose root cause is ``root``."""
        found = self.state.open_by_root.get(root)
        return self.state.incidents[found] if found else None

    def covering(self, pipeline: str) -> Incident | None:
        """The earliest open incident of an upstream of ``pipeline`` that failed or was late
        and has not run again since: the one ``pipeline``'s own trouble joins."""
        above = self.view.upstream_closure(pipeline)
        best: Incident | None = None
        for root, incident_id in self.state.open_by_root.items():
            incident = self.state.incidents[incident_id]
            if root not in above or not incident.trouble or incident.root_ran_at is not None:
                continue
            if best is None or _older(incident, best):
                best = incident
        return best

    def holding(self, pipeline: str) -> Incident | None:
        """The earliest open incident still waiting for ``pipeline`` to catch up."""
        found = self.waiting_for(pipeline)
        return found[0] if found else None

    def waiting_for(self, pipeline: str) -> list[Incident]:
        """Open incidents waiting for ``pipeline`` to catch up, oldest first."""
        found = [
            self.state.incidents[i]
            for i in self.state.open_by_root.values()
            if pipeline in self.state.incidents[i].waiting
        ]
        return sorted(found, key=lambda i: (i.opened_at, int(i.id.split("-")[1])))

    def owning(self, pipeline: str) -> Incident | None:
        """The incident a problem of ``pipeline`` belongs to: its own, else a covering one,
        else one still waiting for it to catch up."""
        return self.open_for_root(pipeline) or self.covering(pipeline) or self.holding(pipeline)

    # -- life cycle -----------------------------------------------------------------------------
    def open(
        self,
        kind: IncidentKind,
        root: str,
        pipeline: str,
        headline: str,
        look: dict[str, Any],
        *,
        members: list[str] | None = None,
        member: str | None = None,
        sla: SlaNote | None = None,
    ) -> Incident:
        """Open an incident and send its one opening alert.

        Args:
            members: An orphaned incident's pipelines (its blast radius), instead of the
                root cause's downstream pipelines.
        """
        tiers = [self.view.effective_tier(n) for n in (members or [root])]
        incident = Incident(
            id=self.state.new_incident_id(), kind=kind, root_cause=root, pipeline=pipeline,
            opened_at=self.now, blast_radius=members or self.view.blast_radius(root),
            affected=list(members or ([pipeline] if pipeline != root else [])),
            effective_tier=highest_tier(*tiers),
            reached_tier=highest_tier(*(self.view.pipeline(n).tier for n in {root, pipeline})),
            trouble=kind in TROUBLE, first_look=look, member=member,
            waiting=[pipeline] if pipeline != root and kind in HELD else [],
        )  # fmt: skip
        self.state.incidents[incident.id] = incident
        if kind in RUN_KINDS:
            self.state.open_by_root[root] = incident.id
        else:
            self.state.notices[notice_key(kind, member or root)] = incident.id
        self._record(incident, pipeline, kind)
        self.emit(incident, kind, "opened", pipeline, headline, sla)
        return incident

    def repeat(self, incident: Incident, pipeline: str, kind: str) -> None:
        """Record the same root's trouble again: nothing is sent (if it had run again since,
        it is back in trouble: the next completion resolves it)."""
        self._record(incident, pipeline, kind)
        if kind in TROUBLE:
            incident.trouble = True
            incident.root_ran_at = incident.root_run = None

    def join(self, incident: Incident, pipeline: str, kind: str) -> str:
        """Add ``pipeline`` to what ``incident`` affects; the escalation reason ("" for none):
        the incident's effective tier rose, or it now reaches a pipeline whose own tier is high
        or critical and above any it reached before (the damage reaches what matters)."""
        self._record(incident, pipeline, kind)
        if pipeline != incident.root_cause and pipeline not in incident.affected:
            incident.affected.append(pipeline)
        if pipeline != incident.root_cause and kind in HELD and pipeline not in incident.waiting:
            incident.waiting.append(pipeline)
        raised = highest_tier(incident.effective_tier, self.view.effective_tier(pipeline))
        own = highest_tier(self.view.pipeline(pipeline).tier)
        reason = ""
        if raised != incident.effective_tier:
            reason = f"its effective tier rose to {raised} ({pipeline})"
        elif TIER_RANK[own] < TIER_RANK[incident.reached_tier] and own in TEAM_TIERS:
            reason = f"it now reaches {pipeline} ({own})"
        incident.effective_tier = raised
        incident.reached_tier = highest_tier(incident.reached_tier, own)
        return reason

    def settle(self, incident: Incident, timed_out: bool = False) -> None:
        """Resolve ``incident`` once its root ran again and what it held up caught up (or,
        ``timed_out``, the catch-up wait is over)."""
        if not incident.is_open or incident.root_ran_at is None:
            return
        if incident.waiting and not timed_out:
            return
        days = [self.state.sla_days[key] for key in incident.sla_days]
        recovered = [d.pipeline for d in days if d.state == "recovered"]
        tz = self.view.pipeline(incident.root_cause).timezone
        self.resolve(incident, "monitor", resolution_headline(incident, self.now, tz, recovered))

    def settled_by(self, incident: Incident, pipeline: str) -> bool:
        """Whether a completed run of ``pipeline`` (about to be recorded) resolves
        ``incident``: its root with nothing held up, or the last held-up pipeline after the
        root ran again."""
        if pipeline == incident.root_cause and incident.root_ran_at is None:
            return not incident.waiting
        return incident.root_ran_at is not None and incident.waiting == [pipeline]

    def ran(self, incident: Incident, pipeline: str, completed: bool) -> None:
        """A pipeline ``incident`` waits for ran: caught up (``completed``), or its run failed
        (its trouble is now its own)."""
        if pipeline in incident.waiting:
            incident.waiting.remove(pipeline)
            if completed and pipeline not in incident.caught_up:
                incident.caught_up.append(pipeline)

    def escalate(
        self, incident: Incident, kind: AlertKind, pipeline: str, headline: str,
        sla: SlaNote | None = None,
    ) -> None:  # fmt: skip
        """Send an escalation (not for an acknowledged incident, unless an SLA was missed)."""
        if incident.status == "acknowledged" and kind != "sla-missed":
            return
        self.emit(incident, kind, "escalated", pipeline, headline, sla)

    def update(
        self, incident: Incident, kind: AlertKind, pipeline: str, headline: str, sla: SlaNote
    ) -> None:
        """Send good news about an open incident (an SLA it endangered recovered)."""
        self.emit(incident, kind, "update", pipeline, headline, sla)

    def acknowledge(self, incident: Incident, by: str) -> None:
        """Acknowledge: escalations stop, except SLA missed; resolution is still sent."""
        if incident.status == "open":
            incident.status = "acknowledged"
            incident.acknowledged_at, incident.acknowledged_by = self.now, by

    def resolve(self, incident: Incident, by: str, headline: str) -> None:
        """Resolve ``incident`` and send its one resolution alert (nothing if resolved)."""
        if not incident.is_open:
            return
        incident.status = "resolved"
        incident.resolved_at, incident.resolved_by = self.now, by
        for mapping in (self.state.open_by_root, self.state.notices):
            for key in [k for k, v in mapping.items() if v == incident.id]:
                del mapping[key]
        self.emit(incident, "resolved", "resolved", incident.root_cause, headline)

    # -- alerts ---------------------------------------------------------------------------------
    def emit(
        self, incident: Incident, kind: AlertKind, phase: Phase, pipeline: str, headline: str,
        sla: SlaNote | None = None,
    ) -> None:  # fmt: skip
        """Route and send (or queue for the digest) one alert of ``incident``.

        An escalation at the same instant as an alert of the same incident already made (its
        opening, or an escalation of the same kind: one failure putting several SLAs at risk)
        is merged into it: one alert, every pipeline's line, every recipient."""
        route = self._route(incident, pipeline, phase)
        incident.alerts.append(
            AlertRecord(
                at=self.now,
                kind=kind,
                phase=phase,
                pipeline=pipeline,
                to=route.to,
                channel=route.channel,
            )
        )
        if route.channel == "digest":
            self._queue(incident, phase, headline, route.to)
            return
        key = (incident.id, self.now)
        draft = self._drafts.get(key)
        if draft is None or not draft.takes(kind, phase):
            draft = self._drafts[key] = _Draft(len(self.out), kind, phase, pipeline)
            self.out.append(self._alert(incident, draft))  # a place, filled below
        draft.add(headline, route, sla)
        self.out[draft.index] = self._alert(incident, draft)

    def take(self) -> list[Alert]:
        """The alerts made since the last call."""
        taken, self.out = self.out, []
        self._drafts.clear()
        return taken

    def _alert(self, incident: Incident, draft: _Draft) -> Alert:
        headline = "\n".join(draft.headlines)
        message = compose(self.view, incident, headline, draft.pipeline, draft.notes)
        return Alert(
            at=self.now, incident=incident.id, kind=draft.kind, pipeline=draft.pipeline,
            root_cause=incident.root_cause, blast_radius=list(incident.blast_radius),
            effective_tier=incident.effective_tier, to=list(draft.to), channel="immediate",
            message=message, first_look=dict(incident.first_look), phase=draft.phase,
            affected=list(incident.affected),
            deadline=datetime.fromisoformat(draft.slas[0]["deadline"]) if draft.slas else None,
            slas=list(draft.slas),
        )  # fmt: skip

    def _route(self, incident: Incident, pipeline: str, phase: Phase) -> Route:
        tier = incident.effective_tier
        if incident.kind == "orphaned":
            teams = [self.view.pipeline(n).team for n in incident.blast_radius]
            return self.router.route_teams(
                [*teams, *self.router.teams_of(incident.member or "")], tier
            )
        names = [incident.root_cause, pipeline]
        if phase == "resolved":
            names += [a.pipeline for a in incident.alerts if a.pipeline]
        return self.router.route(names, tier)

    def _queue(self, incident: Incident, phase: Phase, headline: str, to: Iterable[str]) -> None:
        tz = self.view.pipeline(incident.root_cause).timezone
        queue(self.state, incident, f"{phase} {when(self.now, tz)}: {headline}", to, self.now)

    def _record(self, incident: Incident, pipeline: str, kind: str) -> None:
        incident.events.append(IncidentEvent(at=self.now, pipeline=pipeline, kind=kind))


@dataclass
class _Draft:
    """An alert being made at this instant: what merges into it."""

    index: int
    kind: AlertKind
    phase: Phase
    pipeline: str
    headlines: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    slas: list[SlaNote] = field(default_factory=list)

    def takes(self, kind: AlertKind, phase: Phase) -> bool:
        """Whether an alert of ``kind`` and ``phase`` merges into this one."""
        return phase == "escalated" and (self.phase == "opened" or self.kind == kind)

    def add(self, headline: str, route: Route, sla: SlaNote | None) -> None:
        self.headlines.append(headline)
        self.to += [r for r in route.to if r not in self.to]
        self.notes += [n for n in route.notes if n not in self.notes]
        self.slas += [sla] if sla else []


def notice_key(kind: str, subject: str) -> str:
    """The key of a notice incident (``stale:PIPELINE``, ``orphaned:MEMBER``)."""
    return f"{kind}:{subject}"


def _older(a: Incident, b: Incident) -> bool:
    return (a.opened_at, int(a.id.split("-")[1])) < (b.opened_at, int(b.id.split("-")[1]))
