"""Releases: immutable, content-addressed folders under the project's pipelines folder.

``pipelines/NAME/VERSION/`` holds what a promotion produced: ``notebook.ipynb`` (no outputs),
``expectations/STEP.VARIABLE.json`` (Great Expectations suite JSON), ``manifest.yaml``,
``RUNBOOK.md``, ``requirements.lock`` and the generated Prefect entrypoint ``flow.py``. VERSION is
a short hash of what defines the release (the notebook without outputs, its expectations, the
promotion settings), so promoting unchanged content is a no-op. A folder is written under a
temporary name and renamed into place, so readers never see half a release; only
:func:`mark_deployed` changes it afterwards (the manifest's ``deployed``/``deployment_id``).
``NAME/CURRENT`` names the release the deployment runs (moved by promotion and rollback), and
:func:`pipeline_lock` serialises promotions of one pipeline across processes.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jupyter_promote._version import __version__
from jupyter_promote.core.entrypoint import ENTRYPOINT_FILE, render_entrypoint
from jupyter_promote.core.expectations import METADATA_KEY, read_expectations
from jupyter_promote.core.files import atomic_write_text
from jupyter_promote.core.promotion import PromotionSettings, Tier
from jupyter_promote.core.runbook import render_runbook
from jupyter_promote.core.spec import PipelineSpec
from jupyter_promote.errors import PromoteError

NOTEBOOK, MANIFEST, RUNBOOK, LOCKFILE = (
    "notebook.ipynb",
    "manifest.yaml",
    "RUNBOOK.md",
    "requirements.lock",
)
EXPECTATIONS, CURRENT = "expectations", "CURRENT"
VERSION_LENGTH = 12
_VERSION = re.compile(rf"^[0-9a-f]{{{VERSION_LENGTH}}}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# The settings a manifest copies, by name, so a field added to the form is not written unseen.
_SETTINGS_FIELDS = (
    "name", "owner", "team", "schedule", "interval_seconds", "timezone", "sla", "tier",
    "consumers", "reads", "writes", "work_pool", "notify",
)  # fmt: skip
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")
_DRY_RUN = r"(?s)^(passed|skipped \(.+\)|failed: .+)$"


class ReleaseError(PromoteError):
    """A release folder cannot be written or read."""

    http_status = 422


class ReleaseBusy(ReleaseError):
    """Another promotion of the same pipeline holds its lock."""

    http_status = 409


class ReleaseNotFound(ReleaseError):
    """No release of that pipeline has that version."""

    http_status = 404


class ParameterInfo(BaseModel):
    """A deployment parameter as the manifest records it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Parameter name, as assigned in the parameters cell.")
    type: str = Field(description="Declared type: int, float, str, bool, list, dict or None.")
    default: Any = Field(description="The default value (JSON-compatible).")
    description: str = Field(default="", description="The assignment's trailing comment.")


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
    notify: str = Field(default="", description="Notification channel for its alerts.")
    parameters: list[ParameterInfo] = Field(
        default_factory=list, description="Typed deployment parameters with defaults."
    )
    steps: list[str] = Field(default_factory=list, description="Steps in run order.")
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


# -- version --------------------------------------------------------------------------------------


def _source(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _clean_cell(cell: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in cell.items() if k not in ("outputs", "execution_count")}
    out["source"] = _source(cell.get("source"))
    out["metadata"] = {
        k: copy.deepcopy(v)
        for k, v in (cell.get("metadata") or {}).items()
        if k not in _VOLATILE_CELL_METADATA
    }
    if cell.get("cell_type") == "code":
        out.update(outputs=[], execution_count=None)
    return out


def clean_notebook(nb: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook as a release keeps it: no outputs, execution counts or volatile metadata.

    Notebook metadata keeps the kernelspec, the language name and the ``jupyter_promote``
    expectations; everything else (widgets state, the last promotion form, ...) goes.
    """
    meta = nb.get("metadata") or {}
    kept: dict[str, Any] = {}
    if "kernelspec" in meta:
        kept["kernelspec"] = copy.deepcopy(dict(meta["kernelspec"]))
    if (meta.get("language_info") or {}).get("name"):
        kept["language_info"] = {"name": meta["language_info"]["name"]}
    ours = meta.get(METADATA_KEY) or {}
    if ours.get("expectations"):
        kept[METADATA_KEY] = {
            k: copy.deepcopy(ours[k]) for k in ("schema_version", "expectations") if k in ours
        }
    return {
        "nbformat": nb.get("nbformat", 4),
        "nbformat_minor": nb.get("nbformat_minor", 5),
        "metadata": kept,
        "cells": [_clean_cell(cell) for cell in nb.get("cells", [])],
    }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def release_version(nb: Mapping[str, Any], settings: PromotionSettings) -> str:
    """The content hash that names a release: 12 hex digits of sha256.

    It covers the cells (source, type, tags and other non-volatile metadata), the kernel name,
    the expectation suites and the promotion settings that differ from their defaults; not
    outputs, execution counts, cell ids (nbformat invents them when upgrading old notebooks),
    or the environment.

    Raises:
        MetadataError: the notebook's expectations metadata is invalid.

    Example:
        >>> from nbformat.v4 import new_notebook, new_code_cell
        >>> s = PromotionSettings(name="demo", owner="ana")
        >>> a = new_notebook(cells=[new_code_cell("x = 1", execution_count=3)])
        >>> b = new_notebook(cells=[new_code_cell("x = 1")])
        >>> release_version(a, s) == release_version(b, s)
        True
    """
    clean = clean_notebook(nb)
    clean["metadata"].pop(METADATA_KEY, None)
    kernel = clean["metadata"].pop("kernelspec", {}).get("name")
    clean["metadata"]["kernel"] = kernel
    for cell in clean["cells"]:
        cell.pop("id", None)
    suites = {
        step: {var: suite.to_gx_dict() for var, suite in variables.items()}
        for step, variables in read_expectations(nb).items()
    }
    payload = {
        "notebook": clean,
        "expectations": suites,
        # Defaults left out: a setting added to the form later does not re-version old content.
        "settings": settings.model_dump(mode="json", exclude_defaults=True),
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()[:VERSION_LENGTH]


# -- paths and the lock ---------------------------------------------------------------------------


def _pipeline_dir(pipelines_dir: str | Path, name: str) -> Path:
    if not _SAFE_NAME.match(name):
        raise ReleaseError(
            f"{name!r} cannot name a pipeline folder",
            hint="use a lowercase slug: letters, digits, - and _",
        )
    return Path(pipelines_dir) / name


def release_dir(pipelines_dir: str | Path, name: str, version: str) -> Path:
    """``pipelines_dir/NAME/VERSION`` (whether or not it exists)."""
    return _pipeline_dir(pipelines_dir, name) / version


@contextmanager
def pipeline_lock(pipelines_dir: str | Path, name: str, timeout: float = 30) -> Iterator[None]:
    """Hold the pipeline's lock (``NAME/.lock``) while promoting or rolling it back.

    Works across threads and processes on one machine (``flock``); not re-entrant.

    Raises:
        ReleaseBusy: the lock was not free within ``timeout`` seconds.

    Example:
        >>> import tempfile
        >>> with pipeline_lock(tempfile.mkdtemp(), "sales"):
        ...     pass
    """
    folder = _pipeline_dir(pipelines_dir, name)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ReleaseBusy(
                        f"another promotion of {name} is in progress",
                        hint="try again when it has finished",
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- writing --------------------------------------------------------------------------------------

_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def _redact(line: str) -> str:
    """Drop credentials from URLs in a lock line (``git+https://TOKEN@host/...``)."""
    return _USERINFO.sub("", line)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _manifest_text(manifest: ReleaseManifest) -> str:
    data = manifest.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _previous(pipelines_dir: str | Path, name: str) -> str | None:
    current = current_release(pipelines_dir, name)
    if current is not None:
        return current.version
    releases = list_releases(pipelines_dir, name)
    return releases[-1].version if releases else None


def build_manifest(
    nb: Mapping[str, Any],
    spec: PipelineSpec,
    settings: PromotionSettings,
    *,
    promoted_by: str,
    promoted_at: datetime | str,
    dry_run: str,
    previous_version: str | None = None,
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
        jupyter_promote_version=__version__,
    )


def _fill(
    folder: Path,
    nb: Mapping[str, Any],
    manifest: ReleaseManifest,
    lock: list[str],
    runbook: str,
) -> None:
    notebook = nbformat.from_dict(clean_notebook(nb))
    _write(folder / NOTEBOOK, nbformat.writes(notebook) + "\n")
    for step, variables in read_expectations(nb).items():
        for variable, suite in variables.items():
            text = json.dumps(suite.to_gx_dict(), indent=2, sort_keys=True, ensure_ascii=False)
            _write(folder / EXPECTATIONS / f"{step}.{variable}.json", text + "\n")
    _write(folder / LOCKFILE, "".join(_redact(line.rstrip("\n")) + "\n" for line in lock))
    _write(folder / RUNBOOK, runbook)
    _write(folder / MANIFEST, _manifest_text(manifest))


def write_release(
    pipelines_dir: str | Path,
    nb: Mapping[str, Any],
    spec: PipelineSpec,
    settings: PromotionSettings,
    *,
    promoted_by: str,
    promoted_at: datetime | str,
    dry_run: str,
    environment_lock: list[str],
    schedule_text: str,
) -> tuple[Path, ReleaseManifest, bool]:
    """Write the release of ``nb`` atomically, unless that version already exists.

    Callers promoting for real hold :func:`pipeline_lock` around the whole promotion; without
    it, concurrent writers of one version still end with exactly one complete folder.

    Args:
        pipelines_dir: The project's pipelines folder.
        nb: The notebook (outputs are dropped from the copy).
        spec: Its pipeline spec (from :func:`~jupyter_promote.core.pipeline.analyze_notebook`).
        settings: The promotion form.
        promoted_by: Who promotes.
        promoted_at: When (timezone-aware).
        dry_run: 'passed', 'skipped (--no-dry-run)' or 'failed: MESSAGE'.
        environment_lock: ``requirements.lock`` lines (credentials in URLs are removed).
        schedule_text: The schedule in words, for the runbook.

    Returns:
        ``(release folder, manifest, created)``; ``created`` is False when the version existed
        (nothing is written then, and the existing manifest is returned).

    Raises:
        ReleaseError: the pipeline name cannot be a folder name, or an existing manifest is
            unreadable.
        pydantic.ValidationError: ``promoted_at`` or ``dry_run`` is malformed.
    """
    version = release_version(nb, settings)
    target = release_dir(pipelines_dir, settings.name, version)
    if target.exists():
        return target, _read_manifest(target), False
    manifest = build_manifest(
        nb,
        spec,
        settings,
        promoted_by=promoted_by,
        promoted_at=promoted_at,
        dry_run=dry_run,
        previous_version=_previous(pipelines_dir, settings.name),
    )
    runbook = render_runbook(
        spec,
        settings,
        version=version,
        schedule_text=schedule_text,
        promoted_by=promoted_by,
        promoted_at=manifest.promoted_at,
        dry_run=dry_run,
        release_notebook=f"{Path(pipelines_dir).name}/{settings.name}/{version}/{NOTEBOOK}",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=target.parent))
    try:
        _fill(tmp, nb, manifest, environment_lock, runbook)
        entrypoint = render_entrypoint(
            spec, settings.name, version, manifest.jupyter_promote_version
        )
        _write(tmp / ENTRYPOINT_FILE, entrypoint)
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if (target / MANIFEST).is_file():  # another writer renamed the same version first
            return target, _read_manifest(target), False
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target, manifest, True


def mark_deployed(release_dir: str | Path, deployment_id: str) -> ReleaseManifest:
    """Record in a release's manifest that a deployment runs it (the one allowed change).

    Returns:
        The updated manifest (``manifest.yaml`` is replaced atomically).
    """
    folder = Path(release_dir)
    manifest = _read_manifest(folder).model_copy(
        update={"deployed": True, "deployment_id": deployment_id}
    )
    atomic_write_text(folder / MANIFEST, _manifest_text(manifest))
    return manifest


# -- reading --------------------------------------------------------------------------------------


def _read_manifest(folder: Path) -> ReleaseManifest:
    path = folder / MANIFEST
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return ReleaseManifest.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ReleaseError(
            f"cannot read {path}: {str(exc).splitlines()[0]}",
            hint="restore the release folder from version control; releases are not edited",
        ) from None


def list_releases(pipelines_dir: str | Path, name: str) -> list[ReleaseManifest]:
    """Every release of a pipeline, oldest promotion first (empty when none)."""
    folder = _pipeline_dir(pipelines_dir, name)
    if not folder.is_dir():
        return []
    found = [
        _read_manifest(child)
        for child in folder.iterdir()
        if _VERSION.match(child.name) and (child / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda m: (m.promoted_datetime, m.version))


def read_release(pipelines_dir: str | Path, name: str, version: str) -> ReleaseManifest:
    """The manifest of one release.

    Raises:
        ReleaseNotFound: no such version; the hint lists the known ones.
    """
    folder = release_dir(pipelines_dir, name, version)
    if _VERSION.match(version) and (folder / MANIFEST).is_file():
        return _read_manifest(folder)
    known = [m.version for m in list_releases(pipelines_dir, name)]
    hint = f"known versions: {', '.join(known)}" if known else f"{name} has no releases yet"
    raise ReleaseNotFound(
        f"{name} has no release {version!r}",
        hint=hint,
        details={"pipeline": name, "version": version, "known_versions": known},
    )


def current_release(pipelines_dir: str | Path, name: str) -> ReleaseManifest | None:
    """The release the deployment runs: the one ``NAME/CURRENT`` names, else the newest
    deployed one, else None.

    Raises:
        ReleaseNotFound: ``CURRENT`` names a version that does not exist.
    """
    pointer = _pipeline_dir(pipelines_dir, name) / CURRENT
    if pointer.is_file():
        return read_release(pipelines_dir, name, pointer.read_text(encoding="utf-8").strip())
    deployed = [m for m in list_releases(pipelines_dir, name) if m.deployed]
    return deployed[-1] if deployed else None


def set_current(pipelines_dir: str | Path, name: str, version: str) -> ReleaseManifest:
    """Point ``NAME/CURRENT`` at an existing release (atomically).

    Raises:
        ReleaseNotFound: no such version.
    """
    manifest = read_release(pipelines_dir, name, version)
    atomic_write_text(_pipeline_dir(pipelines_dir, name) / CURRENT, version + "\n")
    return manifest
