"""``jupyter promote run`` and ``jupyter promote check --execute``: running pipelines from a
terminal, with step-by-step progress."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from jupyter_promote.errors import PromoteError
    from jupyter_promote.execution.report import RunOptions, RunReport, StepResult
    from jupyter_promote.services.run import RunOutcome


class TerminalProgress:
    """Prints ``[2/4] clean ... 1.3 s ok`` lines as steps start and finish."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.started = time.perf_counter()

    def step_started(self, number: int, total: int, name: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{number}/{total}] {name} ... (elapsed {elapsed:.1f} s)", file=self.out, flush=True)

    def step_finished(self, number: int, total: int, result: StepResult) -> None:
        mark = "ok" if result.status == "completed" else result.status.upper()
        tries = f", {result.attempts} attempts" if result.attempts > 1 else ""
        checks = f"; checks: {result.checks}" if result.checks else ""
        print(
            f"[{number}/{total}] {result.name} {mark} in {result.seconds:.2f} s{tries}{checks}",
            file=self.out,
            flush=True,
        )


class TerminalPromoteProgress(TerminalProgress):
    """Also prints a promotion's phases: ``checks ok``, ``release ... written``."""

    def event(self, step: str, state: str, message: str = "") -> None:
        if state == "started" and step != "dry-run":
            return  # the completed line says it
        print(f"{step}: {state}" + (f" ({message})" if message else ""), file=self.out, flush=True)


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Kernel and time-limit options shared by ``run`` and ``check --execute``."""
    parser.add_argument("--kernel", help="kernel to run in (default: the notebook's kernelspec)")
    parser.add_argument(
        "--cwd", help="working directory of the kernel (default: notebook's folder)"
    )
    parser.add_argument(
        "--cell-timeout", type=float, metavar="SECONDS", help="time limit for each cell"
    )
    parser.add_argument(
        "--step-timeout", type=float, metavar="SECONDS", help="time limit for each step"
    )


def run_options(args: argparse.Namespace) -> RunOptions:
    """The :class:`RunOptions` the command line asked for."""
    from jupyter_promote.execution.report import RunOptions

    return RunOptions(
        kernel=args.kernel,
        cwd=args.cwd,
        cell_timeout=args.cell_timeout,
        step_timeout=args.step_timeout,
        retries=getattr(args, "retries", 0),
        retry_delay=getattr(args, "retry_delay", 0.0),
    )


def render_report(report: RunReport) -> str:
    """Per-step table of a finished run."""
    lines = [f"  {'step':<20} {'status':<10} {'seconds':>8}"]
    lines += [f"  {s.name:<20} {s.status:<10} {s.seconds:>8.2f}" for s in report.steps]
    lines.append(
        f"  (kernel start {report.kernel_start_seconds:.2f} s,"
        f" parameters + setup {report.prelude_seconds:.2f} s)"
    )
    return "\n".join(lines)


def cmd_check_execute(args: argparse.Namespace) -> int:
    """``check --execute``: static check, then the dry run in a fresh kernel."""
    from jupyter_promote.analysis.render import render_diagnostics
    from jupyter_promote.config import load_config
    from jupyter_promote.services.check import dry_run, dry_run_notebook

    config = load_config(getattr(args, "project_dir", None))
    status = 0
    for path in args.notebooks:
        print(f"Dry run of {path} in a fresh kernel with default parameters")
        save_to = dry_run_notebook(config.runs_path, path)
        spec, report = dry_run(path, run_options(args), TerminalProgress(), save_to=save_to)
        if spec.diagnostics:
            print("\n".join(render_diagnostics(spec.diagnostics)))
        if report.steps:
            print(render_report(report))
        if not spec.order:
            print("error: nothing can run: fix the errors above first")
        elif report.error:
            print(f"error: {report.error}")
        if report.executed_notebook:
            print(f"executed notebook: {report.executed_notebook}")
        ok = spec.ok and report.ok and bool(spec.order)
        print("dry run passed" if ok else "dry run FAILED")
        status = status or (0 if ok else 1)
    return status


def cmd_run(args: argparse.Namespace) -> int:
    """``run``: the pipeline as a real Prefect flow run."""
    from jupyter_promote.config import load_config
    from jupyter_promote.execution.inputs import parse_assignments
    from jupyter_promote.services.run import run

    config = load_config(args.project_dir)
    parameters = parse_assignments(args.param or [])
    prefect_log = None
    if not args.verbose:  # cell output and Prefect's own lines go to the Prefect UI, not here
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "CRITICAL")
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "CRITICAL")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        prefect_log = config.state_path / "logs" / f"run-{stamp}.log"

    def on_lost(error: PromoteError) -> None:
        # The API is gone and the kernel already ended: say so and leave now, rather than
        # wait for Prefect's retries and its event workers' drain at exit.
        print(f"error: {error.render()}", file=sys.stderr)
        if prefect_log is not None:
            print(f"Prefect's own messages: {prefect_log}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    progress = TerminalProgress(sys.stderr if args.json else sys.stdout)
    outcome = run(
        args.notebook,
        parameters,
        run_options(args),
        config,
        progress,
        prefect_log=prefect_log,
        on_lost=on_lost,
    )
    if args.json:
        print(json.dumps(outcome_document(outcome), indent=2))
        return 0 if outcome.ok else 1
    print(render_report(outcome.report))
    if outcome.report.executed_notebook:
        print(f"Executed notebook: {outcome.report.executed_notebook}")
    if outcome.ui_url:
        print(f"Prefect UI: {outcome.ui_url}")
    if not outcome.ok:
        print(f"error: flow run {outcome.state}: {outcome.message}", file=sys.stderr)
        return 1
    print(f"flow run {outcome.state}")
    return 0


def outcome_document(outcome: RunOutcome) -> dict[str, Any]:
    """The ``run --json`` document."""
    report = outcome.report
    return {
        "pipeline": report.pipeline,
        "flow_run_id": outcome.flow_run_id,
        "state": outcome.state,
        "message": outcome.message,
        "ui_url": outcome.ui_url,
        "parameters": report.parameters,
        "executed_notebook": report.executed_notebook,
        "kernel_start_seconds": round(report.kernel_start_seconds, 3),
        "prelude_seconds": round(report.prelude_seconds, 3),
        "steps": [
            {
                "name": s.name,
                "status": s.status,
                "seconds": round(s.seconds, 3),
                "attempts": s.attempts,
                "checks": s.checks,
                "error": s.error,
            }
            for s in report.steps
        ],
    }


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``run`` to the ``jupyter promote`` parser."""
    run = sub.add_parser(
        "run",
        help="run a notebook pipeline now as a Prefect flow run",
        description="Execute the pipeline step by step in one kernel, each step a Prefect task"
        " run, against the local stack (`jupyter promote up`) or PREFECT_API_URL.",
    )
    run.add_argument("notebook", metavar="NOTEBOOK")
    run.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="set a parameter (repeatable); values are parsed as the declared type",
    )
    add_run_options(run)
    run.add_argument("--retries", type=int, default=0, help="retries of a failed step")
    run.add_argument(
        "--retry-delay", type=float, default=0.0, metavar="SECONDS", help="wait between retries"
    )
    run.add_argument("--project-dir", help="project folder (default: current directory)")
    run.add_argument("--json", action="store_true", help="print the outcome as JSON")
    run.add_argument(
        "-v", "--verbose", action="store_true", help="also print cell output and Prefect's log"
    )
    run.set_defaults(func=cmd_run)
