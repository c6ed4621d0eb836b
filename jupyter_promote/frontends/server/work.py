"""What a job does: the dry run or the promotion, reporting events; paths made server-relative.

Runs in a job's worker thread (see :mod:`.jobs`); every decision is the service layer's
(:mod:`jupyter_promote.services.check`, :mod:`jupyter_promote.services.promote`), this module
only adapts: the promotion's checks run once, in the handler, before the job is queued
(:func:`~jupyter_promote.services.promote.prepare`), and the job continues from there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.frontends.server.jobs import JobProgress, Work, report_result
from jupyter_promote.frontends.server.paths import server_relative

if TYPE_CHECKING:
    from jupyter_promote.services.promote import Prepared


def dry_run_work(path: Path, config: PromoteConfig, root: str) -> Work:
    """The reproducibility dry run in a fresh kernel, one event per step; the executed
    notebook's path is server-relative when inside ``root`` (the panel opens it)."""

    def work(progress: JobProgress) -> dict[str, Any]:
        from jupyter_promote.execution.report import RunOptions
        from jupyter_promote.services.check import dry_run, dry_run_notebook

        progress.event("dry-run", "started", "fresh kernel, default parameters")
        save_to = dry_run_notebook(config.runs_path, path)
        spec, report = dry_run(path, RunOptions(), progress, save_to=save_to)
        result = report_result(report)
        if result["executed_notebook"]:
            result["executed_notebook"] = server_relative(root, result["executed_notebook"])
        result["diagnostics"] = [d.model_dump() for d in spec.diagnostics]
        if not spec.order:
            first = spec.errors[0].render() if spec.errors else "the notebook has no code to run"
            result["error"] = {
                "status": 422,
                "message": f"nothing to run: {first}",
                "hint": "fix the problems the check shows",
                "reason": "PipelineInvalid",
                "details": None,
            }
        progress.event("dry-run", "failed" if "error" in result else "completed", report.error)
        return result

    return work


def promote_work(
    prepared: Prepared,
    config: PromoteConfig,
    *,
    dry_run: bool,
    promoted_by: str,
    root: str,
    remember_in_file: bool,
) -> Work:
    """The promotion after its checks: dry run (events per step), release, deployment; the
    result is PromoteResult with the release folder and runbook server-relative inside ``root``.
    """

    def work(progress: JobProgress) -> dict[str, Any]:
        from jupyter_promote.services.promote import promote

        result = promote(
            prepared.path,
            {},
            config,
            dry_run=dry_run,
            promoted_by=promoted_by,
            progress=progress,
            remember_in_file=remember_in_file,
            prepared=prepared,
        )
        answer = result.model_dump()
        for key in ("release_dir", "runbook"):
            answer[key] = server_relative(root, answer[key])
        return answer

    return work
