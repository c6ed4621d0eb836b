"""``manifest.yaml``: the model of what a release is, who owns it and how it was promoted.

:func:`build_manifest` makes one from the notebook, its spec and the promotion settings;
:func:`manifest_text` is the YAML a release folder keeps.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jupyter_promote._version import __version__
from jupyter_promote.analysis.spec import PipelineSpec
from jupyter_promote.release.concurrency import DEFAULT_COLLISION, DEFAULT_CONCURRENCY, Collision
from jupyter_promote.release.settings import PromotionSettings, Tier
from jupyter_promote.release.version import NOTEBOOK, release_version

# The settings a manifest copies, by name, so a field added to the form is not written unseen.
_SETTINGS_FIELDS = (
    "name", "owner", "team", "schedule", "interval_seconds", "timezone", "sla", "tier",
    "consumers", "reads", "writes", "work_pool", "concurrency", "on_collision", "notify",
)  # fmt: skip
_DRY_RUN = r"(?s)^(passed|skipped \(.+\)|failed: .+)$"


class ParameterInfo(BaseModel):
    """A deployment parameter as the manifest records it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Parameter name, as assigned in the parameters cell.")
    type: str = Field(description="Declared type: int, float, str, bool, list, dict or None.")
    default: Any = Field(description="The default value (JSON-compatible).")
    description: str = Field(default="", description="The assignment's trailing comment.")


class DatasetUse(BaseModel):
    """One dataset a pipeline reads or writes, and how we know (OpenLineage naming)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(
        description="The dataset: namespace and name in one string, e.g."
        " 's3://lake/loans.parquet', 'file:data/x.csv', 'sql:risk.loans'."
    )
    origin: Literal["found", "declared", "both"] = Field(
        description="Found in the code by static analysis, declared with --reads/--writes, or both."
    )
    cells: list[int] = Field(
        default_factory=list, description="0-based indices of the cells where it was found."
    )


class Lineage(BaseModel):
    """What a release reads and writes: declared and found, kept apart."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reads: list[DatasetUse] = Field(default_factory=list, description="Datasets it reads.")
    writes: list[DatasetUse] = Field(default_factory=list, description="Datasets it writes.")


class ReleaseManifest(BaseModel):
    """``manifest.yaml``: what a release is, who owns it, and how it was promoted.

    Only these fields are written: nothing from the environment (variables, tokens) goes in.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Pipeline name, also the Prefect deployment's name.")
    version: str = Field(description="Content hash: 12 hex digits of sha256.")
    notebook: str = Field(default=NOTEBOOK, description="The notebook's file name in the release.")
    owner: str = Field(description="Who answers for the pipeline.")
    team: str = Field(default="", description="The owning team.")
    schedule: str | None = Field(default=None, description="Cron expression, in `timezone`.")
    interval_seconds: int | None = Field(default=None, description="Interval schedule, seconds.")
    timezone: str = Field(default="UTC", description="IANA timezone of schedule and SLA.")
    sla: str | None = Field(default=None, description="Deadline 'HH:MM' in `timezone`.")
    tier: Tier = Field(default="normal", description="Blast radius: critical, high, normal, low.")
    consumers: list[str] = Field(default_factory=list, description="Who uses the outputs.")
    reads: list[str] = Field(default_factory=list, description="Data the pipeline reads.")
    writes: list[str] = Field(default_factory=list, description="Data the pipeline writes.")
    work_pool: str = Field(description="Prefect work pool whose workers run it.")
    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY, ge=1, description="At most this many runs unfinished at once."
    )
    on_collision: Collision = Field(
        default=DEFAULT_COLLISION,
        description="A run beyond `concurrency`: 'enqueue' (waits) or 'cancel-new' (cancelled).",
    )
    notify: str = Field(default="", description="Notification channel for its alerts.")
    parameters: list[ParameterInfo] = Field(
        default_factory=list, description="Typed deployment parameters with defaults."
    )
    steps: list[str] = Field(default_factory=list, description="Steps in run order.")
    lineage: Lineage = Field(
        default_factory=Lineage,
        description="Datasets read and written: found in the code and declared (--reads/--writes).",
    )
    promoted_by: str = Field(description="Who promoted this release.")
    promoted_at: str = Field(description="When, as timezone-aware ISO 8601 text.")
    dry_run: str = Field(
        description="'passed', 'skipped (REASON)' or 'failed: MESSAGE'.", pattern=_DRY_RUN
    )
    source_notebook: str = Field(description="Path of the promoted notebook, as given.")
    deployed: bool = Field(default=False, description="True once a deployment runs it.")
    deployment_id: str | None = Field(default=None, description="The Prefect deployment id.")
    previous_version: str | None = Field(
        default=None, description="The release that was current when this one was written."
    )
    jupyter_promote_version: str = Field(description="jupyter-promote version that wrote it.")

    def settings(self) -> PromotionSettings:
        """The promotion settings this release was made with."""
        return PromotionSettings(**{k: getattr(self, k) for k in PromotionSettings.model_fields})

    @field_validator("promoted_at")
    @classmethod
    def _aware_iso(cls, value: str) -> str:
        if datetime.fromisoformat(value).tzinfo is None:
            raise ValueError("promoted_at needs a timezone, e.g. 2026-11-01T06:00:00+00:00")
        return value

    @property
    def promoted_datetime(self) -> datetime:
        """:attr:`promoted_at` as a datetime."""
        return datetime.fromisoformat(self.promoted_at)


def manifest_text(manifest: ReleaseManifest) -> str:
    """The manifest as ``manifest.yaml`` holds it (fields in model order)."""
    data = manifest.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def build_manifest(
    nb: Mapping[str, Any],
    spec: PipelineSpec,
    settings: PromotionSettings,
    *,
    promoted_by: str,
    promoted_at: datetime | str,
    dry_run: str,
    previous_version: str | None = None,
    lineage: Lineage | None = None,
) -> ReleaseManifest:
    """The manifest of the release of ``nb`` (not written)."""
    when = promoted_at.isoformat() if isinstance(promoted_at, datetime) else promoted_at
    params = [
        ParameterInfo(name=p.name, type=p.type, default=p.default, description=p.description)
        for p in spec.parameters
    ]
    return ReleaseManifest(
        **{key: copy.deepcopy(getattr(settings, key)) for key in _SETTINGS_FIELDS},
        version=release_version(nb, settings),
        parameters=params,
        steps=list(spec.order),
        promoted_by=promoted_by,
        promoted_at=when,
        dry_run=dry_run,
        source_notebook=spec.notebook,
        previous_version=previous_version,
        lineage=lineage or Lineage(),
        jupyter_promote_version=__version__,
    )
