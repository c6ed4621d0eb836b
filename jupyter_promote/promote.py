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

from jupyter_promote.config import PromoteConfig
from jupyter_promote.core.notebook import read_notebook
from jupyter_promote.core.pipeline import analyze_notebook
from jupyter_promote.core.promotion import PromotionSettings
from jupyter_promote.core.release import current_release, pipeline_lock, set_current
from jupyter_promote.core.release_writer import mark_deployed, write_release
from jupyter_promote.core.runbook import runbook_summary
from jupyter_promote.core.schedule import describe_schedule
from jupyter_promote.core.secrets import scan_notebook, secrets_error
from jupyter_promote.errors import PipelineInvalid, PromoteError
from jupyter_promote.promote_settings import remember, settings_for
from jupyter_promote.releases import (
    PromoteResult,
    project_relative,
    promote_result,
    worker_source,
)


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
    spec = analyze_notebook(loaded.nb, project_relative(path, config))
    if not spec.ok:
        raise PipelineInvalid(str(path), spec.errors)
    settings = settings_for(path, given, config.work_pool)
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
            worker_source(config, folder, manifest),
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
    remember(path, settings)
    progress.event("deployment", "completed", f"{info.name}: {describe_schedule(settings)}")
    return promote_result(manifest, folder, info, env, unchanged, dry)


def _environment_lock() -> list[str]:
    found = {
        (d.metadata["Name"] or "").lower(): d.version for d in importlib.metadata.distributions()
    }
    return [f"{name}=={version}" for name, version in sorted(found.items()) if name]
