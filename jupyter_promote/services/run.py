"""The run service: one run of a notebook as a real Prefect flow run (``jupyter promote run``),
its parameters checked before anything starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
) -> RunOutcome:
    """Run the pipeline as a Prefect flow run against the configured Prefect server.

    Raises:
        NoPrefectServer: no server is configured or running (never Prefect's ephemeral one).
        PipelineInvalid / ParameterInputError / NotebookError: before anything runs.
    """
    _spec, _, parameters = prepare_run(path, raw_parameters)
    from jupyter_promote.orchestration import deploy, stack

    env = stack.prefect_env(config)  # raises NoPrefectServer
    deploy.check_reachable(env["PREFECT_API_URL"])
    os.environ.update(env)
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "2")  # fail in seconds, not minutes
    from jupyter_promote.execution import flow as pipeline_flow

    pipeline = slug(Path(str(path)).stem)
    notebook_flow = pipeline_flow.make_flow(pipeline)
    caller = pipeline_flow.Caller(progress=progress or pipeline_flow.Caller().progress)
    token = pipeline_flow.CALLER.set(caller)
    try:
        state = _call_flow(
            notebook_flow,
            env["PREFECT_API_URL"],
            str(Path(path).resolve()),
            parameters,
            {**options.__dict__, "cwd": options.cwd or str(Path(path).resolve().parent)},
            str(config.runs_path),
        )
    finally:
        pipeline_flow.CALLER.reset(token)
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


def _call_flow(notebook_flow: Any, api_url: str, *args: Any) -> Any:
    """Call the flow; a Prefect API lost during the run becomes a clear error."""
    import httpx

    try:
        return notebook_flow(*args, return_state=True)
    except (httpx.TransportError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and "Failed to reach API" not in str(exc):
            raise
        raise PrefectUnavailable(
            f"lost the Prefect API at {api_url} during the run ({exc.__class__.__name__}:"
            f" {exc}); the kernel was shut down",
            hint="check the server with `jupyter promote status`, restart it with"
            " `jupyter promote up`, then run again",
        ) from None
