"""A month in the life of a fleet, for the monitor: a seeded generator of layered fleets and
of the timeline their runs produce, with faults injected, and what really happened.

- :func:`simulate` (the test's fleet: 36 pipelines, 30 days, every kind of fault);
- :func:`generate_timeline` (the scale check: 1,000 pipelines x 30 days, about 100,000 events;
  for the benchmark, not a timed test);
- :func:`run` feeds a simulation to a :class:`Monitor`; :mod:`monitor_score` scores its alerts
  against the ground truth kept here (never against the monitor's own state).

Runs wait for their upstream pipelines (a run starts at its slot or one minute after its last
upstream completed, whichever is later), so a late or failed upstream delays or stops its
downstream pipelines the way lineage-aware orchestration does. A failed run is rerun one to
three hours later seven times in ten (someone fixed it after the alert); the ground truth keeps
both what happened and what would have happened without any rerun. The window (12 October to
10 November 2026) crosses the end of summer time in Europe (25 October) and in the USA
(1 November), and reports run in Europe/London and America/New_York time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from typing import Any

from jupyter_promote.fleet.model import FleetPipeline
from jupyter_promote.fleet.roster import parse_roster
from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.policy import Monitor, MonitorConfig
from jupyter_promote.monitor.slots import day_start, local_day, slots_on
from jupyter_promote.monitor.timeline import Event
from jupyter_promote.release.settings import Tier

UTC = timezone.utc
START = date(2026, 10, 12)
STEPS = (("load", 0.3), ("transform", 0.5), ("publish", 0.2))
ROSTER = {
    "data": ["ana", "ben", "dev"],
    "analytics": ["eve", "finn"],
    "risk": ["gus", "hana"],
    "finance": ["ivy", "jay"],
}
LEAVER, LEAVE_DAY = "ben", 12
UNUSED = "legacy_export"
FAULT_RATES = {"bad-data": 0.012, "slow": 0.012, "late-start": 0.008, "crash": 0.008}
REPORT_ZONES = (("UTC", "0 4 * * *", "07:00"), ("Europe/London", "0 5 * * *", "07:00"),
                ("America/New_York", "0 0 * * *", "03:00"))  # fmt: skip
TIERS: tuple[Tier, ...] = ("critical", "high", "normal", "low")

#: An injected fault: (day index, pipeline, kind).
Fault = tuple[int, str, str]
#: A timeline entry being built: (at, order within the instant, event).
Timed = tuple[datetime, int, Event]


@dataclass
class Simulation:
    """A generated fleet, its timeline, and what really happened.

    Attributes:
        slots: (pipeline, day) -> the day's scheduled run time.
        done: (pipeline, day) -> when the day's output was ready (``None``: never that day).
        untouched: The same without any rerun: what would have happened had nobody acted.
        causes: (pipeline, day) -> the faults that disturbed that run: its own, and those of
            the upstream pipelines that held it up (finished after its slot, or never).
    """

    pipelines: list[FleetPipeline]
    steps: dict[str, list[str]]
    events: list[Event] = field(default_factory=list)
    stale: list[tuple[datetime, str, str]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    left: dict[str, datetime] = field(default_factory=dict)
    slots: dict[tuple[str, int], datetime] = field(default_factory=dict)
    done: dict[tuple[str, int], datetime | None] = field(default_factory=dict)
    untouched: dict[tuple[str, int], datetime | None] = field(default_factory=dict)
    causes: dict[tuple[str, int], frozenset[Fault]] = field(default_factory=dict)
    days: int = 30

    def view(self) -> FleetView:
        """The fleet with its roster, as the monitor sees it."""
        teams = "".join(
            f"- name: {team}\n  members: [{', '.join(f'{{id: {m}}}' for m in members)}]\n"
            for team, members in ROSTER.items()
        )
        return FleetView.build(self.pipelines, parse_roster(f"teams:\n{teams}"), self.steps)

    @cached_property
    def by_name(self) -> dict[str, FleetPipeline]:
        """Name -> pipeline."""
        return {p.name: p for p in self.pipelines}

    @property
    def lines(self) -> list[str]:
        """The timeline as JSON lines."""
        return [event.to_json() for event in self.events]

    @property
    def end(self) -> datetime:
        """The end of the simulated window (every deadline is behind it)."""
        return datetime.combine(START + timedelta(days=self.days), time(0), tzinfo=UTC)


# -- the fleet ------------------------------------------------------------------------------------
def layered_fleet(count: int, rng: random.Random, step_share: float = 1.0) -> Simulation:
    """``count`` pipelines in four layers (sources, preparation, models, reports) plus an unused
    export and a low-tier side job; each reads one or two outputs of the layer above."""
    sizes = [max(1, round(count * share)) for share in (0.24, 0.28, 0.24)]
    sizes.append(max(1, count - 2 - sum(sizes)))
    layers: list[list[FleetPipeline]] = []
    for level, size in enumerate(sizes):
        layers.append([_pipeline(level, i, rng, layers) for i in range(size)])
    prep = layers[1]
    layers[2] += [
        _pipe(UNUSED, "dev", "data", "low", rng.sample(prep, 1), "file:exports/legacy.csv",
              "30 3 * * *"),
        _pipe("adhoc_metrics", "finn", "analytics", "low", rng.sample(prep, 1),
              "sql:scratch.adhoc", "45 3 * * *"),
    ]  # fmt: skip
    pipelines = [p for layer in layers for p in layer]
    with_steps = [p.name for p in pipelines if rng.random() < step_share]
    return Simulation(pipelines, {name: [s for s, _ in STEPS] for name in with_steps})


def _pipeline(
    level: int, index: int, rng: random.Random, above: list[list[FleetPipeline]]
) -> FleetPipeline:
    reads = rng.sample(above[-1], min(len(above[-1]), rng.choice((1, 2)))) if above else []
    if level == 3:
        tz, cron, due = REPORT_ZONES[index % 3]
        team = ("risk", "finance")[index % 2]
        pipeline = _pipe(f"report_{index:04d}", _owner(team, index), team, TIERS[index % 3],
                         reads, f"sql:reports.r{index}", cron, tz, due)  # fmt: skip
        pipeline.consumers = [("regulator", "cfo", "risk committee")[index % 3]]
        return pipeline
    names = ("src", "prep", "model")
    team = "analytics" if level == 2 else "data"
    tier = TIERS[(2, 3, 1, 2)[index % 4]] if level else "normal"
    sla = "06:00" if level == 2 and index % 3 == 0 else None
    cron = f"{index % 30} {level + 1} * * *"
    return _pipe(f"{names[level]}_{index:04d}", _owner(team, index), team, tier, reads,
                 f"sql:l{level}.t{index}", cron, "UTC", sla)  # fmt: skip


def _owner(team: str, index: int) -> str:
    return ROSTER[team][index % len(ROSTER[team])]


def _pipe(
    name: str, owner: str, team: str, tier: Tier, reads: list[FleetPipeline], writes: str,
    cron: str, tz: str = "UTC", sla: str | None = None,
) -> FleetPipeline:  # fmt: skip
    return FleetPipeline(
        name, owner, team, tier, reads=[key for p in reads for key in p.writes],
        writes=[writes], schedule=cron, timezone=tz, sla=sla,
        promoted_at="2026-10-01T00:00:00+00:00",
    )  # fmt: skip


# -- the timeline ---------------------------------------------------------------------------------
def simulate(pipelines: int = 36, days: int = 30, seed: int = 12, step_share: float = 1.0,
             scheduled_share: float = 0.25) -> Simulation:  # fmt: skip
    """A fleet and a month of its runs, with every kind of fault injected (deterministic)."""
    rng = random.Random(seed)
    sim = layered_fleet(pipelines, rng, step_share)
    sim.days = days
    view = sim.view()
    base = {p.name: rng.uniform(8, 30) for p in sim.pipelines}
    sim.faults = _faults(sim, days, rng)
    faults = {(d, name): kind for d, name, kind in sim.faults}
    timed: list[Timed] = [(_at(0, "00:00"), 0, _event(_at(0, "00:00"), "tick"))]
    announce = {p.name for p in sim.pipelines if rng.random() < scheduled_share}
    for day in range(days):
        for pipeline in sim.pipelines:  # layer by layer: upstream pipelines come first
            fault = faults.get((day, pipeline.name))
            run = _Run(sim, view, pipeline, day, rng, base[pipeline.name])
            run.play(fault, pipeline.name in announce, timed)
    left_at = _at(LEAVE_DAY, "12:00")
    sim.left[LEAVER] = left_at
    timed.append((left_at, 0, _event(left_at, "roster-leave", member=LEAVER)))
    reason = "no downstream pipeline, no consumer; outputs never read"
    sim.stale.append((_at(5, "09:30"), UNUSED, reason))
    timed.sort(key=lambda item: (item[0], item[1]))
    sim.events = [event for _, _, event in timed]
    return sim


def generate_timeline(pipelines: int = 1000, days: int = 30, seed: int = 7) -> Simulation:
    """The scale check's fleet and timeline (about 100,000 events for 1,000 pipelines x 30
    days): steps for one pipeline in five, ``scheduled`` lines for one in four."""
    return simulate(pipelines, days, seed, step_share=0.2, scheduled_share=0.25)


def _faults(sim: Simulation, days: int, rng: random.Random) -> list[Fault]:
    found = []
    for day in range(1, days):  # day 0 builds the first history
        for pipeline in sim.pipelines:
            for kind, rate in FAULT_RATES.items():
                if rng.random() < rate:
                    found.append((day, pipeline.name, kind))
                    break
    for kind in FAULT_RATES:  # every kind at least once
        if not any(k == kind for _, _, k in found):
            found.append((rng.randrange(1, days), rng.choice(sim.pipelines).name, kind))
    return sorted(found)


def _at(day: int, hhmm: str) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(START + timedelta(days=day), time(hours, minutes), tzinfo=UTC)


def _event(at: datetime, kind: str, **fields: Any) -> Event:
    return Event(at=at, event=kind, **fields)


def day_index(at: datetime, tz: str) -> int:
    """The simulated day (0 = 12 October) of ``at``'s local date in ``tz``."""
    return (local_day(at, tz) - START).days


class _Run:
    """One pipeline's day: its run (and a rerun after a failure), as events, and the truth."""

    def __init__(self, sim: Simulation, view: FleetView, pipeline: FleetPipeline, day: int,
                 rng: random.Random, minutes: float) -> None:  # fmt: skip
        self.sim, self.view, self.pipeline, self.day, self.rng = sim, view, pipeline, day, rng
        self.minutes = minutes
        self.key = (pipeline.name, day)
        local = START + timedelta(days=day)
        self.slot = sim.slots[self.key] = slots_on(pipeline, local)[0]
        assert self.slot >= day_start(local, pipeline.timezone)

    def play(self, fault: str | None, announce: bool, out: list[Timed]) -> None:
        """Add the day's events to ``out``; record when it was (and would have been) ready."""
        upstream = [(u, self.day) for u in self.view.upstream(self.pipeline.name)]
        self._blame(fault, upstream)
        ups = [self.sim.done[u] for u in upstream]
        if announce:
            event = _event(self.slot, "scheduled", pipeline=self.pipeline.name, run=self._id(1))
            out.append((self.slot, 1, event))
        delay = timedelta(seconds=self.rng.randint(0, 90))
        if fault == "late-start":
            delay += timedelta(hours=self.rng.uniform(1.5, 4))
        took = self.minutes * self.rng.lognormvariate(0, 0.1)
        if fault == "slow":
            took *= self.rng.uniform(4, 10)
        failure = fault if fault in ("bad-data", "crash") else None
        self._untouched([self.sim.untouched[u] for u in upstream], delay, took, failure)
        if any(u is None for u in ups):
            self.sim.done[self.key] = None  # an upstream never delivered today: no run
            return
        start = max([self.slot, *(u + timedelta(minutes=1) for u in ups if u)]) + delay
        ended = self._events(self._id(1), start, took, failure, out)
        if ended is None and self.rng.random() < 0.7:
            again = out[-1][0] + timedelta(hours=self.rng.uniform(1, 3))
            ended = self._events(self._id(2), again, self.minutes, None, out)
        self.sim.done[self.key] = ended

    def _untouched(
        self, ups: list[datetime | None], delay: timedelta, took: float, failure: str | None
    ) -> None:
        """When the output would have been ready with nobody rerunning anything."""
        if failure or any(u is None for u in ups):
            self.sim.untouched[self.key] = None
            return
        start = max([self.slot, *(u + timedelta(minutes=1) for u in ups if u)]) + delay
        self.sim.untouched[self.key] = start + timedelta(minutes=took)

    def _blame(self, fault: str | None, upstream: list[tuple[str, int]]) -> None:
        """The faults behind this run: its own, and those of upstream runs that held it up."""
        causes = {(self.day, self.pipeline.name, fault)} if fault else set()
        for key in upstream:
            ready = self.sim.done[key]
            if ready is None or ready + timedelta(minutes=1) > self.slot:
                causes |= self.sim.causes[key]
        self.sim.causes[self.key] = frozenset(causes)

    def _id(self, attempt: int) -> str:
        return f"{self.pipeline.name}-{self.day:02d}-{attempt}"

    def _events(self, run: str, start: datetime, took: float, failure: str | None,
                out: list[Timed]) -> datetime | None:  # fmt: skip
        name, at = self.pipeline.name, start
        out.append((at, 2, _event(at, "started", pipeline=name, run=run)))
        steps = self.sim.steps.get(name)
        broken = self.rng.choice([s for s, _ in STEPS]) if failure else None
        for step, share in STEPS:
            end = at + timedelta(minutes=took * share)
            if steps:
                out.append((at, 3, _event(at, "started", pipeline=name, run=run, step=step)))
            if step == broken:
                out.append((end, 4, self._failure(run, step, end, failure)))
                return None
            if steps:
                out.append((end, 4, _event(end, "completed", pipeline=name, run=run, step=step)))
            at = end
        out.append((at, 5, _event(at, "completed", pipeline=name, run=run)))
        return at

    def _failure(self, run: str, step: str, at: datetime, failure: str | None) -> Event:
        name = self.pipeline.name
        if failure == "crash":
            return _event(at, "crashed", pipeline=name, run=run, step=step,
                          detail="the kernel died (exit code 137: out of memory)")  # fmt: skip
        detail = {
            "cell": self.rng.randint(3, 20), "expectation": "amount between 0 and 100",
            "observed": f"{self.rng.randint(2, 90)} of 10,000 outside",
            "executed_notebook": f"runs/{name}/{run}.ipynb",
            "url": f"http://127.0.0.1:4200/runs/flow-run/{run}",
        }  # fmt: skip
        return _event(at, "gate-failed", pipeline=name, run=run, step=step, detail=detail)


# -- the monitor over it -------------------------------------------------------------------------
def run(
    sim: Simulation, config: MonitorConfig | None = None, notices: bool = True
) -> tuple[list[Alert], Monitor]:
    """Feed the whole timeline (and, with ``notices``, the stale notices at their times) to a
    fresh monitor, then run its clock to the end of the window."""
    monitor = Monitor(sim.view(), config)
    alerts: list[Alert] = []
    waiting = sorted(sim.stale) if notices else []
    for event in sim.events:
        while waiting and waiting[0][0] <= event.at:
            at, pipeline, reason = waiting.pop(0)
            alerts += monitor.stale_notice(pipeline, at, reason)
        alerts += monitor.feed(event)
    alerts += monitor.advance(sim.end)
    return alerts, monitor
