"""Run cost: `jupyter promote run` vs papermill on the loans example, with its quality gates.

The case users have: the example notebook (4 steps, 7 expectations). papermill runs its cells;
jupyter-promote runs them as Prefect task runs and checks the expectations with Great
Expectations. Targets (issue 13): wall time at most 1.5x papermill's, CPU (the command and
every process it waited for, the kernel included) at most 2x. Also the per-step orchestration
overhead (task bookkeeping around each step, under 20 ms) and the kernel start.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_promote._startup import skip_unused_optional_imports

skip_unused_optional_imports()  # as the CLI does; papermill below runs without it

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402

from benchmarks.common import table, verdict  # noqa: E402

BIN = Path(sys.executable).parent
RATIO_LIMIT = 1.5
CPU_RATIO_LIMIT = 2.0
STEP_OVERHEAD_LIMIT_MS = 20.0
REPEAT = 5
LOANS = Path(__file__).resolve().parents[1] / "example_notebooks" / "loans.ipynb"


def _notebook(steps: int, seconds_per_step: float) -> nbformat.NotebookNode:
    cells = [
        new_code_cell("work_seconds = 2.0", metadata={"tags": ["parameters"]}),
        new_code_cell("import time", metadata={"tags": ["setup"]}),
    ]
    for i in range(steps):
        prev = f"x{i - 1}" if i else "0"
        cells.append(
            new_code_cell(
                f"time.sleep({seconds_per_step})\nx{i} = {prev} + 1",
                metadata={"tags": [f"step:s{i}"]},
            )
        )
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _StepClock:
    """Progress sink measuring, per step, the wall time around the task minus the cells' time."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.overheads_ms: list[float] = []

    def step_started(self, number: int, total: int, name: str) -> None:
        self.started[name] = time.perf_counter()

    def step_finished(self, number: int, total: int, result) -> None:
        wall = time.perf_counter() - self.started[result.name]
        self.overheads_ms.append((wall - result.seconds) * 1000)


def _step_overhead(project: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """(median per-step overhead ms, bare Prefect task ms, kernel start s), in this process."""
    os.environ.update(env)
    from prefect import flow, task

    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.execution.report import RunOptions
    from jupyter_promote.services.run import run

    path = project / "many.ipynb"
    nbformat.write(_notebook(20, 0.0), path)
    config = PromoteConfig(project_dir=str(project))
    clock = _StepClock()
    run(path, {}, RunOptions(), config, clock)  # warm-up (imports, flow registration)
    clock = _StepClock()
    outcome = run(path, {}, RunOptions(), config, clock)
    assert outcome.ok, outcome.message

    @task
    def bare() -> int:
        return 1

    @flow
    def bare_flow() -> list[float]:
        times = []
        for _ in range(20):
            start = time.perf_counter()
            bare()
            times.append((time.perf_counter() - start) * 1000)
        return times

    bare_ms = statistics.median(bare_flow())
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()  # ship buffered logs before the server stops
    return statistics.median(clock.overheads_ms), bare_ms, outcome.report.kernel_start_seconds


def _timed_cpu(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall s, CPU s of the command and every process it waited for: the kernel too)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run() -> tuple[str, bool]:
    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import stack

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        config = PromoteConfig(project_dir=str(project), server_port=_free_port())
        stack.up(config, worker=False)
        try:
            env = {**os.environ, **stack.prefect_env(config)}
            env.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
            shutil.copy(LOANS, project / "loans.ipynb")
            commands = {
                "papermill": [str(BIN / "papermill"), "loans.ipynb", "pm.ipynb"],
                "promote": [str(BIN / "jupyter"), "promote", "run", "loans.ipynb",
                            "--project-dir", tmp],
            }  # fmt: skip
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
            for _ in range(REPEAT):  # interleaved: the machine is shared
                for name, cmd in commands.items():
                    samples[name].append(_timed_cpu(cmd, env, tmp))
            overhead_ms, bare_ms, kernel_s = _step_overhead(project, env)
        finally:
            stack.down(config)
    wall = {n: statistics.median(w for w, _ in s) for n, s in samples.items()}
    cpu = {n: statistics.median(c for _, c in s) for n, s in samples.items()}
    ratio, cpu_ratio = wall["promote"] / wall["papermill"], cpu["promote"] / cpu["papermill"]
    spread = {
        n: f"{min(w for w, _ in s):.2f}-{max(w for w, _ in s):.2f} s" for n, s in samples.items()
    }
    rows = [
        ["papermill loans.ipynb (4 steps, 7 expectations not checked)",
         f"{wall['papermill']:.2f} s ({spread['papermill']})", f"{cpu['papermill']:.2f} s", "", ""],
        ["jupyter promote run loans.ipynb (gates checked), warm server",
         f"{wall['promote']:.2f} s ({spread['promote']})", f"{cpu['promote']:.2f} s", "", ""],
        ["ratio promote / papermill, wall", f"{ratio:.2f}", "", f"<= {RATIO_LIMIT}",
         verdict(ratio, RATIO_LIMIT + 1e-9)],
        ["ratio promote / papermill, CPU", f"{cpu_ratio:.2f}", "", f"<= {CPU_RATIO_LIMIT}",
         verdict(cpu_ratio, CPU_RATIO_LIMIT + 1e-9)],
        ["per-step orchestration overhead (20 steps, median)", f"{overhead_ms:.1f} ms", "",
         f"< {STEP_OVERHEAD_LIMIT_MS:.0f} ms", verdict(overhead_ms, STEP_OVERHEAD_LIMIT_MS)],
        ["bare Prefect 3 task (median of 20)", f"{bare_ms:.1f} ms", "", "", ""],
        ["kernel start (in parallel with Prefect's)", f"{kernel_s:.2f} s", "", "", ""],
    ]  # fmt: skip
    ok = ratio <= RATIO_LIMIT and cpu_ratio <= CPU_RATIO_LIMIT
    ok = ok and overhead_ms < STEP_OVERHEAD_LIMIT_MS
    return table(
        f"Run cost vs papermill, the loans example (median of {REPEAT}, interleaved)",
        ["measure", "wall", "CPU", "target", "result"],
        rows,
    ), ok


if __name__ == "__main__":
    text, ok = run()
    print(text)
    sys.exit(0 if ok else 1)
