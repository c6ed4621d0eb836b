"""Fleets for the monitor's tests: real release folders written into a project directory.

Each pipeline becomes ``pipelines/NAME/VERSION/manifest.yaml`` (a real
:class:`~jupyter_promote.release.manifest.ReleaseManifest`, written with ``manifest_text``)
with ``pipelines/NAME/CURRENT`` naming it, and the roster becomes ``teams.yaml``, so
:meth:`FleetView.from_project` reads them as it reads a real project.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jupyter_promote._version import __version__
from jupyter_promote.fleet.model import FleetPipeline
from jupyter_promote.release.manifest import DatasetUse, Lineage, ReleaseManifest, manifest_text
from jupyter_promote.release.settings import Tier

PROMOTED_AT = "2026-10-01T06:00:00+00:00"


def pipe(
    name: str,
    owner: str = "ana",
    team: str = "data",
    tier: Tier = "normal",
    *,
    reads: Sequence[str] = (),
    writes: Sequence[str] = (),
    consumers: Sequence[str] = (),
    **schedule: Any,
) -> FleetPipeline:
    """A pipeline; ``schedule`` takes schedule, interval_seconds, timezone, sla, paused."""
    return FleetPipeline(
        name, owner, team, tier, list(consumers), reads=list(reads), writes=list(writes),
        promoted_at=PROMOTED_AT, **schedule,
    )  # fmt: skip


def manifest_of(
    pipeline: FleetPipeline,
    steps: Sequence[str] = (),
    promoted_at: str = PROMOTED_AT,
    declared: bool = False,
) -> ReleaseManifest:
    """The manifest of a release of ``pipeline`` (datasets in the lineage, or ``declared``
    with --reads/--writes as older releases have them)."""
    version = hashlib.sha256(f"{pipeline.name}{promoted_at}".encode()).hexdigest()[:12]
    lineage = Lineage(
        reads=[DatasetUse(key=k, origin="declared") for k in pipeline.reads],
        writes=[DatasetUse(key=k, origin="declared") for k in pipeline.writes],
    )
    return ReleaseManifest(
        name=pipeline.name, version=version, owner=pipeline.owner, team=pipeline.team,
        schedule=pipeline.schedule, interval_seconds=pipeline.interval_seconds,
        timezone=pipeline.timezone, sla=pipeline.sla, tier=pipeline.tier,
        consumers=list(pipeline.consumers), reads=list(pipeline.reads),
        writes=list(pipeline.writes), work_pool="jupyter-promote", steps=list(steps),
        lineage=Lineage() if declared else lineage, promoted_by=pipeline.owner,
        promoted_at=promoted_at, dry_run="passed", source_notebook=f"{pipeline.name}.ipynb",
        deployed=True, jupyter_promote_version=__version__,
    )  # fmt: skip


def write_release(project: Path, manifest: ReleaseManifest, current: bool = True) -> Path:
    """Write one release folder (and point CURRENT at it)."""
    folder = project / "pipelines" / manifest.name / manifest.version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.yaml").write_text(manifest_text(manifest), encoding="utf-8")
    if current:
        (folder.parent / "CURRENT").write_text(manifest.version + "\n", encoding="utf-8")
    return folder


def write_project(
    project: Path,
    pipelines: Iterable[FleetPipeline],
    roster: dict[str, list[str]] | None = None,
    steps: dict[str, list[str]] | None = None,
) -> Path:
    """A project holding ``pipelines`` and, with ``roster`` (team -> member ids), teams.yaml."""
    for pipeline in pipelines:
        write_release(project, manifest_of(pipeline, (steps or {}).get(pipeline.name, ())))
    if roster is not None:
        teams = [
            {"name": team, "members": [{"id": member} for member in members]}
            for team, members in roster.items()
        ]
        (project / "teams.yaml").write_text(json.dumps({"teams": teams}), encoding="utf-8")
    return project


DOC = Path(__file__).resolve().parents[1] / "docs" / "monitor-replay.md"


def worked_example_text() -> tuple[list[str], str]:
    """docs/monitor-replay.md's worked example: its timeline lines and the replay it shows."""
    example = DOC.read_text(encoding="utf-8").split("## A worked example", 1)[1]
    timeline = example.split("```json\n", 1)[1].split("```", 1)[0].splitlines()
    shown = example.split("```text\n", 1)[1].split("```", 1)[0]
    return timeline, shown


def worked_example(project: Path) -> Path:
    """The fleet of docs/monitor-replay.md's worked example, written into ``project``."""
    return write_project(
        project,
        [
            pipe("extract", "ana", "data", writes=["file:raw/orders.csv"], schedule="0 6 * * *"),
            pipe("side_metrics", "ana", "data", "low", reads=["file:raw/orders.csv"],
                 schedule="15 6 * * *"),
            pipe("clean", "ben", "data", reads=["file:raw/orders.csv"],
                 writes=["sql:risk.orders"], schedule="30 6 * * *"),
            pipe("exposure_report", "cy", "risk", "critical", reads=["sql:risk.orders"],
                 consumers=["regulator"], schedule="0 7 * * *", timezone="Europe/London",
                 sla="09:00"),
        ],
        roster={"data": ["ana", "ben"], "risk": ["cy"]},
    )  # fmt: skip
