"""Run a checked pipeline in one kernel, step by step: the part of a run that knows nothing
about Prefect. The Prefect flow (:mod:`.flow`) wraps each
:meth:`run_step` in a task; the dry run (``check --execute``) calls it directly.

Order in the kernel: the ``parameters`` cell, the injected parameters, the ``setup`` cells, then
the steps in the spec's run order. ``skip`` cells and cells before the first step never run.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat

from jupyter_promote.analysis.explain import hidden_state_hint
from jupyter_promote.analysis.spec import PipelineSpec
from jupyter_promote.errors import PromoteError, QualityGateFailed
from jupyter_promote.execution.gate import gate_code, gate_results
from jupyter_promote.execution.inputs import with_injected_parameters
from jupyter_promote.execution.kernel import (
    CellFailed,
    CellTimedOut,
    ExecutionError,
    KernelDied,
    KernelSession,
    OutputCallback,
    mark_failed,
)
from jupyter_promote.execution.report import RunOptions, RunReport, StepResult
from jupyter_promote.expectations import read_expectations
from jupyter_promote.util.files import atomic_write_text
from jupyter_promote.util.naming import slug


class PipelineRun:
    """One execution of a pipeline in one kernel.

    Args:
        spec: The checked pipeline (its run order and cells).
        nb: The notebook the spec was made from.
        parameters: Typed parameter values for this run (see ``coerce_parameters``).
        options: Kernel, working directory and time limits.
        on_output: Receives the cells' stdout/stderr as it arrives.

    Example:
        >>> with PipelineRun(spec, nb, {"n": 3}, RunOptions()) as run:  # doctest: +SKIP
        ...     run.run_prelude()
        ...     for name in spec.order:
        ...         run.run_step(name)
    """

    def __init__(
        self,
        spec: PipelineSpec,
        nb: nbformat.NotebookNode,
        parameters: dict[str, Any],
        options: RunOptions,
        on_output: OutputCallback | None = None,
    ) -> None:
        self.spec = spec
        self.source_nb = nb
        self.options = options
        self.nb, self.injected = with_injected_parameters(_without_outputs(nb), spec, parameters)
        self.report = RunReport(pipeline=_pipeline_name(spec), parameters=parameters)
        self.report.steps = [StepResult(name=n) for n in spec.order]
        self._on_output = on_output
        self._failed_cells: dict[int, ExecutionError] = {}  # run-notebook index -> error
        self._early: ExecutionError | bool | None = None  # see start_early
        self.expectations = read_expectations(nb)  # step -> variable -> suite
        self.kernel = KernelSession(
            self.nb,
            kernel_name=options.kernel,
            cwd=options.cwd or str(Path(spec.notebook).resolve().parent),
            on_output=self._forward_output,
            # %expect in a run checks and shows, but never rewrites the notebook
            env={"JUPYTER_PROMOTE_RUN": "1", "JUPYTER_PROMOTE_NOTEBOOK": ""},
        )

    # -- lifecycle ------------------------------------------------------------------------
    def __enter__(self) -> PipelineRun:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the kernel, make it lean and, when there are gates, warm GX in it; with
        :meth:`start_early` before, raise what went wrong then (if anything)."""
        if self._early is not None:
            early, self._early = self._early, None
            if isinstance(early, ExecutionError):
                self._fail(early, None)  # the run's error names the kernel and the fix
                raise early
            return
        begin = time.perf_counter()
        try:
            self.kernel.start()
            self.report.kernel_start_seconds = time.perf_counter() - begin
            self.kernel.prepare(warm=any(self.expectations.values()))
        except ExecutionError as exc:
            self._fail(exc, None)
            raise

    def start_early(self) -> None:
        """Start the kernel now, before the flow run that uses it exists; a failure is kept
        for :meth:`start` to raise, inside the flow run's ``setup`` task."""
        try:
            self.start()
        except ExecutionError as exc:
            self.report.error, self.report.failure = "", {}  # said again when the run starts
            self._early = exc
        else:
            self._early = True

    def close(self) -> None:
        """Shut the kernel down (idempotent)."""
        self.kernel.close()

    def set_output_sink(self, sink: OutputCallback | None) -> None:
        """Send cell output somewhere else from now on (e.g. the current task's log)."""
        self._on_output = sink

    def _forward_output(self, index: int, stream: str, text: str) -> None:
        if self._on_output is not None:
            self._on_output(self._user_index(index), stream, text)

    # -- index mapping: the run notebook has the injected cell, the user's does not --------
    def _run_index(self, user_index: int) -> int:
        return (
            user_index + 1
            if self.injected is not None and user_index >= self.injected
            else user_index
        )

    def _user_index(self, run_index: int) -> int:
        return (
            run_index - 1 if self.injected is not None and run_index > self.injected else run_index
        )

    # -- execution ------------------------------------------------------------------------
    def run_prelude(self) -> None:
        """Run the parameters cell, the injected parameters and the setup cells."""
        begin = time.perf_counter()
        cells = [self.spec.parameters_cell] if self.spec.parameters_cell is not None else []
        try:
            for user_index in cells:
                self.kernel.run_cell(self._run_index(user_index), timeout=self.options.cell_timeout)
            if self.injected is not None:
                self.kernel.run_cell(self.injected, timeout=self.options.cell_timeout)
            for user_index in self.spec.setup_cells:
                self.kernel.run_cell(
                    self._run_index(user_index),
                    step="setup",
                    timeout=self.options.cell_timeout,
                    report_as=user_index,
                )
        except ExecutionError as exc:
            self._fail(exc, None)
            raise
        finally:
            self.report.prelude_seconds = time.perf_counter() - begin

    def run_step(self, name: str) -> StepResult:
        """Execute every cell of step ``name`` in the shared kernel.

        Raises:
            ExecutionError: a cell failed, timed out, or the kernel died; the result is marked
                failed and the failing cell is marked in the executed notebook.
        """
        result = self.report.step(name)
        result.attempts += 1
        begin = time.perf_counter()
        try:
            for user_index in self.spec.step(name).cells:
                self.kernel.run_cell(
                    self._run_index(user_index),
                    step=name,
                    timeout=self._cell_limit(begin, name, user_index),
                    report_as=user_index,
                )
        except ExecutionError as exc:
            result.status, result.error = "failed", exc.render()
            self._fail(exc, name)
            raise
        finally:
            result.seconds = time.perf_counter() - begin
        result.status, result.error = "completed", ""
        for user_index in self.spec.step(name).cells:  # a retry succeeded: forget the failure
            self._failed_cells.pop(self._run_index(user_index), None)
        self.report.error, self.report.failure = "", {}
        return result

    def has_gate(self, name: str) -> bool:
        """Whether step ``name`` has expectations to check."""
        return bool(self.expectations.get(name))

    def run_gate(self, name: str) -> list[dict[str, Any]]:
        """Check step ``name``'s expectations against the live variables, in the kernel.

        Returns:
            One result row per expectation (also appended to ``report.quality``).

        Raises:
            QualityGateFailed: an expectation of severity ``error`` failed; the step is
                marked failed and nothing after it should run.
        """
        suites = {
            variable: [e.model_dump(mode="json") for e in suite.expectations]
            for variable, suite in self.expectations.get(name, {}).items()
        }
        outputs = self.kernel.run_code(
            gate_code(name, suites), step=name, timeout=self.options.step_timeout
        )
        results = gate_results(outputs)
        if results is None:
            raise QualityGateFailed(
                "the quality gate returned no result",
                hint="check that jupyter-promote is installed in the kernel's environment",
                step=name,
            )
        self.report.quality.extend(results)
        result = self.report.step(name)
        result.checks = _checks_summary(results)
        blocking = [r for r in results if not r["success"] and r["level"] == "error"]
        if blocking:
            error = _gate_error(name, blocking)
            first = blocking[0]
            self.report.failure = {
                "kind": "gate-failed",
                "step": name,
                "expectation": first.get("expectation"),
                "variable": first.get("variable"),
                "observed": first.get("observed"),
            }
            result.status, result.error, self.report.error = (
                "failed",
                error.render(),
                error.render(),
            )
            raise error
        return results

    def _cell_limit(self, step_begin: float, step: str, user_index: int) -> float | None:
        limits = [t for t in (self.options.cell_timeout,) if t is not None]
        if self.options.step_timeout is not None:
            remaining = self.options.step_timeout - (time.perf_counter() - step_begin)
            if remaining <= 0:
                raise CellTimedOut(
                    f"step {step!r} ran longer than its limit of {self.options.step_timeout:g} s",
                    hint="make the step faster or raise --step-timeout",
                    cell_index=user_index,
                    step=step,
                )
            limits.append(remaining)
        return min(limits) if limits else None

    def _fail(self, exc: ExecutionError, step: str | None) -> None:
        if isinstance(exc, CellFailed) and exc.ename == "NameError":
            hint = hidden_state_hint(self.spec, self.source_nb, exc.evalue)
            if hint:
                exc.hint = hint
        self.report.error = exc.render()
        self.report.failure = {
            "kind": "crashed" if isinstance(exc, KernelDied) else "failed",
            "step": step or "setup",
            "cell": exc.cell_index,
        }
        if exc.cell_index is not None:
            self._failed_cells[self._run_index(exc.cell_index)] = exc

    # -- results --------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the executed notebook (all outputs, the failing cell marked) atomically."""
        executed = nbformat.from_dict(json.loads(json.dumps(self.nb)))
        for run_index in sorted(self._failed_cells, reverse=True):
            mark_failed(executed, run_index, self._failed_cells[run_index])
        executed.metadata["jupyter_promote"] = {
            "run": {
                "pipeline": self.report.pipeline,
                "parameters": self.report.parameters,
                "options": self.options.__dict__,
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "status": "failed" if self.report.error else "completed",
                "error": self.report.error,
            }
        }
        written = atomic_write_text(path, nbformat.writes(executed))
        self.report.executed_notebook = str(written)
        return written


def _without_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    copy = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return copy


def _pipeline_name(spec: PipelineSpec) -> str:
    return slug(Path(spec.notebook).stem)


def _checks_summary(results: list[dict[str, Any]]) -> str:
    failed = [r for r in results if not r["success"]]
    blocking = sum(r["level"] == "error" for r in failed)
    return f"{len(results) - len(failed)} passed, {len(failed)} failed ({blocking} blocking)"


def _gate_error(step: str, blocking: list[dict[str, Any]]) -> QualityGateFailed:
    first = blocking[0]
    more = f" (and {len(blocking) - 1} more blocking)" if len(blocking) > 1 else ""
    return QualityGateFailed(
        f"quality gate failed: {first['variable']}: {first['expectation']}: observed"
        f" {first['observed']}, expected {first['expected']}{more}",
        hint="fix the data or the step; if the data is right, change the expectation"
        " (%expect --remove) or make it a warning (--severity warn)",
        step=step,
        details={"failed": blocking},
    )


def run_all(run: PipelineRun) -> RunReport:
    """Prelude, then every step and its quality gate, stopping at the first failure."""
    try:
        run.run_prelude()
        for name in run.spec.order:
            run.run_step(name)
            if run.has_gate(name):
                run.run_gate(name)
    except PromoteError:
        pass
    return run.report
