"""Retirement rules with a fixed clock: stale, claimed, paused, notified then due; orphans."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jupyter_promote.fleet.links import FleetGraph
from jupyter_promote.fleet.model import Fleet, FleetPipeline
from jupyter_promote.fleet.retire import (
    Notice,
    Orphan,
    ReadRecord,
    due_for_pause,
    orphans,
    stale,
)
from jupyter_promote.fleet.roster import parse_roster

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def pipe(name, writes=(), reads=(), age=100, **extra) -> FleetPipeline:
    first = ago(age).isoformat() if age is not None else ""
    return FleetPipeline(
        name, "ana", "risk", reads=list(reads), writes=list(writes),
        first_promoted_at=first, **extra,
    )  # fmt: skip


def graph_of(*pipelines: FleetPipeline) -> FleetGraph:
    fleet = Fleet()
    for pipeline in pipelines:
        fleet.add(pipeline)
    return FleetGraph.build(fleet)


def reasons(graph, reads=(), notices=(), days=30) -> dict[str, str]:
    return {e.pipeline: e.reason for e in stale(graph, list(reads), list(notices), NOW, days)}


def test_what_is_stale_and_why():
    graph = graph_of(
        pipe("never-read", ["file:a.csv"]),
        pipe("read-long-ago", ["file:b.csv"]),
        pipe("read-recently", ["file:c.csv"]),
        pipe("read-by-itself", ["file:d.csv"], ["file:d.csv"]),
        pipe("writes-nothing", []),
        pipe("young", ["file:e.csv"], age=10),
        pipe("undated", ["file:f.csv"], age=None),
        pipe("upstream", ["file:g.csv"]),
        pipe("downstream", [], ["file:g.csv"], consumers=["cfo"]),
        pipe("consumed", ["file:h.csv"], consumers=["regulator"]),
    )
    reads = [
        ReadRecord("file:b.csv", ago(41.2), "bi-tool"),
        ReadRecord("file:b.csv", ago(60), "someone"),
        ReadRecord("file:c.csv", ago(50), "bi-tool"),
        ReadRecord("file:c.csv", ago(3), "bi-tool"),
        ReadRecord("file:d.csv", ago(1), "read-by-itself"),
    ]
    assert reasons(graph, reads) == {
        "never-read": "no downstream pipeline, no consumer; outputs never read",
        "read-by-itself": "no downstream pipeline, no consumer; outputs never read",
        "read-long-ago": "no downstream pipeline, no consumer; outputs last read 41 days ago"
        " (file:b.csv)",
        "writes-nothing": "no downstream pipeline, no consumer; writes no dataset",
    }
    entry = next(e for e in stale(graph, reads, [], NOW) if e.pipeline == "read-long-ago")
    assert (entry.last_read, entry.last_read_key, entry.owner) == (
        ago(41.2),
        "file:b.csv",
        "ana",
    )


def test_the_window_is_a_parameter():
    graph = graph_of(pipe("p", ["file:a.csv"], age=20))
    reads = [ReadRecord("file:a.csv", ago(12), "bi")]
    assert reasons(graph, reads, days=30) == {}
    assert list(reasons(graph, reads, days=10)) == ["p"]


def test_naive_datetimes_are_utc():
    graph = graph_of(pipe("p", ["file:a.csv"]))
    reads = [ReadRecord("file:a.csv", ago(2).replace(tzinfo=None), "bi")]
    assert stale(graph, reads, [], NOW.replace(tzinfo=None)) == []


def test_paused_pipelines_are_not_listed():
    graph = graph_of(
        pipe("paused-deployment", ["file:a.csv"], paused=True),
        pipe("paused-by-notice", ["file:b.csv"]),
        pipe("paused-then-told", ["file:c.csv"]),
    )
    notices = [
        Notice("paused-by-notice", "notified", ago(20), "monitor", None),
        Notice("paused-by-notice", "paused", ago(5), "monitor", None),
        Notice("paused-then-told", "paused", ago(20), "monitor", None),
        Notice("paused-then-told", "notified", ago(5), "monitor", None),
    ]
    assert list(reasons(graph, notices=notices)) == ["paused-then-told"]


def test_a_claim_holds_until_its_end_or_until_withdrawn():
    graph = graph_of(
        pipe("claimed", ["file:a.csv"]),
        pipe("claim-expired", ["file:b.csv"]),
        pipe("claimed-for-ever", ["file:c.csv"]),
        pipe("unclaimed", ["file:d.csv"]),
    )
    notices = [
        Notice("claimed", "claimed", ago(3), "ben", ago(-30)),
        Notice("claim-expired", "claimed", ago(40), "ben", ago(1)),
        Notice("claimed-for-ever", "claimed", ago(300), "ben", None),
        Notice("unclaimed", "claimed", ago(10), "ben", None),
        Notice("unclaimed", "unclaimed", ago(2), "ben", None),
    ]
    assert list(reasons(graph, notices=notices)) == ["claim-expired", "unclaimed"]


def test_notified_then_due_for_pause():
    graph = graph_of(
        pipe("told-20-days-ago", ["file:a.csv"]),
        pipe("told-3-days-ago", ["file:b.csv"]),
        pipe("told-then-claimed", ["file:c.csv"]),
        pipe("never-told", ["file:d.csv"]),
    )
    notices = [
        Notice("told-20-days-ago", "notified", ago(40), "monitor", None),
        Notice("told-20-days-ago", "notified", ago(20), "monitor", None),
        Notice("told-3-days-ago", "notified", ago(3), "monitor", None),
        Notice("told-then-claimed", "notified", ago(60), "monitor", None),
        Notice("told-then-claimed", "claimed", ago(50), "ben", ago(10)),
    ]
    entries = stale(graph, [], notices, NOW)
    assert {e.pipeline: e.notified_at for e in entries} == {
        "never-told": None,
        "told-20-days-ago": ago(20),
        "told-3-days-ago": ago(3),
        "told-then-claimed": None,  # the claim ended: the owner must be told again
    }
    assert due_for_pause(entries, notices, NOW, after_days=14) == ["told-20-days-ago"]
    assert due_for_pause(entries, notices, NOW, after_days=20) == ["told-20-days-ago"]
    assert due_for_pause(entries, notices, NOW, after_days=21) == []
    assert due_for_pause(entries, notices, NOW, after_days=3) == [
        "told-20-days-ago",
        "told-3-days-ago",
    ]


def test_a_claim_or_pause_after_the_notice_stops_the_pause():
    graph = graph_of(pipe("p", ["file:a.csv"]))
    told = [Notice("p", "notified", ago(20), "monitor", None)]
    entries = stale(graph, [], told, NOW)
    later_claim = [*told, Notice("p", "claimed", ago(1), "ben", ago(-5))]
    later_pause = [*told, Notice("p", "paused", ago(1), "monitor", None)]
    assert due_for_pause(entries, told, NOW, after_days=14) == ["p"]
    assert due_for_pause(entries, later_claim, NOW, after_days=14) == []
    assert due_for_pause(entries, later_pause, NOW, after_days=14) == []


def test_orphans_are_owners_not_on_the_roster():
    fleet = Fleet()
    fleet.add(FleetPipeline("by-id", "ana", "risk"))
    fleet.add(FleetPipeline("by-email", "Cy@Bank.Example", "risk"))
    fleet.add(FleetPipeline("left", "zoe", "cm"))
    fleet.add(FleetPipeline("typo", "anna", ""))
    roster = parse_roster(
        "teams:\n- name: risk\n  members: [{id: ana}, {id: cy, email: cy@bank.example}]\n"
    )
    assert orphans(fleet, roster) == [
        Orphan(pipeline="left", owner="zoe", team="cm"),
        Orphan(pipeline="typo", owner="anna", team=""),
    ]
    assert orphans(fleet, None) == []
