"""The Prefect flow of a notebook pipeline: one kernel, one task run per step.

Imported only when a pipeline runs (Prefect costs 1-2 s to import). The flow is named after the
pipeline; its ``setup`` task starts the kernel and runs parameters and setup cells, then each
step is a task named after the step that executes the step's cells in the shared kernel. Cell
output goes to the task's log. The executed notebook is saved for every run and linked from a
markdown artifact. A failing step fails the run with a message naming step and cell, and the
steps after it never run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run as current_flow_run
from prefect.states import Failed, State

from jupyter_promote.analysis.notebook import read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.errors import PipelineInvalid
from jupyter_promote.execution.kernel import KernelDied, KernelNotInstalled
from jupyter_promote.execution.report import RunOptions, RunReport, StepResult
from jupyter_promote.execution.run import PipelineRun
from jupyter_promote.util.naming import slug

NOT_RETRIED = (KernelDied, KernelNotInstalled)
#: Where a worker keeps executed notebooks when its environment does not say
#: (``JUPYTER_PROMOTE_RUNS_DIR``; the embedded stack's deployments set the project's runs folder).
DEFAULT_RUNS_DIR = Path("~/jupyter-promote-runs")


class Progress(Protocol):
    """Receives progress as steps start and finish (the terminal, the lab panel)."""

    def step_started(self, number: int, total: int, name: str) -> None: ...

    def step_finished(self, number: int, total: int, result: StepResult) -> None: ...


class _Silent:
    def step_started(self, number: int, total: int, name: str) -> None:
        pass

    def step_finished(self, number: int, total: int, result: StepResult) -> None:
        pass


def _retry_unless_fatal(task_obj: Any, task_run: Any, state: State) -> bool:
    """Retry a failed step, except when the kernel is gone (the step cannot succeed again)."""
    error = state.result(raise_on_failure=False)
    return not isinstance(error, NOT_RETRIED)


def _log_sink() -> Callable[[int, str, str], None]:
    logger = get_run_logger()

    def sink(index: int, stream: str, text: str) -> None:
        for line in text.rstrip("\n").splitlines():
            (logger.warning if stream == "stderr" else logger.info)(f"[cell {index + 1}] {line}")

    return sink


@dataclass
class Caller:
    """An in-process caller of the flow (the CLI): receives progress and the run report."""

    progress: Progress = field(default_factory=_Silent)
    report: RunReport | None = None
    run: PipelineRun | None = None  # the run in progress (its kernel), for the caller's watch
    prepared: PipelineRun | None = None  # made (kernel started early) for this flow to use


# Flows run in their caller's thread, so a context variable reaches them.
CALLER: ContextVar[Caller | None] = ContextVar("jupyter_promote_caller", default=None)


def run_release(flow_file: str, parameters: dict[str, Any]) -> dict[str, Any] | State:
    """Run a promoted release: the body of the generated ``flow.py`` of every release.

    The release folder holds ``notebook.ipynb`` and ``manifest.yaml``; the environment (the
    deployment's, or a remote worker's) says where runs are kept (``JUPYTER_PROMOTE_RUNS_DIR``,
    default ``~/jupyter-promote-runs``: a worker's clone of the release is deleted after the
    run) and the kernel's working directory (``JUPYTER_PROMOTE_WORKDIR``, relative to the
    release's checkout; default: the release folder).
    """
    release = Path(flow_file).resolve().parent
    pipeline = release.parent.name
    runs_dir = os.environ.get("JUPYTER_PROMOTE_RUNS_DIR") or str(DEFAULT_RUNS_DIR.expanduser())
    options = RunOptions(cwd=os.environ.get("JUPYTER_PROMOTE_WORKDIR") or str(release))
    outcome = run_pipeline(
        str(release / "notebook.ipynb"), dict(parameters), options, runs_dir, pipeline=pipeline
    )
    if isinstance(outcome, dict):
        record_reads(release, pipeline)
    return outcome


def record_reads(release: Path, pipeline: str) -> None:
    """Tell the fleet catalog this run read the datasets its release reads (so `stale` knows
    their writers are used). The catalog is found through ``JUPYTER_PROMOTE_CATALOG_URL`` (the
    local default sets it); without it, or if it does not answer, the run only logs why."""
    url = os.environ.get("JUPYTER_PROMOTE_CATALOG_URL")
    if not url:
        return
    logger = get_run_logger()
    try:
        from jupyter_promote.fleet.catalog import Catalog
        from jupyter_promote.release.store import read_manifest

        keys = [use.key for use in read_manifest(release).lineage.reads]
        if not keys:
            return
        catalog = Catalog(url)
        run_id = str(current_flow_run.get_id() or "")
        for key in keys:
            catalog.record_read(key, by=pipeline, run_id=run_id)
        catalog.close()
        logger.info(f"recorded reads of {', '.join(keys)} in the fleet catalog")
    except Exception as exc:  # the run's work is done: a catalog problem must not fail it
        logger.warning(f"could not record this run's reads in the fleet catalog: {exc}")


def run_pipeline(
    notebook: str,
    parameters: dict[str, Any],
    options: RunOptions,
    runs_dir: str,
    pipeline: str | None = None,
) -> dict[str, Any] | State:
    """The body of the pipeline flow (call it inside a flow run).

    Returns:
        A summary (steps, seconds, executed notebook) when every step completed, else a
        ``Failed`` state whose message names the step, the cell and the error.
    """
    caller = CALLER.get() or Caller()
    progress = caller.progress
    run = caller.prepared
    caller.prepared = None  # used once
    if run is None:
        loaded = read_notebook(notebook)
        spec = analyze_notebook(loaded.nb, notebook)
        if not spec.ok:
            raise PipelineInvalid(notebook, spec.errors)
        run = PipelineRun(spec, loaded.nb, parameters, options)
    spec = run.spec
    if pipeline:
        run.report.pipeline = pipeline
    caller.report, caller.run = run.report, run
    total = len(spec.order)
    try:
        prelude = task(
            _prelude_body(run), name="setup", task_run_name="setup", persist_result=False
        )
        if prelude(return_state=True).is_failed():
            return Failed(message=f"{run.report.pipeline}: {run.report.error}")
        for number, name in enumerate(spec.order, 1):
            progress.step_started(number, total, name)
            step = task(
                _step_body(run, name),
                name=name,
                task_run_name=name,
                retries=options.retries,
                retry_delay_seconds=options.retry_delay,
                retry_condition_fn=_retry_unless_fatal,
                persist_result=False,
            )
            state = step(return_state=True)
            if not state.is_failed() and run.has_gate(name):
                gate = task(
                    _gate_body(run, name),
                    name=f"gate:{name}",
                    task_run_name=f"gate:{name}",
                    persist_result=False,
                )
                state = gate(return_state=True)
            progress.step_finished(number, total, run.report.step(name))
            if state.is_failed():
                return Failed(message=run.report.error)
        return {
            "steps": {s.name: round(s.seconds, 3) for s in run.report.steps},
            "executed_notebook": run.report.executed_notebook,
        }
    finally:
        run.close()
        _save_executed(run, runs_dir)
        if run.report.quality:
            publish_quality(run.report)
        if run.report.error:
            announce_failure(run.report)


#: The event a failed run emits for the monitor (and for Prefect automations): what stopped it.
RUN_FAILED_EVENT = "jupyter-promote.run.failed"


def announce_failure(report: RunReport) -> None:
    """Emit :data:`RUN_FAILED_EVENT` for the current flow run: the kind of failure (failed,
    gate-failed, crashed), the step, the cell, the expectation with its observed values and the
    executed notebook. The monitor reads it to say where to look first; Prefect relates it to
    the flow run (and its deployment) by itself."""
    failure = {k: v for k, v in report.failure.items() if v is not None}
    emit_event(
        event=RUN_FAILED_EVENT,
        resource={
            "prefect.resource.id": f"jupyter-promote.pipeline.{report.pipeline}",
            "prefect.resource.name": report.pipeline,
        },
        payload={
            "pipeline": report.pipeline,
            "kind": failure.pop("kind", "failed"),
            **failure,
            "error": report.error[:2000],
            "executed_notebook": report.executed_notebook,
        },
    )


def _prelude_body(run: PipelineRun) -> Callable[[], None]:
    def setup() -> None:
        run.set_output_sink(_log_sink())
        run.start()
        run.run_prelude()

    return setup


def _step_body(run: PipelineRun, name: str) -> Callable[[], dict[str, Any]]:
    def step() -> dict[str, Any]:
        run.set_output_sink(_log_sink())
        result = run.run_step(name)
        return {"step": result.name, "seconds": round(result.seconds, 3)}

    return step


def _gate_body(run: PipelineRun, name: str) -> Callable[[], dict[str, Any]]:
    def gate() -> dict[str, Any]:
        logger = get_run_logger()
        results = []
        try:
            results = run.run_gate(name)
        finally:
            for row in results or run.report.quality:
                if row["step"] == name:
                    log = logger.info if row["success"] else logger.warning
                    log(
                        f"{'pass' if row['success'] else 'FAIL'} [{row['level']}] "
                        f"{row['variable']}: {row['expectation']}: {row['observed']}"
                    )
        return {"step": name, "checks": run.report.step(name).checks}

    return gate


QUALITY_COLUMNS = ("step", "variable", "expectation", "level", "success", "observed", "expected")


def publish_quality(report: RunReport) -> None:
    """The run's data-quality report as Prefect artifacts, keyed per pipeline (history in UI)."""
    rows = [{k: row.get(k) for k in QUALITY_COLUMNS} for row in report.quality]
    failed = [r for r in rows if not r["success"]]
    create_table_artifact(
        table=rows,
        key=f"{report.pipeline}-data-quality",
        description=f"Data quality of {report.pipeline}: one row per expectation checked",
    )
    lines = [
        f"### Data quality: {len(rows) - len(failed)} passed, {len(failed)} failed",
        "",
        *(
            f"- {'❌' if r['level'] == 'error' else '⚠️'} **{r['step']}** `{r['variable']}`:"
            f" {r['expectation']} (observed {r['observed']}; expected {r['expected']})"
            for r in failed
        ),
    ]
    if not failed:
        lines.append("Every expectation passed.")
    create_markdown_artifact(
        markdown="\n".join(lines),
        key=f"{report.pipeline}-data-quality-summary",
        description=f"Data-quality summary of {report.pipeline}",
    )


def _save_executed(run: PipelineRun, runs_dir: str) -> None:
    run_id = str(current_flow_run.id or "local")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(runs_dir) / run.report.pipeline / f"{stamp}-{run_id[:8]}.ipynb"
    run.save(path)
    status = "failed" if run.report.error else "completed"
    lines = [
        f"### Executed notebook ({status})",
        "",
        f"`{path}`",
        "",
        "| step | status | seconds |",
        "|---|---|---|",
        *(f"| {s.name} | {s.status} | {s.seconds:.2f} |" for s in run.report.steps),
    ]
    if run.report.error:
        lines += ["", f"**Error:** {run.report.error}"]
    create_markdown_artifact(
        markdown="\n".join(lines),
        key=f"{run.report.pipeline}-executed-notebook",
        description=f"Executed notebook of this run: {path}",
    )


def make_flow(pipeline: str) -> Any:
    """The Prefect flow for ``pipeline`` (a slug; the flow is named after it).

    Example:
        >>> loans = make_flow("loans")  # doctest: +SKIP
        >>> state = loans(  # doctest: +SKIP
        ...     "example_notebooks/loans.ipynb", {}, {}, ".runs", return_state=True
        ... )
    """

    @flow(name=slug(pipeline), persist_result=False, validate_parameters=False, log_prints=False)
    def notebook_pipeline(
        notebook: str,
        parameters: dict[str, Any],
        options: dict[str, Any],
        runs_dir: str,
    ) -> Any:
        return run_pipeline(notebook, parameters, RunOptions(**options), runs_dir)

    return notebook_pipeline
