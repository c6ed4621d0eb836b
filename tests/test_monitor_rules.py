"""The monitor's policy, rule by rule: replays of small timelines over small fleets written as
real release folders, each asserting the exact alerts (time, kind, incident, root cause, blast
radius, recipients, channel)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from monitor_fleets import (
    manifest_of,
    pipe,
    worked_example,
    worked_example_text,
    write_project,
    write_release,
)

from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.model import MonitorConfig, MonitorState
from jupyter_promote.monitor.policy import Monitor, UnknownIncident
from jupyter_promote.monitor.predict import Predictor
from jupyter_promote.monitor.replay import replay, replay_file
from jupyter_promote.monitor.slots import SlotBook, deadline, slots_between
from jupyter_promote.monitor.timeline import Event, TimelineError, parse_timeline
from jupyter_promote.release.settings import Tier

UTC = timezone.utc
DAY = "2026-11-02"


def line(hhmm: str, event: str, day: str = DAY, **fields: object) -> str:
    return json.dumps({"at": f"{day}T{hhmm}:00+00:00", "event": event, **fields})


def ev(hhmm: str, event: str, day: str = DAY, **fields: object) -> Event:
    return Event.model_validate_json(line(hhmm, event, day, **fields))


def brief(alerts: list[Alert], fmt: str = "%H:%M") -> list[tuple[object, ...]]:
    return [
        (a.at.strftime(fmt), a.kind, a.incident, a.pipeline, a.root_cause, a.blast_radius, a.to,
         a.channel)
        for a in alerts
    ]  # fmt: skip


def at(hhmm: str, day: str = DAY) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")


# The fleet most rules use: extract (ana, data) feeds clean (ben, data) and load (cy, risk).
def branching(tmp_path: Path, tier: Tier = "normal") -> Path:
    return write_project(
        tmp_path,
        [
            pipe("extract", "ana", "data", tier, writes=["file:raw.csv"]),
            pipe("clean", "ben", "data", reads=["file:raw.csv"], writes=["sql:risk.clean"]),
            pipe("load", "cy", "risk", reads=["file:raw.csv"], consumers=["finance"]),
        ],
    )


# An SLA chain: extract (06:00, ana/data) feeds report (07:00, ready by 09:00, high, cy/risk).
def sla_chain(tmp_path: Path) -> Path:
    return write_project(
        tmp_path,
        [
            pipe("extract", "ana", "data", writes=["file:raw.csv"], schedule="0 6 * * *"),
            pipe("report", "cy", "risk", "high", reads=["file:raw.csv"], consumers=["regulator"],
                 schedule="0 7 * * *", sla="09:00"),
        ],
    )  # fmt: skip


# -- failures -------------------------------------------------------------------------------
def test_a_failed_gate_opens_one_incident_with_the_first_thing_to_look_at(tmp_path):
    detail = {"cell": 7, "expectation": "amount between 0 and 100",
              "observed": "2 of 1,000 outside", "executed_notebook": "runs/r1.ipynb",
              "url": "http://127.0.0.1:4200/runs/flow-run/r1"}  # fmt: skip
    alerts = replay(
        branching(tmp_path),
        [
            line("06:00", "started", pipeline="extract", run="r1"),
            line("06:04", "gate-failed", pipeline="extract", run="r1", step="clean", detail=detail),
        ],
    )
    assert brief(alerts) == [
        ("06:04", "gate-failed", "inc-1", "extract", "extract", ["clean", "load"], ["ana"],
         "immediate"),
    ]  # fmt: skip
    alert = alerts[0]
    assert alert.phase == "opened" and alert.effective_tier == "normal"
    assert alert.first_look == {"run": "r1", "step": "clean", **detail}
    assert alert.message.splitlines() == [
        "extract: the quality gate of step clean failed (run r1)",
        "Incident inc-1 (normal; root cause extract; opened 2026-11-02 06:04 UTC).",
        "Blast radius: 2 downstream pipelines: clean, load; datasets: file:raw.csv,"
        " sql:risk.clean; consumers: finance (via load).",
        "Owner: ana (team data).",
        "First look: step clean; cell 7; expectation: amount between 0 and 100; observed: 2 of"
        " 1,000 outside; executed notebook: runs/r1.ipynb; run link:"
        " http://127.0.0.1:4200/runs/flow-run/r1; run r1.",
    ]


def test_a_repeated_failure_while_open_says_nothing_new_and_the_next_completion_resolves(
    tmp_path,
):
    alerts = replay(
        branching(tmp_path),
        [
            line("06:00", "failed", pipeline="extract", run="r1"),
            line("07:00", "crashed", pipeline="extract", run="r2"),
            line("07:30", "failed", pipeline="extract", run="r3", step="load"),
            line("08:00", "started", pipeline="extract", run="r4"),
            line("08:10", "completed", pipeline="extract", run="r4"),
            line("09:00", "failed", pipeline="extract", run="r5"),
        ],
    )
    assert brief(alerts) == [
        ("06:00", "failed", "inc-1", "extract", "extract", ["clean", "load"], ["ana"], "immediate"),
        ("08:10", "resolved", "inc-1", "extract", "extract", ["clean", "load"], ["ana"],
         "immediate"),
        ("09:00", "failed", "inc-2", "extract", "extract", ["clean", "load"], ["ana"], "immediate"),
    ]  # fmt: skip
    assert alerts[1].phase == "resolved"
    assert alerts[1].subject == (
        "extract: run r4 completed at 2026-11-02 08:10 UTC; incident inc-1 resolved after"
        " 2 h 10 min"
    )


def test_an_upstream_failure_is_one_incident_whose_blast_radius_names_both_downstreams(tmp_path):
    alerts = replay(
        branching(tmp_path),
        [
            line("05:00", "failed", pipeline="extract", run="e1"),
            line("05:30", "started", pipeline="clean", run="c1"),
            line("05:31", "failed", pipeline="clean", run="c1"),
            line("05:40", "crashed", pipeline="load", run="l1"),
            line("07:00", "started", pipeline="extract", run="e2"),
            line("07:10", "completed", pipeline="extract", run="e2"),
        ],
    )
    assert brief(alerts) == [
        ("05:00", "failed", "inc-1", "extract", "extract", ["clean", "load"], ["ana"], "immediate"),
        ("07:10", "resolved", "inc-1", "extract", "extract", ["clean", "load"], ["ana"],
         "immediate"),
    ]  # fmt: skip
    assert alerts[1].affected == ["clean", "load"]
    assert "check that clean, load ran since" in alerts[1].subject


def test_reaching_a_critical_pipeline_escalates_once(tmp_path):
    project = write_project(
        tmp_path,
        [
            pipe("extract", "ana", "data", "low", writes=["file:raw.csv"]),
            pipe("clean", "ben", "data", "normal", reads=["file:raw.csv"], writes=["sql:t"]),
            pipe("report", "cy", "risk", "critical", reads=["sql:t"]),
        ],
    )
    alerts = replay(
        project,
        [
            line("05:00", "failed", pipeline="extract", run="e1"),
            line("05:30", "failed", pipeline="clean", run="c1"),
            line("06:00", "failed", pipeline="report", run="p1"),
            line("06:30", "failed", pipeline="report", run="p2"),
        ],
    )
    everyone = ["ana", "team data", "cy", "team risk"]
    assert brief(alerts) == [
        ("05:00", "failed", "inc-1", "extract", "extract", ["clean", "report"],
         ["ana", "team data"], "immediate"),
        ("06:00", "escalated", "inc-1", "report", "extract", ["clean", "report"], everyone,
         "immediate"),
    ]  # fmt: skip
    assert alerts[1].phase == "escalated" and alerts[1].effective_tier == "critical"
    assert alerts[1].subject == "report: run p1 failed; it now reaches report (critical)"


# -- late -----------------------------------------------------------------------------------
def test_a_scheduled_run_that_does_not_start_is_late(tmp_path):
    project = write_project(tmp_path, [pipe("extract", schedule="0 6 * * *")])
    alerts = replay(
        project,
        [
            line("00:00", "tick"),
            line("06:30", "started", pipeline="extract", run="r1"),
            line("06:40", "completed", pipeline="extract", run="r1"),
        ],
    )
    assert brief(alerts) == [
        ("06:10", "late", "inc-1", "extract", "extract", [], ["ana"], "immediate"),
        ("06:40", "resolved", "inc-1", "extract", "extract", [], ["ana"], "immediate"),
    ]
    assert alerts[0].subject == "extract: the run due at 06:00 UTC has not started (10 min late)"
    assert alerts[0].first_look == {"scheduled": "2026-11-02T06:00:00+00:00", "late_by": "10 min"}


def test_a_scheduled_event_makes_an_unscheduled_pipeline_due(tmp_path):
    project = write_project(tmp_path, [pipe("extract")])
    alerts = replay(project, [line("13:00", "scheduled", pipeline="extract", run="r1")])
    assert brief(alerts) == [
        ("13:10", "late", "inc-1", "extract", "extract", [], ["ana"], "immediate")
    ]


def test_a_run_due_after_its_upstream_failed_joins_without_a_scheduled_line(tmp_path):
    project = write_project(
        tmp_path,
        [
            pipe("extract", "ana", writes=["file:raw.csv"]),
            pipe("report", "cy", "risk", reads=["file:raw.csv"], schedule="0 13 * * *"),
        ],
    )
    alerts = replay(
        project,
        [
            line("08:00", "failed", pipeline="extract", run="e1"),
            line("14:00", "started", pipeline="extract", run="e2"),
            line("14:05", "completed", pipeline="extract", run="e2"),
            line("14:06", "started", pipeline="report", run="p1"),
            line("14:20", "completed", pipeline="report", run="p1"),
        ],
    )
    # report, held up since 13:10, is waited for: the incident ends when it caught up
    assert brief(alerts) == [
        ("08:00", "failed", "inc-1", "extract", "extract", ["report"], ["ana"], "immediate"),
        ("14:20", "resolved", "inc-1", "extract", "extract", ["report"], ["ana"], "immediate"),
    ]
    assert alerts[1].affected == ["report"]
    assert alerts[1].subject == (
        "extract: run e2 completed at 2026-11-02 14:05 UTC; report caught up by 14:20 UTC;"
        " incident inc-1 resolved after 6 h 20 min"
    )


def test_an_incident_waits_for_what_it_held_up_only_so_long(tmp_path):
    project = write_project(
        tmp_path,
        [
            pipe("extract", "ana", writes=["file:raw.csv"]),
            pipe("report", "cy", "risk", reads=["file:raw.csv"], schedule="0 13 * * *"),
        ],
    )
    config = MonitorConfig(catch_up_within=timedelta(hours=2))
    lines = [
        line("08:00", "failed", pipeline="extract", run="e1"),
        line("14:05", "completed", pipeline="extract", run="e2"),
    ]
    (_, resolved) = replay(project, lines, config=config)
    assert resolved.at == at("16:05")
    assert resolved.subject == (
        "extract: run e2 completed at 2026-11-02 14:05 UTC; report had not caught up by"
        " 16:05 UTC; incident inc-1 resolved after 8 h 05 min; check that report ran since"
    )


def test_a_downstream_late_because_its_upstream_runs_long_is_the_upstreams_incident(tmp_path):
    project = write_project(
        tmp_path,
        [
            pipe("extract", "ana", writes=["file:raw.csv"], schedule="0 6 * * *"),
            pipe("report", "cy", "risk", reads=["file:raw.csv"], schedule="0 7 * * *"),
        ],
    )
    alerts = replay(
        project,
        [
            line("00:00", "tick"),
            line("06:00", "started", pipeline="extract", run="e1"),
            line("08:00", "completed", pipeline="extract", run="e1"),
            line("08:01", "started", pipeline="report", run="p1"),
            line("08:09", "completed", pipeline="report", run="p1"),
        ],
    )
    assert brief(alerts) == [
        ("07:10", "late", "inc-1", "report", "extract", ["report"], ["ana", "cy"], "immediate"),
        ("08:09", "resolved", "inc-1", "extract", "extract", ["report"], ["ana", "cy"],
         "immediate"),
    ]  # fmt: skip
    assert alerts[0].subject == (
        "report: the run due at 07:00 UTC has not started (10 min late), waiting for upstream"
        " extract"
    )
    assert alerts[1].subject == (
        "extract: run e1 completed at 2026-11-02 08:00 UTC; report caught up by 08:09 UTC;"
        " incident inc-1 resolved after 59 min"
    )


# -- SLA --------------------------------------------------------------------------------------
def test_sla_at_risk_before_the_deadline_then_missed_at_it(tmp_path):
    alerts = replay(sla_chain(tmp_path), [line("00:00", "tick")])
    everyone = ["ana", "team data", "cy", "team risk"]
    assert brief(alerts) == [
        ("06:10", "late", "inc-1", "extract", "extract", ["report"], ["ana", "team data"],
         "immediate"),
        ("07:10", "escalated", "inc-1", "report", "extract", ["report"], everyone, "immediate"),
        ("08:40", "sla-at-risk", "inc-1", "report", "extract", ["report"], everyone, "immediate"),
        ("09:00", "sla-missed", "inc-1", "report", "extract", ["report"], everyone, "immediate"),
    ]  # fmt: skip
    risk, missed = alerts[2], alerts[3]
    # nothing has run: extract 10 min (no history: the default) then report 10 min > 09:00
    assert risk.at == at("08:40") and risk.deadline == at("09:00")
    assert risk.subject == (
        "report: SLA at risk: due ready by 09:00 UTC, predicted ready at 09:00 UTC (waiting"
        " for extract)"
    )
    assert (risk.phase, missed.phase) == ("escalated", "escalated")
    assert missed.subject == "report: SLA missed: not ready by 2026-11-02 09:00 UTC"


def test_a_wider_margin_warns_earlier(tmp_path):
    config = MonitorConfig(at_risk_margin=timedelta(minutes=30))
    alerts = replay(sla_chain(tmp_path), [line("00:00", "tick")], config=config)
    assert [(a.at.strftime("%H:%M"), a.kind) for a in alerts if a.kind.startswith("sla")] == [
        ("08:10", "sla-at-risk"),
        ("09:00", "sla-missed"),
    ]


def test_sla_recovered_when_it_completes_in_time_after_all(tmp_path):
    alerts = replay(
        sla_chain(tmp_path),
        [
            line("00:00", "tick"),
            line("08:45", "started", pipeline="report", run="p1"),
            line("08:50", "completed", pipeline="report", run="p1"),
        ],
    )
    assert [(a.at.strftime("%H:%M"), a.kind, a.phase, a.incident) for a in alerts] == [
        ("06:10", "late", "opened", "inc-1"),
        ("07:10", "escalated", "escalated", "inc-1"),
        ("08:40", "sla-at-risk", "escalated", "inc-1"),
        ("08:50", "sla-recovered", "update", "inc-1"),
    ]
    assert alerts[-1].subject == "report: SLA recovered: ready at 08:50 UTC, in time for 09:00 UTC"


def test_a_slow_step_puts_its_own_sla_at_risk_and_the_completion_resolves_it(tmp_path):
    project = write_project(
        tmp_path,
        [pipe("report", "cy", "risk", schedule="0 8 * * *", sla="09:00")],
        steps={"report": ["load", "score", "publish"]},
    )
    day1 = "2026-11-01"
    steps = [("load", "08:00", "08:10"), ("score", "08:10", "08:20"), ("publish", "08:20", "08:30")]
    yesterday = [line("08:00", "started", day1, pipeline="report", run="r1")]
    for step, start, end in steps:
        yesterday.append(line(start, "started", day1, pipeline="report", run="r1", step=step))
        yesterday.append(line(end, "completed", day1, pipeline="report", run="r1", step=step))
    yesterday.append(line("08:30", "completed", day1, pipeline="report", run="r1"))
    today = [
        line("08:00", "started", pipeline="report", run="r2"),
        line("08:00", "started", pipeline="report", run="r2", step="load"),
        line("08:41", "completed", pipeline="report", run="r2", step="load"),
        line("08:50", "completed", pipeline="report", run="r2"),
    ]
    alerts = replay(project, yesterday + today)
    # load ran 40 of its usual 10 min: 08:40 + score 10 + publish 10 reaches 09:00
    assert brief(alerts, "%d %H:%M") == [
        ("02 08:40", "sla-at-risk", "inc-1", "report", "report", [], ["cy"], "immediate"),
        ("02 08:50", "resolved", "inc-1", "report", "report", [], ["cy"], "immediate"),
    ]
    assert alerts[0].first_look["predicted"] == "2026-11-02T09:00:00+00:00"
    assert "SLA recovered: report" in alerts[1].subject


# -- routing -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("tier", "to"),
    [("critical", ["ana", "team data"]), ("high", ["ana", "team data"]), ("normal", ["ana"])],
)
def test_alerts_route_by_tier(tmp_path, tier, to):
    project = write_project(tmp_path, [pipe("extract", "ana", "data", tier)])
    (alert,) = replay(project, [line("06:00", "failed", pipeline="extract", run="r1")])
    assert (alert.to, alert.channel, alert.effective_tier) == (to, "immediate", tier)


def test_low_tier_incidents_only_go_into_one_digest_per_day_per_owner(tmp_path):
    project = write_project(
        tmp_path, [pipe("side", "ana", "data", "low"), pipe("extra", "ben", "data", "low")]
    )
    alerts = replay(
        project,
        [
            line("06:00", "failed", pipeline="side", run="s1"),
            line("06:30", "failed", pipeline="extra", run="x1"),
            line("07:00", "completed", pipeline="side", run="s2"),
            line("06:00", "failed", "2026-11-03", pipeline="side", run="s3"),
            line("10:00", "tick", "2026-11-05"),
        ],
    )
    assert [(a.at.strftime("%d %H:%M"), a.kind, a.to, a.channel, a.incidents) for a in alerts] == [
        ("02 09:00", "digest", ["ana"], "digest", ["inc-1"]),
        ("02 09:00", "digest", ["ben"], "digest", ["inc-2"]),
        ("03 09:00", "digest", ["ana"], "digest", ["inc-3"]),
    ]
    assert alerts[0].message.splitlines() == [
        "Daily digest for ana: 1 low-tier incident since 2026-11-02 06:00 UTC.",
        "- inc-1 opened 2026-11-02 06:00 UTC: side: run s1 failed",
        "- inc-1 resolved 2026-11-02 07:00 UTC: side: run s2 completed at 2026-11-02 07:00 UTC;"
        " incident inc-1 resolved after 1 h 00 min",
    ]


def test_an_owner_not_on_the_roster_is_replaced_by_the_team_and_the_alert_says_so(tmp_path):
    project = write_project(
        tmp_path,
        [pipe("extract", "zoe", "risk", "high"), pipe("other", "ana", "data")],
        roster={"data": ["ana"], "risk": ["cy"]},
    )
    alerts = replay(
        project,
        [
            line("06:00", "failed", pipeline="extract", run="r1"),
            line("06:05", "failed", pipeline="other", run="o1"),
        ],
    )
    assert [a.to for a in alerts] == [["team risk"], ["ana"]]
    assert "Note: zoe is no longer on the roster: sent to team risk." in alerts[0].message


def test_without_a_roster_recipients_are_the_manifests_owner_and_team(tmp_path):
    project = write_project(tmp_path, [pipe("extract", "Zoe@Example.org", "risk", "critical")])
    (alert,) = replay(project, [line("06:00", "failed", pipeline="extract", run="r1")])
    assert alert.to == ["Zoe@Example.org", "team risk"]


def test_a_member_who_leaves_orphans_their_pipelines_in_one_incident(tmp_path):
    project = write_project(
        tmp_path,
        [
            pipe("extract", "ana", "data", "low", writes=["file:raw.csv"]),
            pipe("report", "ana", "risk", "critical", reads=["file:raw.csv"]),
            pipe("clean", "ben", "data"),
        ],
        roster={"data": ["ana", "ben"], "risk": ["cy"]},
    )
    alerts = replay(
        project,
        [
            line("10:00", "roster-leave", member="ana"),
            line("10:05", "roster-leave", member="ANA"),
            line("10:10", "roster-leave", member="dan"),
            line("11:00", "failed", pipeline="extract", run="e1"),
        ],
    )
    assert brief(alerts) == [
        ("10:00", "orphaned", "inc-1", "report", "report", ["extract", "report"],
         ["team data", "team risk"], "immediate"),
        ("11:00", "failed", "inc-2", "extract", "extract", ["report"], ["team data"],
         "immediate"),
    ]  # fmt: skip
    assert alerts[0].subject.startswith("ana left the roster: 2 pipelines without an owner")
    assert "jupyter promote transfer --from ana --to MEMBER" in alerts[0].subject
    assert "Note: ana is no longer on the roster: sent to team data." in alerts[1].message


# -- by hand -----------------------------------------------------------------------------------
def test_acknowledged_incidents_stop_escalating_but_not_missing_the_sla(tmp_path):
    monitor = Monitor(FleetView.from_project(sla_chain(tmp_path)))
    monitor.feed(ev("00:00", "tick"))
    assert [a.kind for a in monitor.advance(at("06:30"))] == ["late"]
    assert monitor.ack("inc-1", "ana") == []
    later = monitor.advance(at("23:59"))
    assert brief(later) == [
        ("09:00", "sla-missed", "inc-1", "report", "extract", ["report"],
         ["ana", "team data", "cy", "team risk"], "immediate"),
    ]  # fmt: skip
    incident = monitor.incident("inc-1")
    assert (incident.status, incident.acknowledged_by) == ("acknowledged", "ana")
    assert incident.affected == ["report"]
    assert monitor.state.sla_days["report/2026-11-02"].state == "missed"


def test_resolve_by_hand_sends_one_resolution(tmp_path):
    monitor = Monitor(FleetView.from_project(branching(tmp_path)))
    monitor.feed(ev("06:00", "failed", pipeline="extract", run="r1"))
    (resolved,) = monitor.resolve("inc-1", "ana", at=at("06:30"))
    assert (resolved.kind, resolved.phase, resolved.to) == ("resolved", "resolved", ["ana"])
    assert resolved.subject == "extract: incident inc-1 resolved by ana"
    assert monitor.resolve("inc-1", "ana") == []
    (again,) = monitor.feed(ev("07:00", "failed", pipeline="extract", run="r2"))
    assert (again.kind, again.incident) == ("failed", "inc-2")
    with pytest.raises(UnknownIncident, match=r'no incident "inc-9" .*did you mean'):
        monitor.resolve("inc-9", "ana")


def test_a_stale_notice_is_one_incident_routed_by_tier(tmp_path):
    project = write_project(
        tmp_path, [pipe("legacy", "ana", "data"), pipe("old", "ben", tier="low")]
    )
    monitor = Monitor(FleetView.from_project(project))
    reason = "no downstream pipeline, no consumer; outputs never read"
    (notice,) = monitor.stale_notice("legacy", at("09:00"), reason)
    assert brief([notice]) == [("09:00", "stale", "inc-1", "legacy", "legacy", [], ["ana"],
                                "immediate")]  # fmt: skip
    assert notice.subject == f"legacy looks unused: {reason}"
    assert monitor.stale_notice("legacy", at("09:30"), reason) == []
    assert monitor.stale_notice("old", at("10:00"), reason) == []  # low: into the digest
    assert [a.to for a in monitor.advance(at("09:00", "2026-11-03"))] == [["ben"]]


# -- the timeline --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"at": "2026-11-02T06:00:00", "event": "tick"}',
         'line 2: "at" has no UTC offset ("2026-11-02T06:00:00"); write it with one, e.g.'
         " 2026-11-02T06:00:00+00:00"),
        ('{"at": "2026-11-02T06:00:00Z", "event": "finished", "pipeline": "a", "run": "r"}',
         'line 2: unknown event "finished"; use one of scheduled, started, completed, failed,'
         " gate-failed, crashed, tick, roster-leave"),
        ('{"at": "2026-11-02T06:00:00Z", "event": "complted", "pipeline": "a", "run": "r"}',
         'line 2: unknown event "complted" (did you mean "completed"?)'),
        ('{"at": "2026-11-02T04:00:00Z", "event": "tick"}',
         "line 2: 2026-11-02T04:00:00+00:00 is earlier than line 1 (2026-11-02T05:00:00+00:00);"
         ' events must be in time order; sort the file by "at"'),
        ('{"at": "2026-11-02T06:00:00Z", "event": "failed", "run": "r"}',
         'line 2: a "failed" event needs "pipeline"'),
        ('{"at": "2026-11-02T06:00:00Z", "event": "tick", "pipline": "a"}',
         'line 2: unknown field "pipline" (did you mean "pipeline"?)'),
        ('{"at": "2026-11-02T06:00:00Z", "event": "tick", "member": "ana"}',
         'line 2: "member" belongs to roster-leave events, not "tick"'),
        ('{"at": "yesterday", "event": "tick"}', 'line 2: "at" is not an ISO 8601 time'),
        ('{"at": "2026-11-02T06:00:00Z", "event": "roster-leave"}',
         'line 2: a "roster-leave" event needs "member"'),
        ('{"at": "2026-11-02T06:00:00Z" "event": "tick"}', "line 2: not valid JSON"),
        ('["tick"]', "line 2: not a JSON object"),
    ],
)  # fmt: skip
def test_timeline_errors_name_the_line_and_the_fix(text, message):
    first = '{"at": "2026-11-02T05:00:00+00:00", "event": "tick"}'
    with pytest.raises(TimelineError) as caught:
        parse_timeline([first, text], "timeline.jsonl")
    assert f"timeline.jsonl {message}" in str(caught.value)
    assert caught.value.line == 2


def test_blank_lines_are_skipped_and_offsets_are_kept():
    events = parse_timeline(["", '{"at": "2026-11-02T07:00:00+01:00", "event": "tick"}', "  "])
    assert [e.at.isoformat() for e in events] == ["2026-11-02T07:00:00+01:00"]


def test_a_replay_names_a_pipeline_the_fleet_does_not_have(tmp_path):
    timeline = tmp_path / "month.jsonl"
    timeline.write_text(line("06:00", "tick") + "\n" + line("06:00", "failed", pipeline="extrct",
                                                             run="r1") + "\n")  # fmt: skip
    with pytest.raises(TimelineError, match=r'month.jsonl line 2: no pipeline "extrct" in the'
                                            r' fleet \(did you mean "extract"\?\)'):  # fmt: skip
        list(replay_file(timeline, branching(tmp_path / "project")))


def test_replay_file_yields_the_same_alerts_as_json_lines(tmp_path):
    project = branching(tmp_path / "project")
    lines = [line("06:00", "failed", pipeline="extract", run="r1")]
    timeline = tmp_path / "t.jsonl"
    timeline.write_text("\n".join(lines) + "\n")
    (alert,) = replay_file(timeline, project)
    data = json.loads(alert.to_json())
    assert {"at", "incident", "kind", "pipeline", "root_cause", "blast_radius", "effective_tier",
            "to", "channel", "message"} <= set(data)  # fmt: skip
    assert Alert.from_dict(data) == alert == replay(project, lines)[0]
    assert alert.to_message().severity == "normal"


# -- state, predictions, the fleet -----------------------------------------------------------------
def test_the_state_round_trips_through_json_and_a_restart_sends_nothing_twice(tmp_path):
    view = FleetView.from_project(sla_chain(tmp_path))
    whole = Monitor(view)
    expected = whole.feed(ev("00:00", "tick")) + whole.advance(at("23:00"))
    first = Monitor(view)
    got = first.feed(ev("00:00", "tick")) + first.advance(at("07:05"))
    saved = first.state.model_dump_json()
    second = Monitor(view, state=MonitorState.model_validate_json(saved))
    got += second.advance(at("07:05")) + second.advance(at("23:00"))
    assert got == expected and len(expected) == 4


def test_predictions_from_history_interpolated_p90_and_the_fallback(tmp_path):
    view = FleetView.build([pipe("a"), pipe("b")])
    state = MonitorState()
    state.runs_of("a").durations = [60.0 * m for m in (10, 12, 11, 30, 13, 9, 10, 11, 12, 14)]
    predictor = Predictor(view, state, MonitorConfig(), SlotBook(view.pipelines, state))
    a, b = predictor.expected_duration("a"), predictor.expected_duration("b")
    # p90: 0.9 x 9 = rank 8.1 (from 0): 14 + 0.1 x (30 - 14) min
    assert (a.median, a.p90, a.samples, a.fallback) == (
        timedelta(minutes=11.5),
        timedelta(minutes=15.6),
        10,
        False,
    )
    assert (b.p90, b.fallback, b.describe()) == (
        timedelta(minutes=10),
        True,
        "no run history yet: 10 min assumed",
    )


def test_schedules_and_deadlines_are_local_and_dst_safe():
    london = pipe("a", schedule="0 6 * * *", timezone="Europe/London")
    start = datetime(2026, 10, 24, tzinfo=UTC)
    found = slots_between(london, start, start + timedelta(days=2))
    assert [s.isoformat() for s in found] == ["2026-10-24T05:00:00+00:00",
                                              "2026-10-25T06:00:00+00:00"]  # fmt: skip
    assert deadline("17:00", date(2026, 10, 24), "Europe/London").hour == 16
    assert deadline("17:00", date(2026, 10, 26), "Europe/London").hour == 17
    every = pipe("b", interval_seconds=4 * 3600)  # from promoted_at 06:00
    assert [s.hour for s in slots_between(every, start, start + timedelta(days=1))] == [
        2, 6, 10, 14, 18, 22
    ]  # fmt: skip
    paused = pipe("c", schedule="0 6 * * *", paused=True)
    assert slots_between(paused, start, start + timedelta(days=1)) == []


def test_the_fleet_view_reads_current_releases_else_the_newest(tmp_path):
    older = manifest_of(pipe("extract", "ana", writes=["file:raw.csv"]), promoted_at=
                        "2026-09-01T06:00:00+00:00", declared=True)  # fmt: skip
    newer = manifest_of(pipe("extract", "ben", writes=["file:raw.csv"]), declared=True)
    write_release(tmp_path, older, current=False)
    write_release(tmp_path, newer, current=False)
    report = manifest_of(pipe("report", "cy", "risk", "critical", reads=["file:raw.csv"]))
    write_release(tmp_path, report)
    write_release(tmp_path, manifest_of(pipe("report", "zoe"), promoted_at=
                  "2026-10-20T06:00:00+00:00"), current=False)  # fmt: skip
    view = FleetView.from_project(tmp_path)
    assert view.pipeline("extract").owner == "ben"
    assert view.pipeline("report").owner == "cy"
    assert view.upstream("report") == ["extract"] and view.effective_tier("extract") == "critical"
    assert view.roster is None


# -- the docs ------------------------------------------------------------------------------------
def test_the_worked_example_of_the_docs_is_what_the_replay_says(tmp_path):
    """docs/monitor-replay.md shows a timeline and what its replay says: both stay true."""
    timeline, shown = worked_example_text()
    project = worked_example(tmp_path)
    alerts = replay(project, timeline)
    summaries = [block.splitlines()[0] for block in shown.strip().split("\n\n")]
    assert len(alerts) == len(summaries)
    for alert, summary in zip(alerts, summaries, strict=True):
        when, kind, incident = summary.split()[:3]
        assert (when, kind, incident) == (alert.at.strftime("%Y-%m-%dT%H:%M"), alert.kind,
                                          alert.incident or "-")  # fmt: skip
        assert f"[{', '.join(alert.to)}]" in summary and summary.endswith(alert.channel)
        assert all(f"    {line}\n" in shown for line in alert.message.splitlines())
