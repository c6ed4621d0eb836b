"""Retirement: pipelines whose outputs nobody uses are listed, their owners told, and after
the notice their deployments paused (never deleted).

Pure functions of (graph, read records, notices, clock): the CLI and the monitor feed them the
catalog's records and the time; tests feed a fixed clock. Notices are the history of the
retirement process for one pipeline:

- ``notified``: the owner was told it is stale;
- ``paused``: its deployment was paused for it;
- ``claimed``: someone said it is still needed (holds until ``until``; no ``until``: until
  ``unclaimed``);
- ``unclaimed``: a claim was withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

from jupyter_promote.fleet.links import FleetGraph
from jupyter_promote.fleet.model import Fleet, FleetPipeline
from jupyter_promote.fleet.roster import Roster

NoticeKind = Literal["notified", "paused", "claimed", "unclaimed"]


@dataclass(frozen=True)
class ReadRecord:
    """Someone (``by``: a pipeline, a person, a system) read dataset ``dataset_key``."""

    dataset_key: str
    at: datetime
    by: str


@dataclass(frozen=True)
class Notice:
    """One step of a pipeline's retirement (see the module docstring)."""

    pipeline: str
    kind: NoticeKind
    at: datetime
    by: str
    until: datetime | None = None


@dataclass(frozen=True)
class StaleEntry:
    """A pipeline nobody uses, and why it is considered so.

    Attributes:
        reason: ``"no downstream pipeline, no consumer; outputs last read 41 days ago
            (file:data/x.csv)"``, ``...; outputs never read`` or ``...; writes no dataset``.
        last_read: When its outputs were last read by someone else, if ever.
        last_read_key: Which output that read was of.
        notified_at: When the owner was told (the latest notice since any claim), if at all.
    """

    pipeline: str
    owner: str
    team: str
    reason: str
    last_read: datetime | None
    last_read_key: str | None
    notified_at: datetime | None


@dataclass(frozen=True)
class Orphan:
    """A pipeline whose owner is not on the team roster."""

    pipeline: str
    owner: str
    team: str


def stale(
    graph: FleetGraph,
    reads: Iterable[ReadRecord],
    notices: Iterable[Notice],
    now: datetime,
    days: int = 30,
) -> list[StaleEntry]:
    """Pipelines nobody uses: no downstream pipeline, no consumer, no read of their outputs
    (by anyone but themselves) within ``days``, first promoted more than ``days`` ago, not
    paused and not claimed. Sorted by name.

    Naive datetimes are taken as UTC. A pipeline with no promotion date is never stale.

    Example:
        >>> from jupyter_promote.fleet.model import FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("old", "ana", writes=["file:x.csv"],
        ...                         first_promoted_at="2026-01-01T00:00:00+00:00"))
        >>> now = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> reads = [ReadRecord("file:x.csv", datetime(2026, 1, 10, tzinfo=timezone.utc), "bi")]
        >>> [e.reason for e in stale(FleetGraph.build(fleet), reads, [], now)]
        ['no downstream pipeline, no consumer; outputs last read 50 days ago (file:x.csv)']
    """
    last_reads = _last_reads(reads)
    history = _by_pipeline(notices)
    cutoff = _aware(now) - timedelta(days=days)
    found = []
    for name in sorted(graph.pipelines):
        pipeline = graph.pipelines[name]
        own = history.get(name, [])
        if not _unused(graph, pipeline, cutoff) or _held(pipeline, own, _aware(now)):
            continue
        last = _last_read(graph, pipeline, last_reads)
        if last is None or last[0] <= cutoff:
            found.append(_entry(pipeline, last, own, _aware(now)))
    return found


def due_for_pause(
    entries: Iterable[StaleEntry], notices: Iterable[Notice], now: datetime, after_days: int
) -> list[str]:
    """Stale pipelines whose owner was told at least ``after_days`` ago, with no claim and no
    pause since: the ones to pause now. Sorted.

    Example:
        >>> told = datetime(2026, 3, 1, tzinfo=timezone.utc)
        >>> entry = StaleEntry("old", "ana", "", "never read", None, None, told)
        >>> due_for_pause([entry], [], told + timedelta(days=14), after_days=14)
        ['old']
    """
    history = _by_pipeline(notices)
    due = []
    for entry in entries:
        if entry.notified_at is None:
            continue
        told = _aware(entry.notified_at)
        later = {n.kind for n in history.get(entry.pipeline, []) if _aware(n.at) > told}
        if _aware(now) - told >= timedelta(days=after_days) and not later & {"claimed", "paused"}:
            due.append(entry.pipeline)
    return sorted(due)


def orphans(fleet: Fleet, roster: Roster | None) -> list[Orphan]:
    """Pipelines whose owner is not on the roster (none when there is no roster). Sorted.

    Example:
        >>> from jupyter_promote.fleet.model import FleetPipeline
        >>> from jupyter_promote.fleet.roster import parse_roster
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("a", "ana@bank.example", "risk"))
        >>> fleet.add(FleetPipeline("b", "zoe", "risk"))
        >>> orphans(fleet, parse_roster("teams: [{name: risk, members: [{id: ana, "
        ...                             "email: ana@bank.example}]}]"))
        [Orphan(pipeline='b', owner='zoe', team='risk')]
    """
    if roster is None:
        return []
    return [
        Orphan(name, p.owner, p.team)
        for name, p in sorted(fleet.pipelines.items())
        if not roster.is_member(p.owner)
    ]


def _unused(graph: FleetGraph, pipeline: FleetPipeline, cutoff: datetime) -> bool:
    """No consumer, no downstream pipeline, and promoted before ``cutoff``."""
    first = _parse(pipeline.first_promoted_at or pipeline.promoted_at)
    if first is None or first > cutoff or pipeline.consumers:
        return False
    return not graph.after(pipeline.name)


def _held(pipeline: FleetPipeline, own: list[Notice], now: datetime) -> bool:
    """Paused (its deployment, or its latest notice says so), or under a live claim."""
    if pipeline.paused or (own and own[-1].kind == "paused"):
        return True
    for notice in reversed(own):
        if notice.kind == "unclaimed":
            return False
        if notice.kind == "claimed":
            return notice.until is None or _aware(notice.until) > now
    return False


def _last_reads(reads: Iterable[ReadRecord]) -> dict[str, dict[str, datetime]]:
    """dataset key -> reader -> the latest read (so a pipeline's own reads can be skipped)."""
    latest: dict[str, dict[str, datetime]] = {}
    for read in reads:
        by_reader = latest.setdefault(read.dataset_key, {})
        at = _aware(read.at)
        if read.by not in by_reader or by_reader[read.by] < at:
            by_reader[read.by] = at
    return latest


def _last_read(
    graph: FleetGraph, pipeline: FleetPipeline, latest: dict[str, dict[str, datetime]]
) -> tuple[datetime, str] | None:
    """The latest read of an output of ``pipeline`` by anyone else: (when, which key)."""
    best: tuple[datetime, str] | None = None
    for written in pipeline.writes:
        for key in graph.flows_to(written):
            for reader, at in latest.get(key, {}).items():
                if reader != pipeline.name and (best is None or at > best[0]):
                    best = (at, key)
    return best


def _entry(
    pipeline: FleetPipeline,
    last: tuple[datetime, str] | None,
    own: list[Notice],
    now: datetime,
) -> StaleEntry:
    if not pipeline.writes:
        outputs = "writes no dataset"
    elif last is None:
        outputs = "outputs never read"
    else:
        outputs = f"outputs last read {(now - last[0]).days} days ago ({last[1]})"
    return StaleEntry(
        pipeline=pipeline.name,
        owner=pipeline.owner,
        team=pipeline.team,
        reason=f"no downstream pipeline, no consumer; {outputs}",
        last_read=last[0] if last else None,
        last_read_key=last[1] if last else None,
        notified_at=_notified_at(own),
    )


def _notified_at(own: list[Notice]) -> datetime | None:
    """The latest ``notified`` since the last claim or unclaim (a claim resets the notice)."""
    for notice in reversed(own):
        if notice.kind in ("claimed", "unclaimed"):
            return None
        if notice.kind == "notified":
            return notice.at
    return None


def _by_pipeline(notices: Iterable[Notice]) -> dict[str, list[Notice]]:
    """pipeline -> its notices, oldest first."""
    history: dict[str, list[Notice]] = {}
    for notice in sorted(notices, key=lambda n: _aware(n.at)):
        history.setdefault(notice.pipeline, []).append(notice)
    return history


def _parse(text: str) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
