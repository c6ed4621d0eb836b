"""A month of a fleet of 36 pipelines with faults injected (bad data, slow upstream pipelines,
late starts, kernel crashes, an owner who leaves, an unused pipeline), replayed through the
monitor's policy and scored against what really happened (:mod:`monitor_score`).

``pytest -s tests/test_monitor_sim.py`` prints the figures.
"""

from __future__ import annotations

from collections import Counter

import pytest
from monitor_fleets import write_project
from monitor_score import figures, late_cases, misses, summary
from monitor_sim import LEAVER, ROSTER, UNUSED, Simulation, run, simulate

from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.policy import Monitor
from jupyter_promote.monitor.replay import replay_file


@pytest.fixture(scope="module")
def month() -> tuple[Simulation, list[Alert], Monitor]:
    sim = simulate()
    alerts, monitor = run(sim)
    return sim, alerts, monitor


def test_the_simulated_fleet_has_every_fault_the_issue_names(month):
    sim, _, _ = month
    assert len(sim.pipelines) >= 30 and sim.days == 30
    assert set(Counter(kind for _, _, kind in sim.faults)) == {
        "bad-data", "slow", "late-start", "crash"
    }  # fmt: skip
    assert LEAVER in sim.left and [pipeline for _, pipeline, _ in sim.stale] == [UNUSED]
    zones = {p.timezone for p in sim.pipelines if p.sla}
    assert zones == {"UTC", "Europe/London", "America/New_York"}  # across both DST changes
    assert {e.event for e in sim.events} == {
        "tick", "scheduled", "started", "completed", "gate-failed", "crashed", "roster-leave"
    }  # fmt: skip
    reruns = [k for k, v in sim.done.items() if v is not None and sim.untouched[k] is None]
    assert reruns, "some failed runs are rerun in time: late cases only without the rerun"
    assert len(late_cases(sim)) >= 20


def test_a_month_meets_the_issue_targets(month):
    sim, alerts, monitor = month
    found = figures(sim, alerts, monitor.state.incidents)
    print("\n" + summary(found))
    assert misses(found) == []
    assert found["warned_share"] >= 0.9
    assert found["max_openings_per_incident"] == 1
    assert found["reached_share"] == 1.0
    # the measures are not met by saying nothing: every fault that must be told is told,
    # and hardly anything else is
    assert found["faults_told"] == found["faults_to_tell"] > 0
    assert found["false_alarms"] <= 0.1 * found["real_incidents_told"]


def test_each_fault_is_told_the_way_the_issue_says(month):
    sim, alerts, _ = month
    gate = next(a for a in alerts if a.kind == "gate-failed" and a.channel == "immediate")
    assert {"step", "cell", "expectation", "observed", "executed_notebook", "url"} <= set(
        gate.first_look
    )
    crash = next(a for a in alerts if a.kind == "crashed")
    assert "exit code 137" in crash.message
    (orphaned,) = [a for a in alerts if a.kind == "orphaned"]
    assert orphaned.at == sim.left[LEAVER] and orphaned.to == ["team data"]
    assert set(orphaned.blast_radius) == {
        p.name for p in sim.pipelines if p.owner == LEAVER
    }  # fmt: skip
    later = [a for a in alerts if a.at > sim.left[LEAVER] and a.pipeline in orphaned.blast_radius]
    assert later and all(LEAVER not in a.to for a in later)
    assert all(f"Note: {LEAVER} is no longer on the roster" in a.message for a in later)
    stale = next(a for a in alerts if a.kind == "digest" and UNUSED in a.message)
    assert stale.to == ["dev"] and "looks unused" in stale.message  # low tier: the digest
    resolved = [a for a in alerts if a.kind == "resolved"]
    assert any("caught up by" in a.subject for a in resolved)
    risk = [a for a in alerts if a.kind == "sla-at-risk" or any(n["state"] == "at-risk"
                                                                 for n in a.slas)]  # fmt: skip
    assert risk and all(a.deadline is not None and a.at < a.deadline for a in risk)


def test_the_month_replayed_from_files_says_what_the_monitor_said(month, tmp_path):
    """The issue's interface: the fleet as release folders and teams.yaml, the timeline as
    JSON lines; the same alerts as feeding the monitor in memory (without the stale notice,
    which comes from the fleet's usage, not from the timeline)."""
    sim, _, _ = month
    project = write_project(tmp_path / "project", sim.pipelines, ROSTER, sim.steps)
    timeline = tmp_path / "timeline.jsonl"
    timeline.write_text("\n".join(sim.lines) + "\n", encoding="utf-8")
    replayed = [a.to_dict() for a in replay_file(timeline, project)]
    expected, _ = run(sim, notices=False)
    assert replayed == [a.to_dict() for a in expected]
