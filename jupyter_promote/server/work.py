"""What a job does: checks before it is queued, then the dry run or the promotion with events.

Runs in a job's worker thread (see :mod:`.jobs`); every decision is the service layer's
(:mod:`jupyter_promote.service`, :mod:`jupyter_promote.promote`), this module only reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.server.jobs import JobProgress, Work, report_result
from jupyter_promote.server.paths import server_relative

if TYPE_CHECKING:
    from jupyter_promote.core.promotion import PromotionSettings


def preflight_promote(
    path: Path, given: dict[str, Any], config: PromoteConfig
) -> PromotionSettings:
    """The quick refusals of a promotion, answered before a job is queued.

    Raises:
        NotebookError, MetadataError: the notebook cannot be read.
        PromotionInvalid: the settings have problems (each listed).
        PipelineInvalid: static checks found errors.
        SecretsFound: the notebook holds what looks like a secret.
        NoPrefectServer / PrefectUnavailable: no Prefect server answers.
    """
    from jupyter_promote import deploy, promote_settings, service, stack
    from jupyter_promote.core.notebook import read_notebook
    from jupyter_promote.core.secrets import scan_notebook, secrets_error
    from jupyter_promote.errors import PipelineInvalid

    settings = promote_settings.settings_for(path, given, config.work_pool)
    spec = service.check(path)
    if not spec.ok:
        raise PipelineInvalid(path.name, spec.errors)
    findings = scan_notebook(read_notebook(path).nb)
    if findings:
        raise secrets_error(findings)
    deploy.check_reachable(stack.prefect_env(config)["PREFECT_API_URL"])
    return settings


def dry_run_work(path: Path, save_to: Path, root: str) -> Work:
    """The reproducibility dry run in a fresh kernel, one event per step; the executed
    notebook's path is server-relative when inside ``root`` (the panel opens it)."""

    def work(progress: JobProgress) -> dict[str, Any]:
        from jupyter_promote import service
        from jupyter_promote.runner import RunOptions

        progress.event("dry-run", "started", "fresh kernel, default parameters")
        spec, report = service.dry_run(path, RunOptions(), progress, save_to=save_to)
        result = report_result(report)
        if result["executed_notebook"]:
            result["executed_notebook"] = server_relative(root, result["executed_notebook"])
        result["diagnostics"] = [d.model_dump() for d in spec.diagnostics]
        if not spec.order:
            first = spec.errors[0].render() if spec.errors else "the notebook has no steps"
            result["error"] = {
                "status": 422,
                "message": f"nothing to run: {first}",
                "hint": "tag cells with step:NAME (see the check results)",
                "reason": "PipelineInvalid",
                "details": None,
            }
        progress.event("dry-run", "failed" if "error" in result else "completed", report.error)
        return result

    return work


def promote_work(
    path: Path,
    given: dict[str, Any],
    config: PromoteConfig,
    *,
    dry_run: bool,
    promoted_by: str,
    root: str,
) -> Work:
    """Promotion: dry run (events per step), release, deployment; the result is PromoteResult
    with the release folder and runbook server-relative when inside ``root``."""

    def work(progress: JobProgress) -> dict[str, Any]:
        from jupyter_promote import promote

        result = promote.promote(
            path, given, config, dry_run=dry_run, promoted_by=promoted_by, progress=progress
        )
        answer = result.model_dump()
        for key in ("release_dir", "runbook"):
            answer[key] = server_relative(root, answer[key])
        return answer

    return work
