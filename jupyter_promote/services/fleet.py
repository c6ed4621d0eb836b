"""The fleet service: the catalog kept in step with the release files, lineage and impact,
effective tiers on the deployments, and the pipeline-level runbooks that stay true.

Ownership (transfer, orphans) is :mod:`.owners`; retirement (stale, claim) :mod:`.retire`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError
from jupyter_promote.fleet.catalog import Catalog, Row, SyncReport
from jupyter_promote.fleet.datasets import parse_dataset
from jupyter_promote.release.runbook_lineage import DatasetLine, FleetContext, Neighbour
from jupyter_promote.util.spelling import did_you_mean

EFFECTIVE_TAG = "effective-tier:"  # == orchestration.deploy.EFFECTIVE_TIER_TAG


class UnknownTarget(PromoteError):
    """``impact`` was asked about a name that is neither a pipeline nor a known dataset."""

    http_status = 404


def open_catalog(config: PromoteConfig, *, sync: bool = True) -> Catalog:
    """The project's catalog, brought up to date with the release files (only what changed is
    read; a lost catalog is rebuilt here)."""
    catalog = Catalog(config.catalog_url)
    if sync:
        catalog.sync(config.pipelines_path, config.project_path)
    return catalog


def sync(config: PromoteConfig) -> SyncReport:
    """``jupyter promote catalog sync``: index what changed; move effective-tier tags."""
    catalog = Catalog(config.catalog_url)
    report = catalog.sync(config.pipelines_path, config.project_path)
    if report.tiers_changed:
        apply_tier_changes(config, catalog, report.tiers_changed)
    if report.changed:
        refresh_runbooks(config, catalog, catalog.pipelines())
    return report


# -- impact ----------------------------------------------------------------------------------
@dataclass
class Reached:
    """A pipeline downstream (or upstream) of the start."""

    name: str
    owner: str
    team: str
    tier: str
    effective_tier: str
    depth: int
    via: str  # the dataset between it and the pipeline it was reached from
    through: str  # that pipeline


@dataclass
class ImpactReport:
    """Everything downstream of a pipeline or a dataset, with owners and effective tier."""

    start: str
    kind: str  # pipeline | dataset
    owner: str | None
    tier: str | None
    effective_tier: str
    pipelines: list[Reached] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    consumers: list[tuple[str, str]] = field(default_factory=list)  # (consumer, pipeline)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "kind": self.kind,
            "owner": self.owner,
            "tier": self.tier,
            "effective_tier": self.effective_tier,
            "pipelines": [vars(p) for p in self.pipelines],
            "datasets": self.datasets,
            "consumers": [{"consumer": c, "pipeline": p} for c, p in self.consumers],
        }


def impact(config: PromoteConfig, target: str, *, catalog: Catalog | None = None) -> ImpactReport:
    """Everything downstream of ``target`` (a pipeline name or a dataset).

    Raises:
        UnknownTarget: neither a promoted pipeline nor a dataset any pipeline reads or writes
            (with a "did you mean").
    """
    catalog = catalog or open_catalog(config)
    start = catalog.pipeline(target)
    if start is not None:
        reached = catalog.walk([start.name])
        report = ImpactReport(target, "pipeline", start.owner, start.tier, start.effective_tier)
        report.datasets = [key for key, _ in catalog.datasets_of(start.name)["write"]]
        roots = [start.name]
    else:
        key = _dataset_key(catalog, target)
        readers, _writers = catalog.readers_writers(key)
        reached = catalog.walk(readers)
        for reader in readers:
            reached.setdefault(reader, (0, "", key))
        report = ImpactReport(key, "dataset", None, None, "low")
        report.datasets = [key]
        roots = []
    rows = {r.name: r for r in catalog.pipelines(names=list(reached))}
    for name, (depth, through, via) in sorted(reached.items(), key=lambda i: (i[1][0], i[0])):
        row = rows[name]
        report.pipelines.append(
            Reached(name, row.owner, row.team, row.tier, row.effective_tier, depth + 1 if
                    report.kind == "dataset" else depth, via, through)
        )  # fmt: skip
    report.datasets += [k for keys in catalog.writes_of(reached).values() for k in keys]
    report.datasets = sorted(dict.fromkeys(report.datasets))
    consumers = catalog.consumers_of([*roots, *reached])
    report.consumers = sorted((c, p) for p, cs in consumers.items() for c in cs)
    if report.kind == "dataset":
        from jupyter_promote.fleet.model import highest_tier

        report.effective_tier = highest_tier(*(p.effective_tier for p in report.pipelines))
    return report


def _dataset_key(catalog: Catalog, text: str) -> str:
    key = parse_dataset(text).key
    keys = catalog.dataset_keys()
    if key in keys or text in keys:
        return key if key in keys else text
    names = [r.name for r in catalog.pipelines()]
    raise UnknownTarget(
        f"{text!r} is neither a promoted pipeline nor a dataset any pipeline reads or writes"
        + did_you_mean(text, names + keys),
        hint="see `jupyter promote ls` for pipelines and `jupyter promote lineage` for datasets",
    )


def neighbourhood(
    config: PromoteConfig, name: str, depth: int = 2
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The lineage around ``name``, ``depth`` hops each way, as plain nodes and edges (the
    panel's Pipelines view draws it)."""
    from jupyter_promote.fleet import graph

    fleet_graph = graph.FleetGraph.build(open_catalog(config).fleet())
    return graph.neighbourhood(fleet_graph, name, depth)


# -- effective tiers on the deployments --------------------------------------------------------
def apply_tier_changes(
    config: PromoteConfig, catalog: Catalog, changed: dict[str, tuple[str, str]]
) -> list[str]:
    """Move each changed pipeline's ``effective-tier:`` tag on its Prefect deployment, and log
    the change in the catalog. Returns what could not be updated (Prefect down: the tags catch
    up on the next promotion or sync)."""
    from jupyter_promote.orchestration import deploy, stack

    if not changed:
        return []
    for name, (old, new) in changed.items():
        catalog.log(name, "effective-tier", detail=f"{old} -> {new}")
    try:
        env = stack.prefect_env(config)
        deploy.check_reachable(env["PREFECT_API_URL"])
    except PromoteError:
        return sorted(changed)
    failed = []
    with deploy.using(env["PREFECT_API_URL"]):
        for name, (_, new) in sorted(changed.items()):
            try:
                deploy.set_tag(name, EFFECTIVE_TAG, new)
            except PromoteError:
                failed.append(name)
    return failed


# -- runbooks that stay true ---------------------------------------------------------------------
def fleet_context(catalog: Catalog, name: str) -> FleetContext | None:
    """What the catalog knows about indexed pipeline ``name``, for its runbook."""
    row = catalog.pipeline(name)
    if row is None:
        return None
    datasets = catalog.datasets_of(name)
    consumers = catalog.consumers_of([name]).get(name, [])
    return context_for(catalog, name, row.tier, datasets["read"], datasets["write"], consumers)


def context_for(
    catalog: Catalog,
    name: str,
    tier: str,
    reads: list[tuple[str, str]],
    writes: list[tuple[str, str]],
    consumers: list[str],
) -> FleetContext:
    """The fleet's facts for a pipeline with this lineage, indexed or about to be (a release
    being promoted): who writes what it reads, who reads what it writes, and further out."""
    from jupyter_promote.fleet.model import highest_tier

    writers = {key: catalog.readers_writers(key)[1] for key, _ in reads}
    readers = {key: catalog.readers_writers(key)[0] for key, _ in writes}
    first_up = sorted({p for ps in writers.values() for p in ps if p != name})
    first_down = sorted({p for ps in readers.values() for p in ps if p != name})
    up = {p: (1, name, "") for p in first_up}
    up.update({k: (d + 1, s, v) for k, (d, s, v) in catalog.walk(first_up, down=False).items()
               if k not in up and k != name})  # fmt: skip
    down = {p: (1, name, "") for p in first_down}
    down.update({k: (d + 1, s, v) for k, (d, s, v) in catalog.walk(first_down).items()
                 if k not in down and k != name})  # fmt: skip
    rows = {r.name: r for r in catalog.pipelines(names=[*up, *down])}
    effective = highest_tier(tier, *(rows[p].effective_tier for p in first_down if p in rows))
    downstream_consumers = catalog.consumers_of(list(down))
    return FleetContext(
        tier=tier,
        effective_tier=effective,
        reads=tuple(DatasetLine(k, o, tuple(p for p in writers[k] if p != name)) for k, o in reads),
        writes=tuple(
            DatasetLine(k, o, tuple(p for p in readers[k] if p != name)) for k, o in writes
        ),
        upstream=_neighbours(up, rows),
        downstream=_neighbours(down, rows),
        consumers=tuple(sorted({*consumers, *(c for cs in downstream_consumers.values()
                                             for c in cs)})),
    )  # fmt: skip


def _neighbours(
    reached: dict[str, tuple[int, str, str]], rows: dict[str, Row]
) -> tuple[Neighbour, ...]:
    return tuple(
        Neighbour(name, rows[name].owner, rows[name].effective_tier, depth)
        for name, (depth, _, _) in sorted(reached.items(), key=lambda i: (i[1][0], i[0]))
        if name in rows
    )


def refresh_runbooks(config: PromoteConfig, catalog: Catalog, rows: list[Row]) -> list[str]:
    """Rewrite ``pipelines/NAME/RUNBOOK.md`` (the current runbook, beside the releases'
    snapshots) where the fleet's facts changed it. Returns the pipelines rewritten."""
    from jupyter_promote.analysis.notebook import read_notebook
    from jupyter_promote.analysis.pipeline import analyze_notebook
    from jupyter_promote.release.manifest import ReleaseManifest
    from jupyter_promote.release.runbook import render_runbook
    from jupyter_promote.release.schedule import describe_schedule
    from jupyter_promote.util.files import atomic_write_text

    written = []
    for row in rows:
        folder = Path(row.release_dir)
        manifest = ReleaseManifest.model_validate(catalog.manifest(row.name))
        try:
            loaded = read_notebook(folder / manifest.notebook)
        except PromoteError:
            continue
        spec = analyze_notebook(loaded.nb, manifest.source_notebook)
        settings = manifest.settings()
        text = render_runbook(
            spec,
            settings,
            version=manifest.version,
            schedule_text=describe_schedule(settings),
            promoted_by=manifest.promoted_by,
            promoted_at=manifest.promoted_at,
            dry_run=manifest.dry_run,
            release_notebook=f"{folder.parent.parent.name}/{row.name}/{manifest.version}/"
            f"{manifest.notebook}",
            fleet=fleet_context(catalog, row.name),
        )
        target = folder.parent / "RUNBOOK.md"
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            atomic_write_text(target, text)
            written.append(row.name)
    return written


def now() -> datetime:
    return datetime.now(timezone.utc)
