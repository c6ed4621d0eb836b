"""Properties of the monitor's policy over generated fleets and timelines: small lineage graphs
with random tiers, schedules, SLAs and timezones, and days of random run events, ticks, members
leaving, acknowledgements and resolutions by hand. Whatever happens:

- an incident opens once (one opening alert, at once or in a digest), and its root cause is
  upstream of (or is) every pipeline its alerts are about;
- a replay is deterministic, and stopping at any point, saving the state as JSON and carrying on
  with a new monitor says exactly the same (a restart sends nothing twice);
- a resolved incident says nothing more; a low-tier one never goes out at once;
- every alert reaches the owner of what it is about, or their team.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_promote.fleet.model import FleetPipeline
from jupyter_promote.fleet.roster import parse_roster
from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.model import RUN_KINDS, MonitorState
from jupyter_promote.monitor.policy import Monitor
from jupyter_promote.monitor.timeline import Event

UTC = timezone.utc
START = datetime(2026, 10, 24, tzinfo=UTC)  # Europe/London leaves summer time the next day
OWNERS = {"ana": "data", "ben": "data", "cy": "risk"}
TIERS = ("critical", "high", "normal", "low")
RUN_EVENTS = ("scheduled", "started", "completed", "failed", "gate-failed", "crashed")
STEPS = ["load", "publish"]
BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_DIGEST_LINE = re.compile(r"^- (inc-\d+) (\w+) ", re.MULTILINE)

ROSTER = parse_roster(
    "teams:\n- name: data\n  members: [{id: ana}, {id: ben}]\n- name: risk\n  members: [{id: cy}]\n"
)
#: A hand action: ("ack" | "resolve", when, which open incident).
Action = Event | tuple[str, datetime, int]


# -- generated fleets and timelines ---------------------------------------------------------------
@st.composite
def pipelines(draw: st.DrawFn, index: int) -> FleetPipeline:
    owner = draw(st.sampled_from(sorted(OWNERS)))
    reads = draw(st.sets(st.integers(0, index - 1), max_size=2)) if index else set()
    hour = draw(st.one_of(st.none(), st.integers(0, 12)))
    sla = None
    if draw(st.booleans()):
        sla = f"{(hour if hour is not None else 6) + draw(st.integers(1, 6)):02d}:00"
    return FleetPipeline(
        f"p{index}", owner, OWNERS[owner], draw(st.sampled_from(TIERS)),
        reads=[f"file:d{i}.csv" for i in sorted(reads)], writes=[f"file:d{index}.csv"],
        schedule=None if hour is None else f"{draw(st.integers(0, 59))} {hour} * * *",
        timezone=draw(st.sampled_from(["UTC", "Europe/London"])), sla=sla,
        promoted_at="2026-10-01T00:00:00+00:00",
    )  # fmt: skip


@st.composite
def fleets(draw: st.DrawFn) -> FleetView:
    count = draw(st.integers(2, 6))
    found = [draw(pipelines(i)) for i in range(count)]
    roster = ROSTER if draw(st.booleans()) else None
    with_steps = draw(st.sets(st.sampled_from([p.name for p in found])))
    return FleetView.build(found, roster, {name: list(STEPS) for name in with_steps})


@st.composite
def timelines(draw: st.DrawFn, view: FleetView) -> list[Action]:
    names = sorted(view.pipelines)
    runs = dict.fromkeys(names, 0)
    at = START
    found: list[Action] = []
    for _ in range(draw(st.integers(1, 30))):
        at += timedelta(minutes=draw(st.sampled_from([0, 1, 5, 10, 30, 60, 120, 240])))
        kind = draw(st.sampled_from([*RUN_EVENTS, "started", "completed", "tick", "leave", "hand"]))
        if kind == "tick":
            found.append(Event(at=at, event="tick"))
        elif kind == "leave":
            found.append(Event(at=at, event="roster-leave", member=draw(st.sampled_from(["ben"]))))
        elif kind == "hand":
            found.append((draw(st.sampled_from(["ack", "resolve"])), at, draw(st.integers(0, 9))))
        else:
            name = draw(st.sampled_from(names))
            runs[name] += kind in ("scheduled", "started") and draw(st.booleans())
            step = draw(st.sampled_from([None, *view.steps.get(name, [])]))
            found.append(_run_event(at, kind, name, f"{name}-r{runs[name]}", step))
    return found


def _run_event(at: datetime, kind: str, name: str, run: str, step: str | None) -> Event:
    fields: dict[str, Any] = {"pipeline": name, "run": run}
    if step and kind != "scheduled":
        fields["step"] = step
    if kind == "gate-failed":
        fields["detail"] = {"cell": 3, "observed": "2 of 100 outside"}
    return Event(at=at, event=kind, **fields)


scenarios = fleets().flatmap(lambda view: st.tuples(st.just(view), timelines(view)))


# -- playing them ---------------------------------------------------------------------------------
def play(
    view: FleetView, actions: list[Action], restart_at: int | None = None
) -> tuple[list[Alert], Monitor]:
    """Every alert of the actions, then two more days of the clock (so digests go out); with
    ``restart_at``, the monitor is replaced by one loaded from its JSON state there."""
    monitor = Monitor(view)
    alerts: list[Alert] = []
    for index, action in enumerate(actions):
        if index == restart_at:
            state = MonitorState.model_validate_json(monitor.state.model_dump_json())
            monitor = Monitor(view, state=state)
        alerts += _apply(monitor, action)
    last = actions[-1].at if isinstance(actions[-1], Event) else actions[-1][1]
    return alerts + monitor.advance(last + timedelta(days=2)), monitor


def _apply(monitor: Monitor, action: Action) -> list[Alert]:
    if isinstance(action, Event):
        return monitor.feed(action)
    verb, at, which = action
    open_now = sorted(i.id for i in monitor.incidents(open_only=True))
    if not open_now:
        return monitor.advance(at)
    chosen = open_now[which % len(open_now)]
    if verb == "ack":
        return monitor.ack(chosen, "ana", at=at)
    return monitor.resolve(chosen, "ana", at=at)


def _openings(alerts: list[Alert]) -> list[tuple[str, str]]:
    """(incident, recipient) for each opening told: at once, or in a recipient's digest."""
    found = [(a.incident, r) for a in alerts if a.phase == "opened" and a.incident for r in a.to]
    for digest in (a for a in alerts if a.kind == "digest"):
        lines = _DIGEST_LINE.findall(digest.message)
        found += [(i, digest.to[0]) for i, phase in lines if phase == "opened"]
    return found


# -- the properties -------------------------------------------------------------------------------
@BOUNDED
@given(scenarios)
def test_each_incident_opens_once(scenario):
    view, actions = scenario
    alerts, monitor = play(view, actions)
    openings = _openings(alerts)
    assert len(openings) == len(set(openings)), "nobody hears of an opening twice"
    at_once = [a.incident for a in alerts if a.phase == "opened"]
    assert len(at_once) == len(set(at_once)), "one opening alert per incident"
    told = {incident for incident, _ in openings}
    last_digest = monitor.state.last_digest
    for incident in monitor.incidents():
        late = last_digest is None or incident.opened_at > last_digest
        assert incident.id in told or late  # a low-tier one waits for the next digest


@BOUNDED
@given(scenarios)
def test_the_root_cause_is_upstream_of_everything_its_incident_is_about(scenario):
    view, actions = scenario
    alerts, monitor = play(view, actions)
    for alert in alerts:
        if alert.incident is None:
            continue
        incident = monitor.incident(alert.incident)
        assert alert.root_cause == incident.root_cause
        if incident.kind not in RUN_KINDS:
            continue  # an orphaned or stale notice is about its member or pipeline
        about = {alert.pipeline, *alert.affected, *(n["pipeline"] for n in alert.slas)}
        for name in about:
            assert name == incident.root_cause or incident.root_cause in view.upstream_closure(
                str(name)
            )
        assert set(alert.affected) <= set(view.blast_radius(incident.root_cause))


@BOUNDED
@given(scenarios, st.data())
def test_a_replay_is_deterministic_and_a_restart_at_any_point_says_the_same(scenario, data):
    view, actions = scenario
    alerts, _ = play(view, actions)
    again, _ = play(view, actions)
    restart = data.draw(st.integers(0, len(actions) - 1), label="restart at")
    resumed, _ = play(view, actions, restart_at=restart)
    expected = [a.to_dict() for a in alerts]
    assert [a.to_dict() for a in again] == expected
    assert [a.to_dict() for a in resumed] == expected


@BOUNDED
@given(scenarios)
def test_a_resolved_incident_says_nothing_more(scenario):
    view, actions = scenario
    alerts, monitor = play(view, actions)
    for incident in monitor.incidents():
        phases = [record.phase for record in incident.alerts]
        assert "resolved" not in phases[:-1]
        assert (incident.status == "resolved") == (phases[-1:] == ["resolved"])
    resolved: set[str] = set()
    for alert in alerts:
        if alert.kind == "digest":
            lines = _DIGEST_LINE.findall(alert.message)
            assert not any(i in resolved for i, _ in lines)
            resolved |= {i for i, phase in lines if phase == "resolved"}
            continue
        assert alert.incident not in resolved
        if alert.phase == "resolved":
            resolved.add(str(alert.incident))


@BOUNDED
@given(scenarios)
def test_low_tier_never_goes_out_at_once_and_every_alert_reaches_the_owner_or_team(scenario):
    view, actions = scenario
    alerts, monitor = play(view, actions)
    assert [a.at for a in alerts] == sorted(a.at for a in alerts)
    for alert in alerts:
        assert alert.to
        assert (alert.channel == "digest") == (alert.effective_tier == "low")
        if alert.kind == "digest" or monitor.incident(str(alert.incident)).kind == "orphaned":
            continue
        for name in {alert.pipeline, *(n["pipeline"] for n in alert.slas)}:
            pipeline = view.pipeline(str(name))
            assert pipeline.owner in alert.to or f"team {pipeline.team}" in alert.to
