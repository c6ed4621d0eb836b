"""The issue's figures for a simulated month (:mod:`monitor_sim`), scored against what really
happened (the generator's ground truth), never against what the monitor believes:

- **warned share**: of the *late cases* (SLA days whose output was not ready by the deadline,
  or would not have been without a rerun), the share with an immediate "at risk" alert at
  least 30 minutes before the deadline (target >= 90%);
- **openings per incident**: the real incidents are the injected faults (a failed gate, a
  crash, a slow or late run: one root cause each, whatever it held up downstream), the member
  who left and the unused pipeline; each opening alert (immediate, or a digest's "opened" line)
  is traced to the fault behind the pipeline and day it is about; at most one per real
  incident is the target. Openings no fault explains are counted as false alarms;
- **reached share**: the share of alerts that reached the current owner, or their team, of
  every pipeline they are about (target 100%).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor_sim import LEAVER, START, Fault, Simulation, day_index, run

from jupyter_promote.fleet.model import FleetPipeline
from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.model import Incident, MonitorConfig
from jupyter_promote.monitor.slots import deadline

AHEAD = timedelta(minutes=30)
TARGETS = {"warned_share": 0.9, "max_openings_per_incident": 1, "reached_share": 1.0}
#: Faults that must be told (a slow run is told only when it holds something up).
TOLD = frozenset({"bad-data", "crash", "late-start"})
_DIGEST_OPENED = re.compile(r"^- (inc-\d+) opened ", re.MULTILINE)
#: A real incident: an injected fault, ("roster-leave", member) or ("stale", pipeline).
Truth = tuple[Any, ...]


@dataclass(frozen=True)
class Opening:
    """An incident's first word: an immediate opening alert, or its line in a digest."""

    at: datetime
    incident: str
    kind: str
    pipeline: str
    root_cause: str
    day: int | None


def simulation_figures(
    pipelines: int = 36, days: int = 30, seed: int = 12, config: MonitorConfig | None = None
) -> dict[str, Any]:
    """Simulate a month of a fleet, replay it through the policy, and score it."""
    from monitor_sim import simulate

    sim = simulate(pipelines, days, seed)
    alerts, monitor = run(sim, config)
    return figures(sim, alerts, monitor.state.incidents)


def figures(sim: Simulation, alerts: list[Alert], incidents: dict[str, Incident]) -> dict[str, Any]:
    """The issue's figures (and the counts behind them), against the ground truth.

    ``incidents`` (the monitor's) is only read to know which pipeline a digest's line is about.
    """
    cases = late_cases(sim)
    warned = [case for case in cases if _warned(case, alerts)]
    opened = openings(sim, alerts, incidents)
    traced = [trace(sim, o) for o in opened]
    per_truth = Counter(t for t in traced if t is not None)
    told = {f for f in sim.faults if f[2] in TOLD and _visible(sim, f)}
    explained = _told(sim, opened, incidents)
    reached = [a for a in alerts if _reaches(sim, a, incidents)]
    warned_days = _warned_days(alerts)
    late = {(name, end.isoformat()) for name, end in cases}
    return {
        "pipelines": len(sim.pipelines),
        "days": sim.days,
        "events": len(sim.events),
        "faults": dict(sorted(Counter(kind for _, _, kind in sim.faults).items())),
        "incidents": len(incidents),
        "alerts": len(alerts),
        "alerts_by_kind": dict(sorted(Counter(a.kind for a in alerts).items())),
        "late_cases": len(cases),
        "warned_30_min_before": len(warned),
        "warned_share": len(warned) / len(cases) if cases else 1.0,
        "real_incidents_told": len(per_truth),
        "max_openings_per_incident": max(per_truth.values(), default=0),
        "openings_per_incident": sum(per_truth.values()) / max(1, len(per_truth)),
        "false_alarms": traced.count(None),
        "faults_to_tell": len(told),
        "faults_told": len(told & explained),
        "sla_days_warned": len(warned_days),
        "warned_in_time_after_all": len(warned_days - late),
        "alerts_per_real_incident": len(alerts) / max(1, len(per_truth)),
        "reached_share": len(reached) / len(alerts) if alerts else 1.0,
    }


def misses(figures: dict[str, Any]) -> list[str]:
    """The targets the figures miss, in words (empty: all met)."""
    found = []
    if figures["warned_share"] < TARGETS["warned_share"]:
        found.append(f"warned share {figures['warned_share']:.0%} < 90%")
    if figures["max_openings_per_incident"] > TARGETS["max_openings_per_incident"]:
        found.append(f"{figures['max_openings_per_incident']} opening alerts for one incident")
    if figures["reached_share"] < TARGETS["reached_share"]:
        found.append(f"reached share {figures['reached_share']:.1%} < 100%")
    return found


def summary(figures: dict[str, Any]) -> str:
    """The figures in a few lines (what ``pytest -s`` prints)."""
    f = figures
    return "\n".join([
        f"{f['pipelines']} pipelines x {f['days']} days: {f['events']:,} events, faults"
        f" {f['faults']}; {f['alerts']} alerts, {f['incidents']} incidents.",
        f"late cases warned >= 30 min before the deadline: {f['warned_30_min_before']}/"
        f"{f['late_cases']} = {f['warned_share']:.0%} (target >= 90%); SLA days warned that"
        f" made it after all: {f['warned_in_time_after_all']}/{f['sla_days_warned']}.",
        f"opening alerts per real incident: max {f['max_openings_per_incident']}, mean"
        f" {f['openings_per_incident']:.2f} over {f['real_incidents_told']} (target <= 1);"
        f" false alarms {f['false_alarms']}; faults to tell told"
        f" {f['faults_told']}/{f['faults_to_tell']}.",
        f"alerts reaching the current owner or their team: {f['reached_share']:.0%}"
        " (target 100%).",
    ])  # fmt: skip


# -- late cases -----------------------------------------------------------------------------------
def late_cases(sim: Simulation) -> list[tuple[str, datetime]]:
    """(pipeline, deadline) of each SLA day whose output was not ready by the deadline, or
    would not have been had nobody rerun a failed run."""
    found = []
    for pipeline in sim.pipelines:
        if not pipeline.sla:
            continue
        for day in range(sim.days):
            end = deadline(pipeline.sla, START + timedelta(days=day), pipeline.timezone)
            ready = sim.untouched[(pipeline.name, day)]
            if ready is None or ready > end:
                found.append((pipeline.name, end))
    return found


def _warned(case: tuple[str, datetime], alerts: list[Alert]) -> bool:
    name, end = case[0], case[1].isoformat()
    return any(
        a.at <= case[1] - AHEAD and a.channel == "immediate" and any(
            n["pipeline"] == name and n["deadline"] == end and n["state"] == "at-risk"
            for n in a.slas
        )
        for a in alerts
    )  # fmt: skip


def _warned_days(alerts: list[Alert]) -> set[tuple[str, str]]:
    return {
        (n["pipeline"], n["deadline"]) for a in alerts for n in a.slas if n["state"] == "at-risk"
    }


# -- openings, traced to what really happened ----------------------------------------------------
def openings(sim: Simulation, alerts: list[Alert], incidents: dict[str, Incident]) -> list[Opening]:
    """Every incident opening the alerts announce, at once or in a digest."""
    found = []
    digested: set[str] = set()
    for alert in alerts:
        if alert.phase == "opened" and alert.incident and alert.pipeline and alert.root_cause:
            deadlines = [n["deadline"] for n in alert.slas]
            day = _day(sim, alert.pipeline, alert.first_look, deadlines)
            found.append(Opening(alert.at, alert.incident, alert.kind, alert.pipeline,
                                 alert.root_cause, day))  # fmt: skip
        elif alert.kind == "digest":  # one digest per recipient: one opening per incident
            for incident_id in _DIGEST_OPENED.findall(alert.message):
                if incident_id not in digested:
                    digested.add(incident_id)
                    found.append(_digest_opening(sim, incidents[incident_id]))
    return found


def _digest_opening(sim: Simulation, incident: Incident) -> Opening:
    slas = [key.split("/", 1)[1] for key in incident.sla_days]
    day = _day(sim, incident.pipeline, incident.first_look, [])
    if day is None and slas:
        day = (datetime.fromisoformat(slas[0]).date() - START).days
    return Opening(incident.opened_at, incident.id, incident.kind, incident.pipeline,
                   incident.root_cause, day)  # fmt: skip


def _day(sim: Simulation, pipeline: str, look: dict[str, Any], deadlines: list[str]) -> int | None:
    """The simulated day an opening is about: its SLA's, its run's, or its late slot's."""
    tz = sim.by_name[pipeline].timezone
    if deadlines:
        return day_index(datetime.fromisoformat(deadlines[0]), tz)
    if look.get("run"):
        return int(str(look["run"]).rsplit("-", 2)[1])
    if look.get("scheduled"):
        return day_index(datetime.fromisoformat(str(look["scheduled"])), tz)
    return None


def trace(sim: Simulation, opening: Opening) -> Truth | None:
    """The real incident behind an opening (``None``: no fault explains it)."""
    if opening.kind == "orphaned":
        return ("roster-leave", LEAVER) if LEAVER in sim.left else None
    if opening.kind == "stale":
        unused = {pipeline for _, pipeline, _ in sim.stale}
        return ("stale", opening.pipeline) if opening.pipeline in unused else None
    faults = _causes(sim, opening)
    if not faults:
        return None
    own = [f for f in faults if f[1] == opening.root_cause]
    return min(own or faults)


def _causes(sim: Simulation, opening: Opening) -> set[Fault]:
    """The faults behind the pipeline and root cause an opening is about, on its day, that
    had happened by then (a fault cannot be seen before its run is due)."""
    if opening.day is None:
        return set()
    found: set[Fault] = set()
    for name in (opening.pipeline, opening.root_cause):
        found |= sim.causes.get((name, opening.day), frozenset())
    return {f for f in found if sim.slots[(f[1], f[0])] <= opening.at}


def _told(sim: Simulation, opened: list[Opening], incidents: dict[str, Incident]) -> set[Fault]:
    """Faults an opening's causes include (told at once, or as part of a bigger incident), or
    that struck a pipeline whose own incident was still open (nothing new to say)."""
    found = {f for o in opened for f in _causes(sim, o)}
    for fault in sim.faults:
        at = sim.slots[(fault[1], fault[0])]
        for o in opened:
            resolved = incidents[o.incident].resolved_at
            if o.root_cause == fault[1] and o.at <= at and (resolved is None or at < resolved):
                found.add(fault)
    return found


def _visible(sim: Simulation, fault: Fault) -> bool:
    """Whether a fault really happened: its run was not held back by an upstream failure."""
    return sim.causes[(fault[1], fault[0])] == {fault}


# -- who heard ------------------------------------------------------------------------------------
def _reaches(sim: Simulation, alert: Alert, incidents: dict[str, Incident]) -> bool:
    """Whether the alert reached the current owner (or, once they left, their team) of the
    pipeline it is about (a digest: of each incident it lists)."""
    if alert.kind == "digest":
        names = [incidents[i].pipeline for i in alert.incidents]
    else:
        names = [alert.pipeline] if alert.pipeline else []
        names += [note["pipeline"] for note in alert.slas]
    pipelines = {p.name: p for p in sim.pipelines}
    return bool(names) and all(_owner_reached(sim, pipelines[n], alert) for n in names)


def _owner_reached(sim: Simulation, pipeline: FleetPipeline, alert: Alert) -> bool:
    left = sim.left.get(pipeline.owner)
    gone = left is not None and left <= alert.at
    return (not gone and pipeline.owner in alert.to) or f"team {pipeline.team}" in alert.to
