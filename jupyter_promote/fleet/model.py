"""The fleet's vocabulary: datasets named the OpenLineage way, and pipelines as the fleet sees
them (who owns them, how much they matter, what they read and write, who uses them).

Pure data: the catalog stores these, the graph functions reason over them, the monitor reads
them. Dataset names follow OpenLineage's naming (https://openlineage.io/docs/spec/naming):
a *namespace* (where the data lives) and a *name* (what it is there), so the same dataset
found in two pipelines, or in another tool, joins on the same pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast

from jupyter_promote.release.settings import TIERS, Tier

#: Tiers from most to least important; a lower rank matters more.
TIER_RANK: dict[str, int] = {tier: rank for rank, tier in enumerate(TIERS)}
FILE = "file"  # namespace of local files (names relative to the project when inside it)
SQL = "sql"  # namespace of tables whose database connection is not known statically

Direction = Literal["read", "write"]
Origin = Literal["found", "declared", "both"]


def highest_tier(*tiers: str) -> Tier:
    """The most important of ``tiers`` (``"normal"`` when none is given).

    >>> highest_tier("low", "critical", "normal")
    'critical'
    """
    known = [cast(Tier, t) for t in tiers if t in TIER_RANK]
    return min(known, key=TIER_RANK.__getitem__, default="normal")


@dataclass(frozen=True, order=True)
class DatasetRef:
    """A dataset: OpenLineage namespace and name.

    ``key`` is one string for both, used on command lines and as the catalog's key: URL
    namespaces join with ``/`` (``s3://bucket/path/x.parquet``), others with ``:``
    (``file:data/loans.csv``, ``sql:risk.loans``). Names may hold ``{...}`` placeholders for
    parts only known at run time (``file:data/loans_{as_of}.csv``).
    """

    namespace: str
    name: str

    @property
    def key(self) -> str:
        """The one-string form (see the class docstring)."""
        if "://" in self.namespace:
            return f"{self.namespace.rstrip('/')}/{self.name.lstrip('/')}"
        return f"{self.namespace}:{self.name}"

    def __str__(self) -> str:
        return self.key


@dataclass
class FleetPipeline:
    """A promoted pipeline as the fleet sees it (from its current release's manifest)."""

    name: str
    owner: str
    team: str = ""
    tier: Tier = "normal"
    consumers: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # dataset keys
    writes: list[str] = field(default_factory=list)  # dataset keys
    version: str = ""
    promoted_at: str = ""  # ISO 8601 of the current release
    first_promoted_at: str = ""  # ISO 8601 of its first release
    paused: bool = False
    sla: str | None = None
    timezone: str = "UTC"
    schedule: str | None = None
    interval_seconds: int | None = None


@dataclass
class Fleet:
    """Every promoted pipeline of a project, by name."""

    pipelines: dict[str, FleetPipeline] = field(default_factory=dict)

    def add(self, pipeline: FleetPipeline) -> None:
        self.pipelines[pipeline.name] = pipeline
