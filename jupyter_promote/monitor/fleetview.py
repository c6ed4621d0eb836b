"""What the monitor's policy knows of the fleet: each pipeline's owner, team, tier, effective
tier, SLA, timezone and schedule, the lineage between pipelines, and the roster.

Read from a project's release files (:meth:`FleetView.from_project`) or built in memory
(:meth:`FleetView.build`, for tests and for the live service, which has the catalog's fleet).
The walks are cached: a fleet does not change during a replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from jupyter_promote.fleet.datasets import parse_dataset
from jupyter_promote.fleet.graph import FleetGraph, Impact, downstream, effective_tiers, upstream
from jupyter_promote.fleet.model import TIER_RANK, Fleet, FleetPipeline
from jupyter_promote.fleet.roster import Roster, load_roster
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.settings import Tier
from jupyter_promote.release.store import CURRENT, list_releases, read_release

PIPELINES_DIR = "pipelines"


@dataclass
class FleetView:
    """The fleet as the monitor sees it.

    Example:
        >>> view = FleetView.build([
        ...     FleetPipeline("extract", "ana", "data", "low", writes=["file:x.csv"]),
        ...     FleetPipeline("report", "ben", "risk", "critical", ["regulator"],
        ...                   reads=["file:x.csv"], sla="09:00", schedule="0 7 * * *"),
        ... ])
        >>> view.effective_tier("extract"), view.upstream("report"), view.blast_radius("extract")
        ('critical', ['extract'], ['report'])
    """

    graph: FleetGraph
    roster: Roster | None = None
    steps: dict[str, list[str]] = field(default_factory=dict)
    _impacts: dict[str, Impact] = field(default_factory=dict, repr=False)
    _above: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    _watchers: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _before: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        pipelines: Iterable[FleetPipeline],
        roster: Roster | None = None,
        steps: dict[str, list[str]] | None = None,
    ) -> FleetView:
        """A view of these pipelines (lineage from their reads and writes)."""
        fleet = Fleet()
        for pipeline in pipelines:
            fleet.add(pipeline)
        return cls(FleetGraph.build(fleet), roster, dict(steps or {}))

    @classmethod
    def from_project(
        cls, project_dir: str | Path, pipelines_dir: str | Path | None = None
    ) -> FleetView:
        """The fleet of a project: each ``pipelines/NAME`` folder's current release (the one
        ``CURRENT`` names, else the newest promoted) and ``teams.yaml`` when there is one.

        Raises:
            ReleaseError: A manifest cannot be read (the message names it).
            RosterInvalid: ``teams.yaml`` has problems (each with its line).
        """
        root = Path(pipelines_dir) if pipelines_dir else Path(project_dir) / PIPELINES_DIR
        manifests = [m for m in map(_current, _folders(root)) if m is not None]
        return cls.build(
            (fleet_pipeline(m) for m in manifests),
            load_roster(project_dir),
            {m.name: list(m.steps) for m in manifests},
        )

    @property
    def pipelines(self) -> dict[str, FleetPipeline]:
        """Name -> pipeline."""
        return self.graph.pipelines

    def __contains__(self, name: object) -> bool:
        return name in self.graph.pipelines

    def pipeline(self, name: str) -> FleetPipeline:
        """The pipeline called ``name`` (KeyError when there is none)."""
        return self.graph.pipelines[name]

    @cached_property
    def _effective(self) -> dict[str, Tier]:
        return effective_tiers(self.graph)

    def effective_tier(self, name: str) -> Tier:
        """The highest tier among ``name`` and everything downstream of it."""
        return self._effective[name]

    def upstream(self, name: str) -> list[str]:
        """Pipelines writing what ``name`` reads (one hop), sorted."""
        found = self._before.get(name)
        if found is None:
            found = self._before[name] = self.graph.before(name)
        return found

    def upstream_closure(self, name: str) -> frozenset[str]:
        """Every pipeline ``name`` depends on, transitively."""
        found = self._above.get(name)
        if found is None:
            found = self._above[name] = frozenset(upstream(self.graph, name).names())
        return found

    def impact(self, name: str) -> Impact:
        """What is downstream of ``name``: pipelines, datasets, consumers."""
        found = self._impacts.get(name)
        if found is None:
            found = self._impacts[name] = downstream(self.graph, name)
        return found

    def blast_radius(self, name: str) -> list[str]:
        """Names of the pipelines downstream of ``name``, nearest first."""
        return self.impact(name).names()

    def sla_watchers(self, name: str) -> list[str]:
        """``name`` and its downstream pipelines that have an SLA: whose prediction an event
        of ``name`` can change."""
        found = self._watchers.get(name)
        if found is None:
            names = [name, *self.blast_radius(name)]
            found = self._watchers[name] = [n for n in names if self.pipelines[n].sla]
        return found

    def owned_by(self, member: str) -> list[str]:
        """Pipelines whose owner is ``member`` (id or e-mail, any case), sorted."""
        who = self.person(member)
        return sorted(n for n, p in self.pipelines.items() if self.person(p.owner) == who)

    def person(self, owner: str) -> str:
        """The canonical name of a person: their roster id, else the name lowercased."""
        found = self.roster.member(owner) if self.roster is not None else None
        return found.id if found is not None else owner.strip().lower()

    def most_important(self, names: Iterable[str]) -> str:
        """The pipeline of highest effective tier (then own tier, then name)."""
        return min(
            names,
            key=lambda n: (
                TIER_RANK[self.effective_tier(n)], TIER_RANK.get(self.pipelines[n].tier, 2), n
            ),
        )  # fmt: skip


def fleet_pipeline(manifest: ReleaseManifest) -> FleetPipeline:
    """A release's manifest as the fleet sees the pipeline (datasets as keys)."""
    reads, writes = _dataset_keys(manifest)
    return FleetPipeline(
        name=manifest.name, owner=manifest.owner, team=manifest.team, tier=manifest.tier,
        consumers=list(manifest.consumers), reads=reads, writes=writes,
        version=manifest.version, promoted_at=manifest.promoted_at, sla=manifest.sla,
        timezone=manifest.timezone, schedule=manifest.schedule,
        interval_seconds=manifest.interval_seconds,
    )  # fmt: skip


def _dataset_keys(manifest: ReleaseManifest) -> tuple[list[str], list[str]]:
    """Read and written keys: the lineage (found and declared), else the declared names."""
    lineage = manifest.lineage
    if lineage.reads or lineage.writes:
        return [u.key for u in lineage.reads], [u.key for u in lineage.writes]
    return (
        [parse_dataset(text).key for text in manifest.reads],
        [parse_dataset(text).key for text in manifest.writes],
    )


def _folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name[0].isalnum())


def _current(folder: Path) -> ReleaseManifest | None:
    pointer = folder / CURRENT
    if pointer.is_file():
        return read_release(folder.parent, folder.name, pointer.read_text().strip())
    releases = list_releases(folder.parent, folder.name)
    return releases[-1] if releases else None
