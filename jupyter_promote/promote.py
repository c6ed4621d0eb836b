"""The promotion service: checks -> dry run -> immutable release -> Prefect deployment.

Composes the pure core (checks, secrets scan, settings validation, release writing) with the
kernel (dry run) and Prefect (deployment). Order matters for "nothing is lost": everything
that can refuse runs before anything is written; the release is written before the deployment
moves; a failed deployment leaves the release written but marked not deployed and the previous
deployment untouched, and promoting again finishes the job.
"""

from __future__ import annotations

import getpass
import importlib.metadata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import nbformat
from pydantic import BaseModel, Field

from jupyter_promote.config import PromoteConfig, release_source
from jupyter_promote.core.entrypoint import ENTRYPOINT_FILE, function_name
from jupyter_promote.core.files import atomic_write_text
from jupyter_promote.core.naming import slug
from jupyter_promote.core.notebook import read_notebook
from jupyter_promote.core.pipeline import analyze_notebook
from jupyter_promote.core.promotion import (
    PromotionSettings,
    describe_schedule,
    next_runs,
    read_promotion,
    validate_settings,
    write_promotion,
)
from jupyter_promote.core.release import (
    current_release,
    mark_deployed,
    pipeline_lock,
    set_current,
    write_release,
)
from jupyter_promote.core.runbook import runbook_summary
from jupyter_promote.core.secrets import scan_notebook, secrets_error
from jupyter_promote.core.sources import DeploymentSource, deployment_source
from jupyter_promote.errors import PipelineInvalid, PromoteError


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


class PromoteResult(BaseModel):
    """What a promotion did."""

    name: str = Field(description="Pipeline (and deployment) name.")
    version: str = Field(description="Release version: short hash of what defines it.")
    unchanged: bool = Field(description="True when this exact release was already deployed.")
    release_dir: str = Field(description="Folder of the release.")
    runbook: str = Field(description="Path of the release's RUNBOOK.md.")
    deployment: str = Field(description="Prefect deployment name, FLOW/DEPLOYMENT.")
    deployment_id: str = Field(description="Prefect deployment id.")
    schedule: str = Field(description="The schedule in words.")
    next_runs: list[str] = Field(description="The next three run times (ISO, with offset).")
    ui_url: str = Field(description="The deployment in the Prefect UI.")
    dry_run: str = Field(description="'passed' or 'skipped (--no-dry-run)'.")


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


def settings_for(path: str | Path, given: dict[str, Any]) -> PromotionSettings:
    """The notebook's last promotion form, overridden by what is given, validated."""
    previous = read_promotion(read_notebook(path).nb)
    data = previous.model_dump() if previous else {}
    new = {k: v for k, v in given.items() if v not in (None, [], "")}
    # A schedule given now replaces the remembered one of the other kind (cron vs interval).
    if "schedule" in new:
        data.pop("interval_seconds", None)
    if "interval_seconds" in new:
        data.pop("schedule", None)
    data.update(new)
    return validate_settings(data)


def promote(
    path: str | Path,
    given: dict[str, Any],
    config: PromoteConfig,
    *,
    dry_run: bool = True,
    promoted_by: str | None = None,
    progress: PromoteProgress | None = None,
) -> PromoteResult:
    """Promote a notebook: see the module docstring for the order of things.

    ``progress`` hears each phase as it starts and ends (``checks``, ``dry-run`` with its
    steps, ``release``, ``deployment``): the terminal, the lab panel's job log.

    Raises:
        PromotionInvalid, PipelineInvalid, SecretsFound, DryRunFailed: nothing was written.
        NoPrefectServer / PrefectUnavailable: nothing was written.
        ReleaseBusy: another promotion of the same pipeline holds the lock.
        DeployFailed: the release is written (not deployed); promote again to finish.
    """
    from jupyter_promote import deploy, stack

    progress = progress or _Quiet()
    progress.event("checks", "started", "static checks, settings, secrets, Prefect server")
    loaded = read_notebook(path)
    spec = analyze_notebook(loaded.nb, _project_relative(path, config))
    if not spec.ok:
        raise PipelineInvalid(str(path), spec.errors)
    settings = settings_for(path, given)
    findings = scan_notebook(loaded.nb)
    if findings:
        raise secrets_error(findings)
    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    with deploy.using(env["PREFECT_API_URL"]):
        deploy.check_pool(settings.work_pool, config.release_source)
    progress.event("checks", "completed", "static checks, settings, secrets, Prefect server")
    dry = _dry_run(path, progress) if dry_run else "skipped (--no-dry-run)"
    if not dry_run:
        progress.event("dry-run", "skipped", "turned off (recorded in the release)")
    with deploy.using(env["PREFECT_API_URL"]), pipeline_lock(config.pipelines_path, settings.name):
        return _release_and_deploy(
            path, loaded.nb, spec, settings, config, env, dry, promoted_by, progress
        )


def _dry_run(path: str | Path, progress: PromoteProgress) -> str:
    from jupyter_promote import service
    from jupyter_promote.runner import RunOptions

    progress.event("dry-run", "started", "fresh kernel, default parameters")
    _, report = service.dry_run(path, RunOptions(), progress)
    if not report.ok:
        progress.event("dry-run", "failed", report.error or "")
        raise DryRunFailed(
            f"the dry run in a fresh kernel failed: {report.error}",
            hint="fix the notebook (see `jupyter promote check --execute`), or skip the dry run"
            " with --no-dry-run (recorded in the release)",
        )
    progress.event("dry-run", "completed", "every step and gate passed")
    return "passed"


def _release_and_deploy(
    path: str | Path,
    nb: nbformat.NotebookNode,
    spec: Any,
    settings: PromotionSettings,
    config: PromoteConfig,
    env: dict[str, str],
    dry: str,
    promoted_by: str | None,
    progress: PromoteProgress,
) -> PromoteResult:
    from jupyter_promote import deploy

    progress.event("release", "started", "writing the immutable release")
    current = current_release(config.pipelines_path, settings.name)
    folder, manifest, created = write_release(
        config.pipelines_path,
        nb,
        spec,
        settings,
        promoted_by=promoted_by or getpass.getuser(),
        promoted_at=datetime.now(timezone.utc),
        dry_run=dry,
        environment_lock=_environment_lock(),
        schedule_text=describe_schedule(settings),
    )
    unchanged = not created and current is not None and current.version == manifest.version
    written = "unchanged" if unchanged else "written"
    progress.event("release", "completed", f"version {manifest.version} {written}")
    progress.event("deployment", "started", f"{settings.name} on work pool {settings.work_pool}")
    try:
        info = deploy.upsert(
            folder,
            manifest,
            runbook_summary(spec, settings),
            _source(config, folder, manifest),
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
    mark_deployed(folder, info.id)
    set_current(config.pipelines_path, settings.name, manifest.version)
    _remember(path, settings)
    progress.event("deployment", "completed", f"{info.name}: {describe_schedule(settings)}")
    return _result(manifest, folder, info, env, unchanged, dry)


def _result(
    manifest: Any, folder: Path, info: Any, env: dict[str, str], unchanged: bool, dry: str
) -> PromoteResult:
    """What a promotion or rollback tells the user: release, deployment, schedule, links."""
    from jupyter_promote import stack

    settings = manifest.settings()
    return PromoteResult(
        name=manifest.name,
        version=manifest.version,
        unchanged=unchanged,
        release_dir=str(folder),
        runbook=str(folder / "RUNBOOK.md"),
        deployment=info.name,
        deployment_id=info.id,
        schedule=describe_schedule(settings),
        next_runs=[t.isoformat() for t in next_runs(settings)],
        ui_url=f"{stack.ui_base(env)}/deployments/deployment/{info.id}",
        dry_run=dry,
    )


def _remember(path: str | Path, settings: PromotionSettings) -> None:
    """Keep the form in the notebook's metadata so re-promoting is one click."""
    nb = nbformat.read(str(path), as_version=4)
    if read_promotion(nb) != settings:
        write_promotion(nb, settings)
        atomic_write_text(path, nbformat.writes(nb))


def _environment_lock() -> list[str]:
    found = {
        (d.metadata["Name"] or "").lower(): d.version for d in importlib.metadata.distributions()
    }
    return [f"{name}=={version}" for name, version in sorted(found.items()) if name]


class NothingToRollBackTo(PromoteError):
    """There is no earlier release to move the deployment to."""

    http_status = 409


def rollback(name: str, config: PromoteConfig, version: str | None = None) -> PromoteResult:
    """Move the pipeline's deployment to an earlier release (default: the one before current).

    Raises:
        ReleaseNotFound: that version was never released.
        NothingToRollBackTo: only one release exists.
        DeploymentNotFound / PrefectUnavailable: the deployment cannot be moved.
    """
    from jupyter_promote import deploy, stack
    from jupyter_promote.core.release import list_releases, read_release, release_dir

    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    with deploy.using(env["PREFECT_API_URL"]), pipeline_lock(config.pipelines_path, name):
        current = current_release(config.pipelines_path, name)
        if version is None:
            older = [
                m
                for m in list_releases(config.pipelines_path, name)
                if current is None or m.promoted_at < current.promoted_at
            ]
            if not older:
                raise NothingToRollBackTo(
                    f"pipeline {name!r} has no release older than the current one",
                    hint="see `jupyter promote show " + name + "` for its releases",
                )
            target = older[-1]
        else:
            target = read_release(config.pipelines_path, name, version)
        folder = release_dir(config.pipelines_path, name, target.version)
        description = deploy.read(name).description or ""
        info = deploy.upsert(folder, target, description, _source(config, folder, target))
        mark_deployed(folder, info.id)
        set_current(config.pipelines_path, name, target.version)
    unchanged = current is not None and current.version == target.version
    return _result(target, folder, info, env, unchanged, target.dry_run)


def _source(config: PromoteConfig, folder: Path, manifest: Any) -> DeploymentSource:
    """Where the deployment's workers find the release (docs/scaling.md)."""
    source = Path(manifest.source_notebook)
    workdir = source.parent if source.is_absolute() else config.project_path / source.parent
    return deployment_source(
        release_source(config),
        release_dir=str(folder),
        release_rel=_project_relative(folder, config),
        workdir_rel=_project_relative(workdir, config),
        local_env={
            "JUPYTER_PROMOTE_RUNS_DIR": str(config.runs_path),
            "JUPYTER_PROMOTE_WORKDIR": str(workdir),
        },
        entrypoint=f"{ENTRYPOINT_FILE}:{function_name(manifest.name)}",
    )


def _project_relative(path: str | Path, config: PromoteConfig) -> str:
    """The notebook's path relative to the project (portable in a git-tracked manifest)."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(config.project_path))
    except ValueError:
        return str(resolved)


def show(name: str, config: PromoteConfig, runs: int = 5) -> dict[str, Any]:
    """The pipeline's current manifest, its releases, and its latest runs (when Prefect is up).

    Raises:
        ReleaseNotFound: nothing was ever promoted under that name.
    """
    from jupyter_promote.core.release import ReleaseNotFound, list_releases

    releases = list_releases(config.pipelines_path, name)
    current = current_release(config.pipelines_path, name)
    if not releases:
        raise ReleaseNotFound(
            f"no pipeline {name!r} under {config.pipelines_path}",
            hint="see `jupyter promote ls` for the promoted pipelines",
        )
    return {
        "manifest": (current or releases[-1]).model_dump(mode="json"),
        "releases": [
            {
                "version": m.version,
                "promoted_at": m.promoted_at,
                "promoted_by": m.promoted_by,
                "current": current is not None and m.version == current.version,
            }
            for m in releases
        ],
        "recent_runs": _recent_runs(name, config, runs),
    }


def _recent_runs(name: str, config: PromoteConfig, limit: int) -> list[dict[str, Any]] | str:
    from jupyter_promote import deploy, stack

    try:
        env = stack.prefect_env(config)
        deploy.check_reachable(env["PREFECT_API_URL"])
    except PromoteError as exc:
        return f"unknown: {exc.message}"
    with deploy.using(env["PREFECT_API_URL"]):
        return deploy.recent_runs(name, limit)
