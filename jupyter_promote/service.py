"""The service layer: the one place that composes the core with the outside world.

Surfaces (CLI, IPython magics, REST handlers) parse input, call a function here and render what
it returns; they hold no logic of their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.core.naming import slug
from jupyter_promote.core.notebook import LoadedNotebook, from_dict, read_notebook
from jupyter_promote.core.pipeline import analyze_notebook
from jupyter_promote.core.run_input import coerce_parameters
from jupyter_promote.core.spec import PipelineSpec
from jupyter_promote.errors import PipelineInvalid, PrefectUnavailable, PromoteError

if TYPE_CHECKING:
    from jupyter_promote.flow import Progress
    from jupyter_promote.runner import PipelineRun, RunOptions, RunReport


def check(path: str | Path, name: str | None = None) -> PipelineSpec:
    """Statically check a notebook and return its pipeline spec.

    Args:
        path: The notebook file.
        name: How to name the notebook in the spec and its messages (default: ``path``).

    Returns:
        The spec, with problems in ``spec.diagnostics`` (``spec.ok`` is False on errors).

    Raises:
        NotebookError: the file is missing, unreadable, invalid or not a Python notebook.

    Example:
        >>> spec = check("example_notebooks/loans.ipynb")  # doctest: +SKIP
        >>> spec.order  # doctest: +SKIP
        ['load', 'clean', 'features', 'allocation']
    """
    return _checked(read_notebook(path), name or str(path))


def check_model(raw: Any, name: str) -> PipelineSpec:
    """Statically check a notebook given as nbformat JSON data (an open, maybe unsaved model).

    Raises:
        NotebookError: the data is not a valid Python notebook.
    """
    return _checked(from_dict(raw, name), name)


def _checked(loaded: LoadedNotebook, name: str) -> PipelineSpec:
    spec = analyze_notebook(loaded.nb, name)
    spec.diagnostics = loaded.diagnostics + spec.diagnostics
    spec.diagnostics.sort(key=lambda d: 0 if d.severity == "error" else 1)
    return spec


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


def dry_run(
    path: str | Path,
    options: RunOptions,
    progress: Progress | None = None,
    save_to: str | Path | None = None,
) -> tuple[PipelineSpec, RunReport]:
    """The reproducibility dry run: the whole pipeline in a fresh kernel with default
    parameters, no Prefect. Static errors do not stop it: running shows what they cause.

    Returns:
        The static spec and the run report (``report.ok`` False when a step failed).
    """
    from jupyter_promote.runner import PipelineRun, RunReport

    spec = check(path)
    loaded = read_notebook(path)
    if not spec.order:  # no steps or a cycle: nothing can run
        return spec, RunReport(pipeline=slug(Path(str(path)).stem), parameters={})
    with PipelineRun(spec, loaded.nb, {}, options) as run:
        _run_with_progress(run, progress)
        if save_to:
            run.save(save_to)
    return spec, run.report


def _run_with_progress(run: PipelineRun, progress: Progress | None) -> None:
    try:
        run.run_prelude()
    except PromoteError:
        return
    total = len(run.spec.order)
    for number, name in enumerate(run.spec.order, 1):
        if progress:
            progress.step_started(number, total, name)
        try:
            run.run_step(name)
            if run.has_gate(name):
                run.run_gate(name)
        except PromoteError:
            return
        finally:
            if progress:
                progress.step_finished(number, total, run.report.step(name))


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
    from jupyter_promote import deploy, stack

    env = stack.prefect_env(config)  # raises NoPrefectServer
    deploy.check_reachable(env["PREFECT_API_URL"])
    os.environ.update(env)
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "2")  # fail in seconds, not minutes
    from jupyter_promote import flow as pipeline_flow

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
    from jupyter_promote.runner import RunReport

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


@dataclass
class PrefectEndpoint:
    """Which Prefect server the project uses and whether it answered just now."""

    api_url: str | None
    ui_url: str | None
    reachable: bool
    error: str | None


def prefect_endpoint(config: PromoteConfig, timeout: float = 1.5) -> PrefectEndpoint:
    """Resolve the project's Prefect API and probe its health check with a short timeout.

    Never raises for a missing or dead server: the answer says why (for status displays).
    """
    from jupyter_promote import deploy, stack

    try:
        env = stack.prefect_env(config)
    except PromoteError as exc:
        return PrefectEndpoint(None, None, False, exc.render())
    api_url, ui_url = env["PREFECT_API_URL"], stack.ui_base(env)
    try:
        deploy.check_reachable(api_url, timeout)
    except PromoteError as exc:
        return PrefectEndpoint(api_url, ui_url, False, exc.message)
    return PrefectEndpoint(api_url, ui_url, True, None)
