"""Writing a release: the whole folder atomically, then only ever its deployment record.

A release folder is written under a temporary name and renamed into place, so readers never see
half a release; :func:`mark_deployed` is the one change allowed afterwards (the manifest's
``deployed``/``deployment_id``). Besides the files of
:mod:`~jupyter_promote.release.version` it holds the generated Prefect entrypoint
``flow.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat

from jupyter_promote.analysis.spec import PipelineSpec
from jupyter_promote.expectations import read_expectations
from jupyter_promote.release.entrypoint import ENTRYPOINT_FILE, render_entrypoint
from jupyter_promote.release.manifest import (
    Lineage,
    ReleaseManifest,
    build_manifest,
    manifest_text,
)
from jupyter_promote.release.runbook import render_runbook
from jupyter_promote.release.runbook_lineage import FleetContext
from jupyter_promote.release.settings import PromotionSettings
from jupyter_promote.release.store import current_release, list_releases, read_manifest, release_dir
from jupyter_promote.release.version import (
    EXPECTATIONS,
    LOCKFILE,
    MANIFEST,
    NOTEBOOK,
    RUNBOOK,
    clean_notebook,
    release_version,
)
from jupyter_promote.util.files import atomic_write_text, open_tree

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


def _previous(pipelines_dir: str | Path, name: str) -> str | None:
    current = current_release(pipelines_dir, name)
    if current is not None:
        return current.version
    releases = list_releases(pipelines_dir, name)
    return releases[-1].version if releases else None


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
    _write(folder / MANIFEST, manifest_text(manifest))


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
    lineage: Lineage | None = None,
    fleet: FleetContext | None = None,
) -> tuple[Path, ReleaseManifest, bool]:
    """Write the release of ``nb`` atomically, unless that version already exists.

    Callers promoting for real hold :func:`~jupyter_promote.release.store.pipeline_lock` around
    the whole promotion; without it, concurrent writers of one version still end with exactly
    one complete folder.

    Args:
        pipelines_dir: The project's pipelines folder.
        nb: The notebook (outputs are dropped from the copy).
        spec: Its pipeline spec (from :func:`~jupyter_promote.analysis.pipeline.analyze_notebook`).
        settings: The promotion form.
        promoted_by: Who promotes.
        promoted_at: When (timezone-aware).
        dry_run: 'passed', 'skipped (--no-dry-run)' or 'failed: MESSAGE'.
        environment_lock: ``requirements.lock`` lines (credentials in URLs are removed).
        schedule_text: The schedule in words, for the runbook.
        lineage: What it reads and writes, found and declared (kept in the manifest).
        fleet: The fleet's facts for the runbook's "Lineage and impact" section.

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
        return target, read_manifest(target), False
    manifest = build_manifest(
        nb,
        spec,
        settings,
        promoted_by=promoted_by,
        promoted_at=promoted_at,
        dry_run=dry_run,
        previous_version=_previous(pipelines_dir, settings.name),
        lineage=lineage,
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
        fleet=fleet,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{version}-", dir=target.parent))
    try:
        _fill(tmp, nb, manifest, environment_lock, runbook)
        entrypoint = render_entrypoint(
            spec, settings.name, version, manifest.jupyter_promote_version
        )
        _write(tmp / ENTRYPOINT_FILE, entrypoint)
        open_tree(tmp)  # mkdtemp's 0700 would hide the release from a worker of another user
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if (target / MANIFEST).is_file():  # another writer renamed the same version first
            return target, read_manifest(target), False
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
    manifest = read_manifest(folder).model_copy(
        update={"deployed": True, "deployment_id": deployment_id}
    )
    atomic_write_text(folder / MANIFEST, manifest_text(manifest))
    return manifest
