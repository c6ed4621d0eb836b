"""The monitor's offline replay at scale (issue #12): 30 days of a 1,000-pipeline fleet, about
100,000 events, replayed under 30 s, the way ``jupyter promote monitor --replay TIMELINE.jsonl
--project-dir DIR --json`` does it (real release folders and teams.yaml, a JSON Lines file,
:func:`~jupyter_promote.monitor.replay.replay_file`); side by side, the issue's figures for the
36-pipeline month of ``tests/test_monitor_sim.py``, scored against the simulation's ground
truth: late cases warned at least 30 minutes ahead (>= 90%), opening alerts per real incident
(<= 1), alerts reaching the current owner or their team (100%).

The fleets and timelines come from the seeded generator in ``tests/monitor_sim.py`` (layered
lineage, faults injected, runs that wait for their upstream pipelines).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import measure, table, verdict
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.policy import Monitor
from jupyter_promote.monitor.replay import replay_events
from jupyter_promote.monitor.timeline import iter_timeline

PIPELINES = 1_000
DAYS = 30
LIMIT_S = 30.0
HEADER = ["what", "value", "target", ""]


def _tests_on_path() -> None:
    folder = str(Path(__file__).resolve().parents[1] / "tests")
    if folder not in sys.path:
        sys.path.insert(0, folder)


def replay_rows() -> list[list[object]]:
    """Generate the 1,000-pipeline month, write it as a project and a timeline file, time its
    replay the way ``replay_file`` does it (the fleet read, every line parsed, the policy),
    and score what it said."""
    _tests_on_path()
    from monitor_fleets import write_project
    from monitor_score import figures
    from monitor_sim import ROSTER, generate_timeline

    started = time.perf_counter()
    sim = generate_timeline(PIPELINES, DAYS)
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        project = write_project(Path(folder) / "project", sim.pipelines, ROSTER, sim.steps)
        timeline = Path(folder) / "timeline.jsonl"
        timeline.write_text("\n".join(sim.lines) + "\n", encoding="utf-8")
        done: list[tuple[list[Any], Monitor]] = []
        timed = measure(lambda: done.append(_replay(timeline, project)), 1, 0)
    seconds = timed["median"] / 1000
    events = len(sim.events)
    alerts, monitor = done[0]
    found = figures(sim, alerts, monitor.state.incidents)
    return [
        [f"generate {PIPELINES:,} pipelines x {DAYS} days: {events:,} events", f"{built:.1f} s",
         "", ""],
        [f"replay {events:,} events (fleet read, lines parsed, policy)", f"{seconds:.1f} s",
         f"< {LIMIT_S:.0f} s", verdict(seconds, LIMIT_S)],
        ["replay throughput", f"{events / seconds:,.0f} events/s", "", ""],
        *figure_rows(found, targets=False),
    ]  # fmt: skip


def _replay(timeline: Path, project: Path) -> tuple[list[Any], Monitor]:
    """What :func:`replay_file` does, keeping the monitor to score its incidents."""
    view = FleetView.from_project(project)
    monitor = Monitor(view)
    with open(timeline, encoding="utf-8") as handle:
        lines = iter_timeline(handle, timeline.name)
        return list(replay_events(view, lines, monitor=monitor, source=timeline.name)), monitor


def figure_rows(found: dict[str, Any] | None = None, targets: bool = True) -> list[list[object]]:
    """The issue's figures: for the 36-pipeline simulated month, or ``found`` (already scored;
    without ``targets``, informative: the targets are the 36-pipeline month's)."""
    _tests_on_path()
    from monitor_score import TARGETS, simulation_figures

    f = found or simulation_figures()
    warned, most, reached = f["warned_share"], f["max_openings_per_incident"], f["reached_share"]
    check = _at_least if targets else (lambda value, target: "")
    where = f"{f['pipelines']:,} pipelines"
    return [
        [f"{where}: late cases warned >= 30 min ahead",
         f"{f['warned_30_min_before']:,}/{f['late_cases']:,} = {warned:.0%}",
         ">= 90%" if targets else "", check(warned, TARGETS["warned_share"])],
        [f"{where}: opening alerts per real incident (max; mean)",
         f"{most}; {f['openings_per_incident']:.2f} over {f['real_incidents_told']:,}",
         "<= 1" if targets else "", check(-most, -TARGETS["max_openings_per_incident"])],
        [f"{where}: alerts reaching the current owner or their team", f"{reached:.0%}",
         "100%" if targets else "", check(reached, TARGETS["reached_share"])],
        [f"{where}: faults that must be told, told",
         f"{f['faults_told']:,}/{f['faults_to_tell']:,}", "", ""],
        [f"{where}: false alarms (openings no fault explains)", f"{f['false_alarms']:,}", "", ""],
        [f"{where}: alerts (per real incident)",
         f"{f['alerts']:,} ({f['alerts_per_real_incident']:.1f})", "", ""],
    ]  # fmt: skip


def _at_least(value: float, target: float) -> str:
    return "PASS" if value >= target else "FAIL"


def run() -> tuple[str, bool]:
    rows = figure_rows() + replay_rows()  # live latency: bench_monitor_live
    text = table("Monitor: replay at scale and the simulated month", HEADER, rows)
    return text, not any(row[-1] == "FAIL" for row in rows)


if __name__ == "__main__":
    text, passed = run()
    print(text)
    sys.exit(0 if passed else 1)
