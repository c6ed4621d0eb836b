"""The run service: one run of a notebook as a real Prefect flow run (``jupyter promote run``),
its parameters checked before anything starts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_promote.analysis.notebook import LoadedNotebook, read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.analysis.spec import PipelineSpec
from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PipelineInvalid, PrefectUnavailable
from jupyter_promote.execution.inputs import coerce_parameters
from jupyter_promote.util.naming import slug

if TYPE_CHECKING:
    from jupyter_promote.execution.flow import Progress
    from jupyter_promote.execution.report import RunOptions, RunReport
    from jupyter_promote.execution.run import PipelineRun


@dataclass
class RunOutcome:
    """What ``run`` returns: the report, and where to see the run."""

    report: RunReport
    flow_run_id: str = ""
    ui_url: str = ""
    state: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.state == "COMPLETED" if self.flow_run_id else self.report.ok


def prepare_run(
    path: str | Path, raw_parameters: dict[str, Any]
) -> tuple[PipelineSpec, LoadedNotebook, dict[str, Any]]:
    """Check the notebook and the run parameters before anything runs.

    Raises:
        NotebookError: the notebook cannot be read.
        PipelineInvalid: static checks found errors.
        ParameterInputError: an unknown parameter or a value of the wrong type.
    """
    loaded = read_notebook(path)
    spec = analyze_notebook(loaded.nb, str(path))
    if not spec.ok:
        raise PipelineInvalid(str(path), spec.errors)
    return spec, loaded, coerce_parameters(spec, raw_parameters)


def run(
    path: str | Path,
    raw_parameters: dict[str, Any],
    options: RunOptions,
    config: PromoteConfig,
    progress: Progress | None = None,
    *,
    prefect_log: Path | None = None,
    on_lost: Callable[[PrefectUnavailable], None] | None = None,
) -> RunOutcome:
    """Run the pipeline as a Prefect flow run against the configured Prefect server.

    While the run goes on, the API's health is watched: when it stops answering, the kernel is
    killed at once and ``on_lost`` hears the error (the CLI prints it and exits within
    seconds); without ``on_lost`` the run ends with PrefectUnavailable once Prefect gives up.

    Args:
        prefect_log: Send Prefect's own console output (retries, event and log workers) to
            this file instead of the terminal.
        on_lost: Called (from the watcher's thread) when the Prefect API is lost mid-run.

    Raises:
        NoPrefectServer: no server is configured or running (never Prefect's ephemeral one).
        PipelineInvalid / ParameterInputError / NotebookError: before anything runs.
        PrefectUnavailable: the API was lost during the run.
    """
    spec, loaded, parameters = prepare_run(path, raw_parameters)
    from jupyter_promote.orchestration import deploy, stack

    env = stack.prefect_env(config)  # raises NoPrefectServer
    deploy.check_reachable(env["PREFECT_API_URL"])
    os.environ.update(env)
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "2")  # fail in seconds, not minutes
    run_options = replace(options, cwd=options.cwd or str(Path(path).resolve().parent))
    early = _start_early(spec, loaded, parameters, run_options)
    from jupyter_promote.execution import flow as pipeline_flow

    if prefect_log is not None:
        _prefect_output_to(prefect_log)
    pipeline = slug(Path(str(path)).stem)
    notebook_flow = pipeline_flow.make_flow(pipeline)
    caller = pipeline_flow.Caller(
        progress=progress or pipeline_flow.Caller().progress, run=early, prepared=early
    )
    token = pipeline_flow.CALLER.set(caller)
    watch = ApiWatch(env["PREFECT_API_URL"], lambda error: _lost(caller, error, on_lost))
    watch.start()
    try:
        state = _call_flow(
            notebook_flow,
            env["PREFECT_API_URL"],
            str(Path(path).resolve()),
            parameters,
            dict(run_options.__dict__),
            str(config.runs_path),
        )
    finally:
        watch.stop()
        pipeline_flow.CALLER.reset(token)
        early.close()  # the flow closed it, unless Prefect failed before its first task
    from jupyter_promote.execution.report import RunReport

    flow_run_id = str(state.state_details.flow_run_id)
    report = caller.report or RunReport(pipeline=pipeline, parameters=parameters)
    ui = stack.ui_base(env)
    return RunOutcome(
        report=report,
        flow_run_id=flow_run_id,
        ui_url=f"{ui}/runs/flow-run/{flow_run_id}" if ui else "",
        state=str(state.type.value),
        message=state.message or "",
    )


def _start_early(
    spec: PipelineSpec, loaded: LoadedNotebook, parameters: dict[str, Any], options: RunOptions
) -> PipelineRun:
    """The run's kernel, started before Prefect is (its imports and the flow run's creation
    take seconds): Prefect is imported in a thread while the kernel boots, then the kernel
    imports Great Expectations on the other core while Prefect starts the flow run. A kernel
    that fails to start fails the run's ``setup`` task, as it would have without this."""
    from jupyter_promote.execution.run import PipelineRun

    early = PipelineRun(spec, loaded.nb, parameters, options)
    importing = threading.Thread(target=_import_prefect, name="jupyter-promote-import", daemon=True)
    importing.start()
    early.start_early()
    importing.join()
    return early


def _import_prefect() -> None:
    with contextlib.suppress(Exception):  # imported again where used, errors and all
        import jupyter_promote.execution.flow  # noqa: F401


class ApiWatch(threading.Thread):
    """Polls the Prefect API's health check while a run goes on; after ``misses`` failed
    probes in a row, calls ``on_lost`` once (the API is gone: stop the run now rather than
    after Prefect's retries)."""

    def __init__(
        self,
        api_url: str,
        on_lost: Callable[[PrefectUnavailable], None],
        interval: float = 2.0,
        misses: int = 2,
    ) -> None:
        super().__init__(name="jupyter-promote-api-watch", daemon=True)
        self.api_url, self.on_lost = api_url, on_lost
        self.interval, self.misses = interval, misses
        self._stopped = threading.Event()

    def run(self) -> None:
        import httpx

        failed = 0
        while not self._stopped.wait(self.interval):
            try:
                httpx.get(f"{self.api_url.rstrip('/')}/health", timeout=self.interval)
                failed = 0
            except httpx.HTTPError:
                failed += 1
            if failed >= self.misses and not self._stopped.is_set():
                self.on_lost(lost_api(self.api_url, "it stopped answering its health check"))
                return

    def stop(self) -> None:
        self._stopped.set()


def lost_api(api_url: str, why: str) -> PrefectUnavailable:
    """The error of a Prefect API lost during a run."""
    return PrefectUnavailable(
        f"lost the Prefect API at {api_url} during the run ({why}); the kernel was shut down",
        hint="check the server with `jupyter promote status`, restart it with"
        " `jupyter promote up`, then run again",
    )


def _lost(caller: Any, error: PrefectUnavailable, on_lost: Callable[..., None] | None) -> None:
    pid = caller.run.kernel.pid if caller.run is not None else None
    if pid:  # the kernel belongs to the flow's thread: end its process, the step fails at once
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
    if on_lost is not None:
        on_lost(error)


def _reap(pid: int) -> None:
    """Collect the killed kernel's exit status, so it leaves no zombie behind if this process
    exits at once (a container's first process may never reap orphans)."""
    import psutil

    with contextlib.suppress(psutil.Error, ChildProcessError):
        psutil.Process(pid).wait(timeout=5)


def _prefect_output_to(path: Path) -> None:
    """Prefect's console and internal handlers write to ``path``; its API log worker stops
    printing its failures to stderr (it prints them only while ``logging.raiseExceptions``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for name in ("", "prefect", "prefect._internal", "prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler
            ):
                to_file = logging.FileHandler(path, encoding="utf-8")
                to_file.setFormatter(logging.Formatter(LOG_FORMAT))
                to_file.setLevel(handler.level)
                logger.removeHandler(handler)
                logger.addHandler(to_file)
    logging.raiseExceptions = False


LOG_FORMAT = "%(asctime)s | %(levelname)-7s | %(name)s - %(message)s"


def _call_flow(notebook_flow: Any, api_url: str, *args: Any) -> Any:
    """Call the flow; a Prefect API lost during the run becomes a clear error."""
    import httpx

    try:
        return notebook_flow(*args, return_state=True)
    except (httpx.TransportError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and "Failed to reach API" not in str(exc):
            raise
        raise lost_api(api_url, f"{exc.__class__.__name__}: {exc}") from None
