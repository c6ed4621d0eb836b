"""The monitor's policy: a pure function of (fleet, event timeline, clock) -> alerts.

:class:`Monitor` keeps its memory in a :class:`~.model.MonitorState` (JSON), reads the fleet
through a :class:`~.fleetview.FleetView`, and never reads a clock, a network or a database:
the time is whatever :meth:`Monitor.feed` and :meth:`Monitor.advance` are given. The live
monitor feeds it Prefect's events; :mod:`.replay` feeds it a timeline file. Same code.

Rules (the details are in :mod:`.incidents`, :mod:`.sla`, :mod:`.routing`):

- a failed, gate-failed or crashed run opens an incident of that kind, unless its pipeline
  already has one open (nothing new) or an open incident of an upstream that failed or was
  late covers it (it joins that one: its blast radius grows);
- a run due (manifest schedule, or a ``scheduled`` event) and not started ``late_after``
  later: an incident of kind ``late`` rooted at what it waits for (or it joins, as above).
  A run whose upstream delivered only after its slot is late ``late_after`` after that
  delivery, not after its slot: it could not start before;
- SLA at risk / missed / recovered (:mod:`.sla`);
- the next completed run of an incident's root cause resolves it, once the pipelines it held
  up (that joined it late or with an SLA at risk) have completed a run too, or
  ``catch_up_within`` later whatever they did: one incident from the first symptom to the
  end of the knock-on delays, so a downstream still catching up opens nothing new;
- ``roster-leave``: one ``orphaned`` incident per member who owned pipelines;
- :meth:`Monitor.stale_notice`: one ``stale`` incident per pipeline;
- :meth:`Monitor.ack` and :meth:`Monitor.resolve` by hand.

An event at the same instant as a timer (a deadline, a late check) is applied first: a run
completing at 09:00:00 made a 09:00 deadline.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any, cast

from jupyter_promote.errors import PromoteError
from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.digest import digests
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.history import minutes
from jupyter_promote.monitor.incidents import Desk, notice_key
from jupyter_promote.monitor.messages import (
    failure_headline,
    first_look_of,
    late_headline,
    orphan_headline,
)
from jupyter_promote.monitor.model import (
    Incident,
    IncidentKind,
    MonitorConfig,
    MonitorState,
)
from jupyter_promote.monitor.predict import Predictor
from jupyter_promote.monitor.routing import Router
from jupyter_promote.monitor.runs import RunLog
from jupyter_promote.monitor.sla import SlaWatch
from jupyter_promote.monitor.slots import DAY, SlotBook, day_start, local_day
from jupyter_promote.monitor.timeline import FAILURES, Event
from jupyter_promote.util.spelling import did_you_mean

__all__ = ["Alert", "Monitor", "MonitorConfig", "MonitorState", "UnknownIncident"]

UTC = timezone.utc


class UnknownIncident(PromoteError):
    """No incident has that id."""

    http_status = 404

    def __init__(self, incident_id: str, known: list[str]) -> None:
        super().__init__(
            f'no incident "{incident_id}"{did_you_mean(incident_id, known)}',
            hint="list them with `jupyter promote incidents`",
            details={"incident": incident_id},
        )


class Monitor:
    """The policy over a fleet (see the module docstring).

    Example:
        >>> from jupyter_promote.fleet.model import FleetPipeline
        >>> view = FleetView.build([FleetPipeline("extract", "ana", "data", "high")])
        >>> monitor = Monitor(view)
        >>> alert, = monitor.feed(Event.model_validate({"at": "2026-11-02T06:05:00+00:00",
        ...     "event": "crashed", "pipeline": "extract", "run": "r1"}))
        >>> alert.kind, alert.incident, alert.to
        ('crashed', 'inc-1', ['ana', 'team data'])
    """

    def __init__(
        self, fleet_view: FleetView, config: MonitorConfig | None = None,
        state: MonitorState | None = None,
    ) -> None:  # fmt: skip
        self.view = fleet_view
        self.config = config or MonitorConfig()
        self.state = state or MonitorState()
        self.slots = SlotBook(fleet_view.pipelines, self.state)
        self.predictor = Predictor(fleet_view, self.state, self.config, self.slots)
        self.desk = Desk(fleet_view, self.state, Router(fleet_view, self.state))
        self.runs = RunLog(self.state, self.config.history_runs)
        self.sla = SlaWatch(
            fleet_view, self.config, self.state, self.desk, self.predictor, self.slots
        )

    # -- the clock ------------------------------------------------------------------------------
    def advance(self, now: datetime) -> list[Alert]:
        """Move the clock to ``now`` (never back), firing the timers due by then included."""
        self._run_timers(now, inclusive=True)
        return self._take()

    def feed(self, event: Event) -> list[Alert]:
        """Apply one event at its time (timers due strictly before it fire first)."""
        self._run_timers(event.at, inclusive=False)
        self._apply(event)
        return self._take()

    def _run_timers(self, now: datetime, inclusive: bool) -> None:
        now = now.astimezone(UTC)
        if self.state.started_at is None:
            self._start(now)
        while (timer := self.state.pop_due(now, inclusive)) is not None:
            at, _, _, kind, pipeline, key = timer
            self.state.clock = max(self.state.clock or at, at)
            self._fire(kind, pipeline, key, at)
        self.state.clock = max(self.state.clock or now, now)

    def _start(self, now: datetime) -> None:
        self.state.started_at = self.state.clock = now
        for name, pipeline in sorted(self.view.pipelines.items()):
            if not pipeline.paused and (
                pipeline.schedule or pipeline.interval_seconds or pipeline.sla
            ):
                self.state.push(now, "day", name)
        hours, mins = map(int, self.config.digest_at.split(":"))
        first = datetime.combine(now.date(), time(hours, mins), tzinfo=UTC)
        self.state.push(first if first >= now else first + DAY, "digest")

    def _fire(self, kind: str, pipeline: str, key: str, at: datetime) -> None:
        if kind == "day":
            self._new_day(pipeline, at)
        elif kind == "late":
            self._late(pipeline, datetime.fromisoformat(key), at)
        elif kind == "check":
            self.sla.on_check(key, at)
        elif kind == "deadline":
            self.sla.on_deadline(key, at)
        elif kind == "catch-up":
            incident = self.state.incidents.get(key)
            if incident is not None:
                self.desk.settle(incident, timed_out=True)
        elif kind == "digest":
            self.desk.out += digests(self.state, at)
            self.state.push(at + DAY, "digest")

    def _new_day(self, name: str, at: datetime) -> None:
        tz = self.view.pipeline(name).timezone
        day = local_day(at, tz)
        for slot in self.slots.on_day(name, day):
            if slot >= at:
                self.state.push(slot + self.config.late_after, "late", name, slot.isoformat())
        self.sla.open_day(name, day, at)
        self.state.push(day_start(day + DAY, tz), "day", name)

    # -- events ---------------------------------------------------------------------------------
    def _apply(self, event: Event) -> None:
        now = self._now
        if event.event == "roster-leave":
            assert event.member is not None
            self._leave(event.member)
            return
        name = event.pipeline
        if name is None or name not in self.view:
            return  # tick, or a run of a flow that is not a promoted pipeline
        assert event.run is not None
        self.predictor.changed()  # runs change below: predictions made before are stale
        if event.event == "scheduled":
            self._scheduled(name, event)
        elif event.event == "started":
            self._started(name, event)
        elif event.event == "completed":
            self._completed(name, event)
        elif event.event in FAILURES:
            self._failed(name, event)
        self.predictor.changed()
        self.sla.evaluate(self.view.sla_watchers(name), now)

    @property
    def _now(self) -> datetime:
        assert self.state.clock is not None
        return self.state.clock

    def _scheduled(self, name: str, event: Event) -> None:
        slot = event.at.astimezone(UTC)
        if slot not in self.slots.on_day(name, local_day(slot, self.view.pipeline(name).timezone)):
            self.runs.announce(name, slot, self._now)
            self.slots.forget(name)
            self.state.push(slot + self.config.late_after, "late", name, slot.isoformat())
        self.sla.run_due(name, slot, self._now)

    def _started(self, name: str, event: Event) -> None:
        run = self.runs.started(name, event, self._now)
        self.sla.run_due(name, run.started, self._now)

    def _completed(self, name: str, event: Event) -> None:
        self.runs.completed(name, event, self._now)
        if event.step:
            return
        self.predictor.forget(name)
        self.sla.evaluate([name], self._now)  # an SLA recovered: before the resolution says so
        for incident in self.desk.waiting_for(name):
            self.desk.ran(incident, name, completed=True)
            self.desk.settle(incident)
        own = self.desk.open_for_root(name)
        if own is not None and own.root_ran_at is None:
            own.root_ran_at, own.root_run = self._now, str(event.run)
            if own.waiting:
                self.state.push(self._now + self.config.catch_up_within, "catch-up", key=own.id)
            self.desk.settle(own)

    def _failed(self, name: str, event: Event) -> None:
        self.runs.failed(name, event, self._now)
        for incident in self.desk.waiting_for(name):  # it ran: its failure is its own
            self.desk.ran(incident, name, completed=False)
            self.desk.settle(incident)
        kind = cast(IncidentKind, event.event)
        self._trouble(name, kind, failure_headline(event), first_look_of(event))

    def _trouble(
        self, name: str, kind: IncidentKind, headline: str, look: dict[str, Any], cause: str = ""
    ) -> None:
        """A failure or lateness of ``name`` (because of ``cause``, an upstream not done):
        its own open incident (nothing new), a covering one or the cause's (it joins), or a
        new one rooted at the cause."""
        own = self.desk.open_for_root(name)
        if own is not None:
            self.desk.repeat(own, name, kind)
            return
        target = self.desk.covering(name)
        if target is None and cause and cause != name:
            target = self.desk.owning(cause)
            if target is not None:
                target.trouble = True  # its root now holds up a downstream run
        if target is None:
            self.desk.open(kind, cause or name, name, headline, look)
            return
        reason = self.desk.join(target, name, kind)
        if reason:
            self.desk.escalate(target, "escalated", name, f"{headline}; {reason}")

    def _late(self, name: str, slot: datetime, at: datetime) -> None:
        if self.predictor.runs_since(name, slot) or slot < (self.state.started_at or slot):
            return
        tz = self.view.pipeline(name).timezone
        cause = self.predictor.ready(name, slot, at).cause
        held = self.predictor.held_until(name, slot, at) if cause == name else None
        if held is not None and at < held + self.config.late_after:
            self.state.push(held + self.config.late_after, "late", name, slot.isoformat())
            return  # it could not start before its upstream delivered: late from then on
        headline = late_headline(name, slot, at, tz)
        if cause != name:
            headline += f", waiting for upstream {cause}"
        look = {"scheduled": slot.isoformat(), "late_by": minutes(at - slot), "waiting_for": cause}
        if cause == name:
            del look["waiting_for"]
        self._trouble(name, "late", headline, look, cause)

    # -- the roster, notices, and people --------------------------------------------------------
    def _leave(self, member: str) -> None:
        who = self.view.person(member)
        if who in self.state.left:
            return
        self.state.left[who] = self.desk.router.teams_of(member)
        owned = self.view.owned_by(member)
        if not owned or notice_key("orphaned", who) in self.state.notices:
            return
        root = self.view.most_important(owned)
        headline = orphan_headline(member, owned)
        look = {"member": member}
        self.desk.open("orphaned", root, root, headline, look, members=owned, member=who)

    def stale_notice(self, pipeline: str, at: datetime, reason: str) -> list[Alert]:
        """Tell the owner that ``pipeline`` looks unused (``reason`` says why): one ``stale``
        incident per pipeline, routed by its effective tier; resolved by hand."""
        self._run_timers(at, inclusive=True)
        if notice_key("stale", pipeline) not in self.state.notices:
            headline = f"{pipeline} looks unused: {reason}"
            self.desk.open("stale", pipeline, pipeline, headline, {"reason": reason})
        return self._take()

    def ack(self, incident_id: str, by: str, at: datetime | None = None) -> list[Alert]:
        """Acknowledge an incident (at ``at``: the clock first moves there): no more
        escalations except "SLA missed". Sends nothing itself."""
        if at is not None:
            self._run_timers(at, inclusive=True)
        self.desk.acknowledge(self.incident(incident_id), by)
        return self._take()

    def resolve(self, incident_id: str, by: str, at: datetime | None = None) -> list[Alert]:
        """Resolve an incident by hand (at ``at``: the clock first moves there): its one
        resolution alert (none if it was resolved already)."""
        if at is not None:
            self._run_timers(at, inclusive=True)
        incident = self.incident(incident_id)
        self.desk.resolve(
            incident, by, f"{incident.root_cause}: incident {incident_id} resolved by {by}"
        )
        return self._take()

    def incident(self, incident_id: str) -> Incident:
        """The incident ``incident_id``.

        Raises:
            UnknownIncident: There is none.
        """
        found = self.state.incidents.get(incident_id)
        if found is None:
            raise UnknownIncident(incident_id, list(self.state.incidents))
        return found

    def incidents(self, open_only: bool = False) -> list[Incident]:
        """Incidents, oldest first (only open and acknowledged ones with ``open_only``)."""
        found = self.state.incidents.values()
        return [i for i in found if i.is_open or not open_only]

    def _take(self) -> list[Alert]:
        return self.desk.take()
