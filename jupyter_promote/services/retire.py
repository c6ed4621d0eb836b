"""Retiring what nobody uses: ``stale`` lists pipelines with no downstream pipeline, no
consumer and outputs nobody read lately; ``--notify`` tells their owners; ``--pause-after``
pauses (never deletes) what is still unclaimed after the notice; ``claim`` keeps one. Every
step is logged in the catalog and shown by ``show``."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError
from jupyter_promote.fleet.catalog import Catalog
from jupyter_promote.fleet.graph import FleetGraph
from jupyter_promote.fleet.retire import Notice, ReadRecord, StaleEntry, due_for_pause, stale

NOTICE_KINDS = ("notified", "paused", "claimed", "unclaimed")
DEFAULT_CLAIM_DAYS = 180


class UnknownPipeline(PromoteError):
    """No promoted pipeline has that name."""

    http_status = 404


@dataclass
class StaleReport:
    """What ``stale`` found and did."""

    days: int
    entries: list[StaleEntry] = field(default_factory=list)
    notified: list[tuple[str, list[str]]] = field(default_factory=list)  # pipeline, deliveries
    paused: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # pipeline, why

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "stale": [
                vars(e) | {"notified_at": _iso(e.notified_at), "last_read": _iso(e.last_read)}
                for e in self.entries
            ],
            "notified": [{"pipeline": p, "deliveries": d} for p, d in self.notified],
            "paused": self.paused,
            "failed": [{"pipeline": p, "error": e} for p, e in self.failed],
        }


def notices(catalog: Catalog) -> list[Notice]:
    """The retirement notices the catalog logged (notified, paused, claimed, unclaimed)."""
    return [
        Notice(
            pipeline=e["pipeline"],
            kind=e["kind"],
            at=datetime.fromisoformat(e["at"]),
            by=e["actor"],
            until=datetime.fromisoformat(e["until"]) if e["until"] else None,
        )
        for e in catalog.events()
        if e["kind"] in NOTICE_KINDS
    ]


def find_stale(
    config: PromoteConfig, days: int | None = None, now: datetime | None = None
) -> tuple[Catalog, list[StaleEntry]]:
    """Stale pipelines (see the module docstring) as of ``now``."""
    from jupyter_promote.services.fleet import open_catalog

    catalog = open_catalog(config)
    graph = FleetGraph.build(catalog.fleet())
    reads = [ReadRecord(key, at, by) for key, at, by in catalog.reads()]
    when = now or datetime.now(timezone.utc)
    return catalog, stale(
        graph, reads, notices(catalog), when, config.stale_days if days is None else days
    )


def run_stale(
    config: PromoteConfig,
    *,
    days: int | None = None,
    notify: bool = False,
    pause_after: int | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> StaleReport:
    """``jupyter promote stale``: list; optionally tell owners, and pause what was told at
    least ``pause_after`` days ago and is still unclaimed (paused, never deleted)."""
    when = now or datetime.now(timezone.utc)
    catalog, entries = find_stale(config, days, when)
    report = StaleReport(days=config.stale_days if days is None else days, entries=entries)
    who = actor or getpass.getuser()
    if notify:
        for entry in entries:
            if entry.notified_at is None:
                report.notified.append((entry.pipeline, _notify(config, catalog, entry, who, when)))
    if pause_after is not None:
        for name in due_for_pause(entries, notices(catalog), when, pause_after):
            try:
                _pause(config, name)
            except PromoteError as exc:
                report.failed.append((name, exc.render()))
                continue
            why = f"stale and unclaimed {pause_after} days after the notice"
            catalog.log(name, "paused", actor=who, at=when, detail=why)
            report.paused.append(name)
    return report


def claim(
    config: PromoteConfig, name: str, *, days: int = DEFAULT_CLAIM_DAYS, actor: str | None = None
) -> datetime:
    """Keep ``name`` out of ``stale`` for ``days`` (someone still needs it). Returns until when.

    Raises:
        UnknownPipeline: no promoted pipeline has that name.
    """
    from jupyter_promote.services.fleet import open_catalog

    catalog = open_catalog(config)
    if catalog.pipeline(name) is None:
        raise UnknownPipeline(
            f"no promoted pipeline {name!r}", hint="see `jupyter promote ls` for the names"
        )
    until = datetime.now(timezone.utc) + timedelta(days=days)
    catalog.log(name, "claimed", actor=actor or getpass.getuser(), until=until,
                detail=f"kept for {days} days")  # fmt: skip
    return until


def _notify(
    config: PromoteConfig, catalog: Catalog, entry: StaleEntry, actor: str, when: datetime
) -> list[str]:
    from jupyter_promote.monitor.notify import Message, send
    from jupyter_promote.services.routing import recipients

    routes = recipients(config, entry.owner, entry.team)
    message = Message(
        subject=f"{entry.pipeline} looks unused: it will be paused unless you claim it",
        text=(
            f"Pipeline {entry.pipeline} (owner {entry.owner}) is stale: {entry.reason}.\n"
            f"If someone still needs it: jupyter promote claim {entry.pipeline}\n"
            "Otherwise it will be paused (never deleted); `jupyter promote resume` restarts it."
        ),
        fields={"pipeline": entry.pipeline, "owner": entry.owner, "reason": entry.reason},
        severity="low",
        links=[],
    )
    deliveries = []
    for route in routes.channels:
        delivery = send(route, message)
        deliveries.append(f"{delivery.target}: {'sent' if delivery.ok else delivery.error}")
    if not routes.channels:
        deliveries.append(f"no channel for {entry.owner} (add one in teams.yaml)")
    catalog.log(entry.pipeline, "notified", actor=actor, at=when,
                detail=f"{entry.reason}; " + "; ".join(deliveries + routes.notes))  # fmt: skip
    return deliveries + routes.notes


def _pause(config: PromoteConfig, name: str) -> None:
    from jupyter_promote.services.pipelines import set_paused

    set_paused(name, config, True)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
