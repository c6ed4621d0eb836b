"""The promotion service: checks -> dry run -> immutable release -> Prefect deployment.

Composes the pure layers (checks, secrets scan, settings validation, release writing) with the
kernel (dry run) and Prefect (deployment). Order matters for "nothing is lost": everything
that can refuse runs before anything is written (:func:`prepare`, which the lab panel also
calls alone to refuse at once, before queuing a job); the release is written before the
deployment moves; a failed deployment leaves the release written but marked not deployed and
the previous deployment untouched, and promoting again finishes the job.

Every surface (CLI, ``%promote``, the panel's job) goes through :func:`promote`: one path, each
check run once.
"""

from __future__ import annotations

import getpass
import importlib.metadata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import nbformat

from jupyter_promote.analysis.notebook import LoadedNotebook, read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.analysis.spec import PipelineSpec
from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PipelineInvalid, PromoteError
from jupyter_promote.release.concurrency import describe_concurrency
from jupyter_promote.release.form import read_promotion, write_promotion
from jupyter_promote.release.manifest import DatasetUse, Lineage
from jupyter_promote.release.runbook import runbook_summary
from jupyter_promote.release.schedule import describe_schedule, next_runs, sla_deadline_text
from jupyter_promote.release.secrets import scan_notebook, secrets_error
from jupyter_promote.release.settings import PromotionInvalid, PromotionSettings, validate_settings
from jupyter_promote.release.store import current_release, pipeline_lock, set_current
from jupyter_promote.release.writer import mark_deployed, write_release
from jupyter_promote.services.publish import check_commit, publish, record_deployed
from jupyter_promote.services.releases import (
    PromoteResult,
    project_relative,
    promote_result,
    worker_source,
)
from jupyter_promote.util.files import atomic_write_text
from jupyter_promote.util.naming import slug


class DryRunFailed(PromoteError):
    """The fresh-kernel dry run failed: nothing was written."""

    http_status = 422


class DeployFailed(PromoteError):
    """The release was written but the deployment could not be created or moved."""

    http_status = 502


class PromoteProgress(Protocol):
    """Hears a promotion's phases, and the dry run's steps (``flow.Progress``)."""

    def event(self, step: str, state: str, message: str = "") -> None:
        """``step``: checks, dry-run, release, deployment; ``state``: started, completed,
        failed or skipped."""

    def step_started(self, number: int, total: int, name: str) -> None: ...

    def step_finished(self, number: int, total: int, result: Any) -> None: ...


class _Quiet:
    def event(self, step: str, state: str, message: str = "") -> None:
        pass

    def step_started(self, number: int, total: int, name: str) -> None:
        pass

    def step_finished(self, number: int, total: int, result: Any) -> None:
        pass


# -- the settings ---------------------------------------------------------------------------
def form_defaults(
    path: str | Path, config: PromoteConfig, owner: str
) -> tuple[dict[str, Any], str]:
    """The promote form's start values, and where they come from: the notebook's last
    promotion (``"notebook"``), else defaults with ``owner`` (``"new"``).

    Raises:
        NotebookError, MetadataError: the notebook or its saved promotion cannot be read.
    """
    previous = read_promotion(read_notebook(path).nb)
    if previous is not None:
        return previous.model_dump(), "notebook"
    start = {
        "name": slug(Path(path).stem),
        "owner": owner,
        "timezone": "UTC",
        "tier": "normal",
        "work_pool": config.work_pool,
    }
    return start, "new"


def merge_settings(
    remembered: PromotionSettings | None, given: dict[str, Any], work_pool: str | None = None
) -> PromotionSettings:
    """The remembered form with what is given applied, validated.

    A key present in ``given`` sets that setting, even to ``None``/``""``/``[]`` (which
    clears it: ``schedule: None`` with no interval means "only when triggered"; a setting with
    a default, such as ``tier`` or ``concurrency``, goes back to it); an absent key keeps the
    remembered value. A schedule of one kind replaces a remembered one of the other
    kind. A first promotion that names no work pool gets ``work_pool``.

    Raises:
        PromotionInvalid: every problem of the result, at once.

    Example:
        >>> old = PromotionSettings(name="a", owner="b", interval_seconds=60, sla="17:00")
        >>> new = merge_settings(old, {"schedule": "0 6 * * *", "sla": None})
        >>> new.schedule, new.interval_seconds, new.sla
        ('0 6 * * *', None, None)
    """
    data = remembered.model_dump() if remembered else {}
    if remembered is None and work_pool:
        data["work_pool"] = work_pool
    if given.get("schedule") and "interval_seconds" not in given:
        data.pop("interval_seconds", None)
    if given.get("interval_seconds") is not None and "schedule" not in given:
        data.pop("schedule", None)
    data.update(given)
    for key in ("consumers", "reads", "writes"):
        if data.get(key) is None:
            data.pop(key, None)
    for key in ("team", "notify", "work_pool", "timezone", "tier", "concurrency", "on_collision"):
        if data.get(key) is None:
            data.pop(key, None)
    return validate_settings(data)


def settings_for(
    path: str | Path, given: dict[str, Any], work_pool: str | None = None
) -> PromotionSettings:
    """The notebook's remembered form merged with ``given`` (see :func:`merge_settings`).

    Raises:
        NotebookError, MetadataError: the notebook or its remembered form cannot be read.
        PromotionInvalid: the merged settings have problems.
    """
    return merge_settings(read_promotion(read_notebook(path).nb), given, work_pool)


@dataclass
class Preview:
    """What a promotion with these settings would do: schedule in words, next runs, SLA,
    runs at a time."""

    settings: PromotionSettings | None
    problems: list[str]
    schedule: str | None
    next_runs: list[datetime]
    sla: str | None
    concurrency: str | None = None


def preview(given: dict[str, Any], path: str | Path | None = None) -> Preview:
    """Validate settings and describe their schedule, exactly as a promotion would merge them
    with the notebook's remembered form when ``path`` is given (never raises for bad settings)."""
    try:
        remembered = read_promotion(read_notebook(path).nb) if path is not None else None
        settings = merge_settings(remembered, given)
    except PromotionInvalid as exc:
        return Preview(None, list(exc.problems), None, [], None)
    return Preview(
        settings,
        [],
        describe_schedule(settings),
        next_runs(settings),
        sla_deadline_text(settings),
        describe_concurrency(settings.concurrency, settings.on_collision),
    )


def remember(path: str | Path, settings: PromotionSettings) -> None:
    """Keep the form in the notebook file's metadata so re-promoting is one click (outside
    JupyterLab; the panel puts it into the open notebook instead)."""
    nb = nbformat.read(str(path), as_version=4)
    if read_promotion(nb) != settings:
        write_promotion(nb, settings)
        atomic_write_text(path, nbformat.writes(nb))


# -- the promotion --------------------------------------------------------------------------
@dataclass
class Prepared:
    """A promotion that passed every check that can refuse it; nothing is written yet."""

    path: Path
    loaded: LoadedNotebook
    spec: PipelineSpec
    settings: PromotionSettings
    env: dict[str, str]
    lineage: Lineage


def lineage_of(
    loaded: LoadedNotebook, spec: PipelineSpec, settings: PromotionSettings, config: PromoteConfig
) -> Lineage:
    """What the notebook reads and writes: found in its code (static analysis of literal
    paths, URLs and SQL) and declared (``--reads``/``--writes``), kept apart."""
    from jupyter_promote.fleet.datasets import parse_dataset
    from jupyter_promote.fleet.extract import extract_lineage

    found = extract_lineage(
        loaded.nb,
        notebook_path=spec.notebook,
        project_dir=str(config.project_path),
        parameters={p.name: p.default for p in spec.parameters},
        skip_cells=set(spec.skipped_cells) | set(spec.unassigned_cells),
    )
    uses: dict[str, dict[str, dict[str, Any]]] = {"read": {}, "write": {}}
    for item in found:
        entry = uses[item.direction].setdefault(
            item.dataset.key, {"key": item.dataset.key, "origin": "found", "cells": []}
        )
        if item.cell_index not in entry["cells"]:
            entry["cells"].append(item.cell_index)
    for direction, declared in (("read", settings.reads), ("write", settings.writes)):
        for text in declared:
            key = parse_dataset(text).key
            entry = uses[direction].setdefault(key, {"key": key, "origin": "declared", "cells": []})
            entry["origin"] = "both" if entry["origin"] != "declared" else "declared"
    return Lineage(
        reads=[DatasetUse(**u) for _, u in sorted(uses["read"].items())],
        writes=[DatasetUse(**u) for _, u in sorted(uses["write"].items())],
    )


def prepare(path: str | Path, given: dict[str, Any], config: PromoteConfig) -> Prepared:
    """Every quick refusal of a promotion, in order: the notebook, its static check, the
    settings, the secrets scan, Prefect installed and answering, the work pool's kind.

    Raises:
        NotebookError, MetadataError: the notebook cannot be read.
        PipelineInvalid: static checks found errors.
        PromotionInvalid: the settings have problems (each listed).
        SecretsFound: the notebook holds what looks like a secret.
        PrefectNotInstalled / NoPrefectServer / PrefectUnavailable: no Prefect to deploy to.
    """
    from jupyter_promote.orchestration import deploy, stack

    loaded = read_notebook(path)
    spec = analyze_notebook(loaded.nb, project_relative(path, config))
    if not spec.ok:
        raise PipelineInvalid(str(path), spec.errors)
    settings = merge_settings(read_promotion(loaded.nb), given, config.work_pool)
    findings = scan_notebook(loaded.nb)
    if findings:
        raise secrets_error(findings)
    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    with deploy.using(env["PREFECT_API_URL"]):
        deploy.check_pool(settings.work_pool, config.release_source)
    lineage = lineage_of(loaded, spec, settings, config)
    return Prepared(Path(path), loaded, spec, settings, env, lineage)


def promote(
    path: str | Path,
    given: dict[str, Any],
    config: PromoteConfig,
    *,
    dry_run: bool = True,
    promoted_by: str | None = None,
    progress: PromoteProgress | None = None,
    remember_in_file: bool = True,
    prepared: Prepared | None = None,
    skipped_because: str = "--no-dry-run",
    commit: bool = False,
) -> PromoteResult:
    """Promote a notebook: see the module docstring for the order of things.

    Args:
        path: The notebook file.
        given: Settings to apply over the remembered form (see :func:`merge_settings`).
        config: The project's configuration.
        dry_run: Run the fresh-kernel dry run first (skipping it is recorded).
        promoted_by: Who promotes (default: the OS user).
        progress: Hears each phase as it starts and ends (``checks``, ``dry-run`` with its
            steps, ``release``, ``deployment``): the terminal, the lab panel's job log.
        remember_in_file: Write the form into the notebook file; False when the frontend
            keeps it in the open notebook (the result's ``remember`` carries it).
        prepared: The result of :func:`prepare` when the caller already ran the checks.
        skipped_because: Why the dry run is skipped, as the release records it.
        commit: With the git release source, commit the release and push it to the branch
            workers clone before the deployment moves (without it, the branch must already
            hold the release when that can be checked).

    Raises:
        PromotionInvalid, PipelineInvalid, SecretsFound, DryRunFailed: nothing was written.
        NoPrefectServer / PrefectUnavailable: nothing was written.
        ReleaseBusy: another promotion of the same pipeline holds the lock.
        GitFailed, ReleaseNotPushed: the release is written, not on the branch workers clone;
            the deployment is unchanged.
        DeployFailed: the release is written (not deployed); promote again to finish.
    """
    from jupyter_promote.orchestration import deploy

    progress = progress or _Quiet()
    checks = "static checks, settings, secrets, Prefect server"
    progress.event("checks", "started", checks)
    if commit:
        check_commit(config)
    prepared = prepared or prepare(path, given, config)
    progress.event("checks", "completed", checks)
    if dry_run:
        dry = _dry_run(prepared, config, progress)
    else:
        dry = f"skipped ({skipped_because})"
        progress.event("dry-run", "skipped", f"{skipped_because} (recorded in the release)")
    api_url = prepared.env["PREFECT_API_URL"]
    with deploy.using(api_url), pipeline_lock(config.pipelines_path, prepared.settings.name):
        result = _release_and_deploy(prepared, config, dry, promoted_by, progress, commit)
    if remember_in_file:
        remember(prepared.path, prepared.settings)
    else:
        result.remember = prepared.settings.model_dump(mode="json")
    return result


def _dry_run(prepared: Prepared, config: PromoteConfig, progress: PromoteProgress) -> str:
    from jupyter_promote.execution.report import RunOptions
    from jupyter_promote.services.check import dry_run, dry_run_notebook

    progress.event("dry-run", "started", "fresh kernel, default parameters")
    save_to = dry_run_notebook(config.runs_path, prepared.path)
    _, report = dry_run(
        prepared.path, RunOptions(), progress, save_to=save_to, loaded=prepared.loaded
    )
    if not report.ok:
        progress.event("dry-run", "failed", report.error or "")
        raise DryRunFailed(
            f"the dry run in a fresh kernel failed: {report.error}",
            hint=f"the executed notebook {report.executed_notebook} shows the failing cell;"
            " fix the notebook (see `jupyter promote check --execute`), or skip the dry run"
            " with --no-dry-run (recorded in the release)",
            details={"executed_notebook": report.executed_notebook},
        )
    progress.event("dry-run", "completed", "every step and gate passed")
    return "passed"


def _release_and_deploy(
    prepared: Prepared,
    config: PromoteConfig,
    dry: str,
    promoted_by: str | None,
    progress: PromoteProgress,
    commit: bool = False,
) -> PromoteResult:
    from jupyter_promote.orchestration import deploy

    settings = prepared.settings
    progress.event("release", "started", "writing the immutable release")
    catalog, warnings = _catalog(config)
    context = _context(catalog, prepared)
    current = current_release(config.pipelines_path, settings.name)
    folder, manifest, created = write_release(
        config.pipelines_path,
        prepared.loaded.nb,
        prepared.spec,
        settings,
        promoted_by=promoted_by or getpass.getuser(),
        promoted_at=datetime.now(timezone.utc),
        dry_run=dry,
        environment_lock=_environment_lock(),
        schedule_text=describe_schedule(settings),
        lineage=prepared.lineage,
        fleet=context,
    )
    unchanged = not created and current is not None and current.version == manifest.version
    written = "unchanged" if unchanged else "written"
    progress.event("release", "completed", f"version {manifest.version} {written}")
    author = promoted_by or getpass.getuser()
    source = worker_source(config, folder, manifest)
    publish(config, folder, manifest, source.entrypoint, commit, author, progress)
    progress.event("deployment", "started", f"{settings.name} on work pool {settings.work_pool}")
    effective = context.effective_tier if context else None
    try:
        info = deploy.upsert(
            folder,
            manifest,
            runbook_summary(prepared.spec, settings),
            source,
            effective_tier=effective,
        )
    except Exception as exc:
        progress.event("deployment", "failed", f"{type(exc).__name__}: {exc}")
        raise DeployFailed(
            f"release {manifest.version} of {settings.name!r} is written to {folder} but the"
            f" deployment could not be updated ({type(exc).__name__}: {exc}); the previous"
            " deployment is unchanged",
            hint="check the Prefect server (`jupyter promote status`), then promote again to"
            " finish",
        ) from None
    manifest = mark_deployed(folder, info.id)
    set_current(config.pipelines_path, settings.name, manifest.version)
    result = promote_result(manifest, folder, info, prepared.env, unchanged, dry)
    result.effective_tier = effective
    result.warnings = warnings + _index(config, catalog, manifest, folder, result)
    if commit and config.release_source == "git":
        result.warnings += record_deployed(config, folder, manifest, author)
    progress.event("deployment", "completed", f"{info.name}: {result.schedule}")
    return result


def _catalog(config: PromoteConfig) -> tuple[Any, list[str]]:
    """The fleet catalog, or None and why (a promotion never fails for the index's sake: the
    release files are the truth and the next sync catches up)."""
    from jupyter_promote.services.fleet import open_catalog

    try:
        return open_catalog(config), []
    except Exception as exc:
        return None, [f"the fleet catalog is not available ({type(exc).__name__}: {exc});"
                      " run `jupyter promote catalog sync` once it is"]  # fmt: skip


def _context(catalog: Any, prepared: Prepared) -> Any:
    if catalog is None:
        return None
    from jupyter_promote.services.fleet import context_for

    settings = prepared.settings
    return context_for(
        catalog,
        settings.name,
        settings.tier,
        [(u.key, u.origin) for u in prepared.lineage.reads],
        [(u.key, u.origin) for u in prepared.lineage.writes],
        settings.consumers,
    )


def _index(
    config: PromoteConfig, catalog: Any, manifest: Any, folder: Path, result: PromoteResult
) -> list[str]:
    """Index the release, move changed effective tiers and runbooks; problems are warnings."""
    if catalog is None:
        return []
    from jupyter_promote.services.fleet import apply_tier_changes, refresh_runbooks

    try:
        tagged = result.effective_tier or manifest.tier  # what the deployment got at upsert
        changed = catalog.put(manifest, folder)
        row = catalog.pipeline(manifest.name)
        if row is not None:
            result.effective_tier = row.effective_tier
            if row.effective_tier != tagged:
                changed[manifest.name] = (tagged, row.effective_tier)
            else:
                changed.pop(manifest.name, None)  # its deployment has the right tag already
        stale_tags = apply_tier_changes(config, catalog, changed)
        near = [manifest.name, *changed]
        refresh_runbooks(config, catalog, catalog.pipelines(names=near))
    except Exception as exc:
        return [f"the fleet catalog could not index this release ({type(exc).__name__}: {exc});"
                " run `jupyter promote catalog sync`"]  # fmt: skip
    if stale_tags:
        return [f"effective-tier tags not updated on: {', '.join(stale_tags)} (Prefect did not"
                " answer); they are updated on the next promotion or `catalog sync`"]  # fmt: skip
    return []


def _environment_lock() -> list[str]:
    found = {
        (d.metadata["Name"] or "").lower(): d.version for d in importlib.metadata.distributions()
    }
    return [f"{name}=={version}" for name, version in sorted(found.items()) if name]
