"""SLA early warning: at risk before the deadline, missed at it, recovered after a risk.

A pipeline with an SLA ("ready by 09:00 Europe/London") has an *SLA day* for each local day
with a run due before the deadline (a slot of its schedule or of a ``scheduled`` event; for an
unscheduled pipeline, a run started that day). A day is watched from the previous day's
deadline on (or its local midnight, at the start), since the upstream runs that feed a morning
report in New York may run the evening before, New York time. The day's prediction
(:mod:`.predict`) is re-checked after every event that can change it (an event of the pipeline
or of an upstream), and at the earliest moment the passing of time alone could make it reach
the deadline: the prediction never moves faster than the clock, and not at all before the
runs it waits for are due (or past their p90), so after a check at ``t`` predicting ``r`` that
stays put until ``s``, the next one is due at ``max(t, s) + (deadline - margin - r)``. So "at
risk" is raised the moment the prediction reaches the deadline, not at the next event.

- **at risk**: joins the open incident of the prediction's cause (the pipeline itself, or the
  upstream whose trouble or lateness sets the prediction; or the incident still waiting for
  that cause to catch up), as an escalation; without one it opens an incident of kind
  ``sla-at-risk`` rooted at the cause;
- **missed** at the deadline if not done: an escalation of the day's incident (if still open),
  or of the cause's, or an opening (``sla-missed``);
- **recovered**: done by the deadline after a risk: an ``sla-recovered`` update of the
  incident (when the completion resolves that incident, its resolution says it instead).
"""

from __future__ import annotations

from datetime import date, datetime

from jupyter_promote.monitor.alerts import SlaNote
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.incidents import Desk
from jupyter_promote.monitor.messages import clock, when
from jupyter_promote.monitor.model import Incident, MonitorConfig, MonitorState, SlaDay, sla_key
from jupyter_promote.monitor.predict import Memo, Predictor, Readiness
from jupyter_promote.monitor.slots import DAY, SlotBook, deadline, local_day


class SlaWatch:
    """The SLA rules over the monitor's state."""

    def __init__(
        self, view: FleetView, config: MonitorConfig, state: MonitorState, desk: Desk,
        predictor: Predictor, slots: SlotBook,
    ) -> None:  # fmt: skip
        self.view, self.config, self.state = view, config, state
        self.desk, self.predictor, self.slots = desk, predictor, slots

    def open_day(self, name: str, day: date, now: datetime, then: bool = True) -> None:
        """Start watching ``name``'s SLA of ``day`` if a run is due before its deadline (if
        that deadline has passed, and ``then``: the next day's)."""
        pipeline = self.view.pipeline(name)
        if not pipeline.sla:
            return
        end = deadline(pipeline.sla, day, pipeline.timezone)
        if end <= now:
            if then:
                self.open_day(name, day + DAY, now, then=False)
            return
        due = self.slots.first_due(name, day, end)
        started = self.state.started_at
        if due is not None and started is not None and due >= started:
            self._watch(name, day, due, end, now)

    def run_due(self, name: str, at: datetime, now: datetime) -> None:
        """A run of ``name`` is due or started at ``at``: watch that day's SLA if not yet."""
        pipeline = self.view.pipeline(name)
        if not pipeline.sla:
            return
        day = local_day(at, pipeline.timezone)
        end = deadline(pipeline.sla, day, pipeline.timezone)
        if sla_key(name, day) not in self.state.sla_days and at <= end and now < end:
            self._watch(name, day, at, end, now)

    def _watch(self, name: str, day: date, due: datetime, end: datetime, now: datetime) -> None:
        key = sla_key(name, day)
        if key in self.state.sla_days:
            return
        self.state.sla_days[key] = SlaDay(pipeline=name, day=day, due=due, deadline=end)
        self.state.sla_current[name] = key
        self.state.push(end, "deadline", name, key)
        self.evaluate([name], now)

    def evaluate(self, names: list[str], now: datetime) -> None:
        """Re-check the watched SLA days of ``names`` (the predictor shares its predictions
        at one instant between checks)."""
        for name in names:
            key = self.state.sla_current.get(name)
            if key is not None:
                self._check(self.state.sla_days[key], now, None)

    def on_check(self, key: str, at: datetime) -> None:
        """A check timer: re-check if it is still the one due."""
        day = self.state.sla_days.get(key)
        if day is None or day.next_check != at:
            return
        if self.state.sla_current.get(day.pipeline) == key:
            self._check(day, at, None)

    def _check(self, day: SlaDay, now: datetime, memo: Memo | None) -> None:
        if day.state not in ("ok", "at-risk") or now > day.deadline:
            return
        if day.state == "at-risk":  # nothing left to tell but that it is done
            done = self.predictor.done_at(day.pipeline, day.due)
            if done is not None:
                self._done(day, Readiness("done", done, day.pipeline))
            return
        found = self.predictor.ready(day.pipeline, day.due, now, memo)
        if found.status == "done":
            self._done(day, found)
            return
        threshold = day.deadline - self.config.at_risk_margin
        if found.at is None or found.at >= threshold:
            self._at_risk(day, found, now)
        else:  # the prediction stays put until still_until, then moves at most with the clock
            check = max(now, found.still_until or now) + (threshold - found.at)
            if day.next_check == check:
                return
            day.next_check = check
            self.state.push(check, "check", day.pipeline, sla_key(day.pipeline, day.day))

    def _done(self, day: SlaDay, found: Readiness) -> None:
        day.done_at = found.at
        self.state.sla_current.pop(day.pipeline, None)
        if day.state != "at-risk":
            return
        day.state = "recovered"
        incident = self.state.incidents.get(day.incident or "")
        if incident is None or not incident.is_open or self.desk.settled_by(incident, day.pipeline):
            return  # resolved already, or about to be by this completion: its alert says it
        tz = self.view.pipeline(day.pipeline).timezone
        assert found.at is not None
        headline = (
            f"{day.pipeline}: SLA recovered: ready at {clock(found.at, tz)}, in time for"
            f" {clock(day.deadline, tz)}"
        )
        self.desk.update(incident, "sla-recovered", day.pipeline, headline, note(day, found.at))

    def _at_risk(self, day: SlaDay, found: Readiness, now: datetime) -> None:
        name, cause = day.pipeline, found.cause
        headline = self._risk_headline(day, found)
        incident = self.desk.owning(cause)
        if incident is None:
            day.state = "at-risk"
            sla = note(day, found.at)
            look = self._look(day, found)
            incident = self.desk.open("sla-at-risk", cause, name, headline, look, sla=sla)
        else:
            reason = self.desk.join(incident, name, "sla-at-risk")
            text = f"{headline}; {reason}" if reason else headline
            day.state = "at-risk"
            self.desk.escalate(incident, "sla-at-risk", name, text, note(day, found.at))
        day.incident = incident.id
        day.warned_at, day.predicted = now, found.at
        incident.sla_days.append(sla_key(name, day.day))

    def on_deadline(self, key: str, now: datetime) -> None:
        """The deadline of an SLA day: missed if its output is not ready. The next day's SLA
        is watched from now on (its upstream runs may come before its local midnight)."""
        day = self.state.sla_days[key]
        if self.state.sla_current.get(day.pipeline) == key:
            del self.state.sla_current[day.pipeline]
        if day.state in ("ok", "at-risk") and day.done_at is None:
            self._missed(day, key, now)
        self.open_day(day.pipeline, day.day + DAY, now, then=False)

    def _missed(self, day: SlaDay, key: str, now: datetime) -> None:
        found = self.predictor.ready(day.pipeline, day.due, now)
        if found.status == "done":  # completed at the deadline itself: in time
            self._done(day, found)
            return
        day.state = "missed"
        tz = self.view.pipeline(day.pipeline).timezone
        headline = f"{day.pipeline}: SLA missed: not ready by {when(day.deadline, tz)}"
        incident = self._open_incident(day.incident) or self.desk.owning(found.cause)
        sla = note(day, found.at)
        if incident is None:
            look = self._look(day, found)
            incident = self.desk.open(
                "sla-missed", found.cause, day.pipeline, headline, look, sla=sla
            )
        else:
            self.desk.join(incident, day.pipeline, "sla-missed")
            self.desk.escalate(incident, "sla-missed", day.pipeline, headline, sla)
        day.incident = incident.id
        if key not in incident.sla_days:
            incident.sla_days.append(key)

    def _open_incident(self, incident_id: str | None) -> Incident | None:
        incident = self.state.incidents.get(incident_id or "")
        return incident if incident is not None and incident.is_open else None

    def _risk_headline(self, day: SlaDay, found: Readiness) -> str:
        tz = self.view.pipeline(day.pipeline).timezone
        head = f"{day.pipeline}: SLA at risk: due ready by {clock(day.deadline, tz)}"
        if found.at is not None:
            cause = "" if found.cause == day.pipeline else f" (waiting for {found.cause})"
            return f"{head}, predicted ready at {clock(found.at, tz)}{cause}"
        if found.cause == day.pipeline:
            return f"{head}, but its run failed and has not completed since"
        return f"{head}, but upstream {found.cause} failed and has not completed since"

    def _look(self, day: SlaDay, found: Readiness) -> dict[str, object]:
        look: dict[str, object] = {"deadline": day.deadline.isoformat(), "cause": found.cause}
        if found.at is not None:
            look["predicted"] = found.at.isoformat()
        estimate = self.predictor.expected_duration(found.cause)
        look["durations"] = f"{found.cause}: {estimate.describe()}"
        return look


def note(day: SlaDay, predicted: datetime | None) -> SlaNote:
    """What an alert says of an SLA day (its state as set before the alert)."""
    found = {"pipeline": day.pipeline, "deadline": day.deadline.isoformat(), "state": day.state}
    return found | ({"predicted": predicted.isoformat()} if predicted else {})
