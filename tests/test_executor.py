"""The kernel owner and the step runner, against a real kernel (no Prefect here)."""

import os

import psutil
import pytest

from jupyter_promote.analysis.notebook import read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.execution.kernel import (
    CellFailed,
    CellTimedOut,
    KernelDied,
    KernelNotInstalled,
    KernelSession,
)
from jupyter_promote.execution.report import RunOptions
from jupyter_promote.execution.run import PipelineRun, run_all
from jupyter_promote.services.check import dry_run
from nbbuild import make_nb, write_nb


def test_cells_run_in_one_kernel_and_output_is_forwarded():
    nb = make_nb("x = 20", "print('x is', x + 1)")
    seen = []
    with KernelSession(nb, on_output=lambda i, s, t: seen.append((i, s, t))) as kernel:
        kernel.run_cell(0)
        kernel.run_cell(1)
    assert seen == [(1, "stdout", "x is 21\n")]
    assert nb.cells[1].outputs[0]["text"] == "x is 21\n"


def test_error_is_typed_with_step_cell_and_traceback():
    nb = make_nb("def f():\n    raise ValueError('bad amount -3')", "f()")
    with KernelSession(nb) as kernel:
        kernel.run_cell(0)
        with pytest.raises(CellFailed) as info:
            kernel.run_cell(1, step="clean", report_as=6)
    err = info.value
    assert (err.ename, err.evalue, err.cell_index, err.step) == (
        "ValueError",
        "bad amount -3",
        6,
        "clean",
    )
    assert "raise ValueError('bad amount -3')" in err.traceback
    assert "\x1b[" not in err.traceback
    assert err.render().startswith('cell 7 (step "clean"): ValueError: bad amount -3;')


def test_cell_timeout_interrupts_and_the_kernel_lives_on():
    nb = make_nb("import time\ntime.sleep(30)", "print('still here')")
    with KernelSession(nb) as kernel:
        with pytest.raises(CellTimedOut) as info:
            kernel.run_cell(0, step="slow", timeout=1)
        assert "ran longer than its limit of 1 s" in info.value.render()
        kernel.run_cell(1)
        assert nb.cells[1].outputs[0]["text"] == "still here\n"


def test_kernel_death_is_reported_and_cleaned_up():
    nb = make_nb("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    kernel = KernelSession(nb)
    kernel.start()
    pid = kernel.pid
    assert pid and psutil.pid_exists(pid)
    with pytest.raises(KernelDied) as info:
        kernel.run_cell(0, step="load")
    assert info.value.render().startswith('kernel died while running cell 1 of step "load";')
    kernel.close()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_unknown_kernel_names_the_fix():
    nb = make_nb("x = 1")
    with pytest.raises(KernelNotInstalled) as info:
        KernelSession(nb, kernel_name="no-such-kernel-xyz").start()
    assert "'no-such-kernel-xyz' is not installed" in info.value.render()
    assert "python -m ipykernel install --user --name no-such-kernel-xyz" in info.value.render()


def _pipeline(tmp_path, *cells):
    path = write_nb(tmp_path / "p.ipynb", make_nb(*cells))
    loaded = read_notebook(path)
    return analyze_notebook(loaded.nb, path), loaded.nb


def test_runner_order_injection_and_skip(tmp_path):
    spec, nb = _pipeline(
        tmp_path,
        ("setup", "import os\nlabel = 'n=' + str(n)"),
        ("parameters", "n = 2"),
        ("skip", "raise RuntimeError('exploration only')"),
        ("step:load", "xs = list(range(n))"),
        ("step:total", "total = sum(xs)"),
        ("step:report", "print('total', total, label)"),
    )
    assert spec.ok
    out = []
    with PipelineRun(spec, nb, {"n": 5}, RunOptions(), lambda i, s, t: out.append((i, t))) as run:
        report = run_all(run)
        saved = run.save(tmp_path / "runs" / "executed.ipynb")
    assert report.ok, report.error
    assert out == [(5, "total 10 n=5\n")]  # injected n=5 beat the default, setup saw it
    assert [s.status for s in report.steps] == ["completed"] * 3
    executed = read_notebook(saved).nb
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected[0].source == "# Parameters\nn = 5"
    assert executed.cells.index(injected[0]) == 2  # right after the parameters cell
    skip_cell = executed.cells[3]
    assert skip_cell.outputs == [] and skip_cell.execution_count is None
    assert executed.metadata["jupyter_promote"]["run"]["status"] == "completed"


def test_runner_failure_marks_the_cell_and_stops(tmp_path):
    spec, nb = _pipeline(
        tmp_path,
        ("parameters", "n = 1"),
        ("step:load", "xs = [n]"),
        ("step:clean", "ok = 1"),
        "ys = [x / 0 for x in xs]",
        ("step:report", "print(ys)"),
    )
    with PipelineRun(spec, nb, {}, RunOptions()) as run:
        report = run_all(run)
        saved = run.save(tmp_path / "failed.ipynb")
    assert report.error.startswith('cell 4 (step "clean"): ZeroDivisionError: division by zero')
    assert [s.status for s in report.steps] == ["completed", "failed", "not run"]
    executed = read_notebook(saved).nb
    [banner] = [c for c in executed.cells if "jupyter-promote-error" in c.metadata.get("tags", [])]
    failing = executed.cells[executed.cells.index(banner) + 1]
    assert failing.source == "ys = [x / 0 for x in xs]"
    assert failing.metadata["jupyter_promote"]["failed"] is True
    assert failing.outputs[0]["ename"] == "ZeroDivisionError"
    assert executed.metadata["jupyter_promote"]["run"]["status"] == "failed"


def test_step_timeout(tmp_path):
    spec, nb = _pipeline(
        tmp_path,
        ("step:slow", "import time\ntime.sleep(0.8)"),
        "time.sleep(0.8)",
        "time.sleep(5)",
    )
    with PipelineRun(spec, nb, {}, RunOptions(step_timeout=2)) as run:
        report = run_all(run)
    assert report.step("slow").status == "failed"
    assert 'cell 3 (step "slow")' in report.error
    assert report.step("slow").seconds < 4


def test_dry_run_explains_hidden_state_from_a_skip_cell(tmp_path):
    nb = make_nb(
        ("step:load", "raw = [1, 2]"),
        ("skip", "threshold = 1"),
        ("step:clean", "clean = [r for r in raw if r > threshold]"),
    )
    path = write_nb(tmp_path / "hidden.ipynb", nb)
    spec, report = dry_run(path, RunOptions())
    assert [d.code for d in spec.errors] == ["defined-in-skip"]
    assert report.step("clean").status == "failed"
    assert "NameError: name 'threshold' is not defined" in report.error
    assert (
        "'threshold' is defined only in skip cell 2: it existed in your exploration kernel"
        in report.error
    )


def test_dry_run_explains_a_name_no_cell_defines(tmp_path):
    nb = make_nb(("step:load", "raw = globals()['deleted_cell_var']"))
    path = write_nb(tmp_path / "hidden2.ipynb", nb)
    spec, report = dry_run(path, RunOptions())
    assert spec.ok  # invisible to static analysis
    assert "KeyError" in report.error


def test_dry_run_name_error_for_a_deleted_cell(tmp_path):
    nb = make_nb(("step:load", "def use():\n    return lost_value\nx = use()"))
    path = write_nb(tmp_path / "hidden3.ipynb", nb)
    _, report = dry_run(path, RunOptions())
    assert "no cell of the notebook defines 'lost_value': it came from hidden kernel state" in (
        report.error
    )


def _kernel_pids():
    return {
        p.pid
        for p in psutil.process_iter(["cmdline"])  # zombies and vanished ones give None
        if "ipykernel" in " ".join(p.info["cmdline"] or [])
    }


def test_no_kernel_left_behind(tmp_path):
    before = _kernel_pids()
    spec, nb = _pipeline(tmp_path, ("step:a", "x = 1"))
    with PipelineRun(spec, nb, {}, RunOptions()) as run:
        run_all(run)
        pid = run.kernel.pid
    assert pid not in _kernel_pids()
    assert os.getpid() not in before


LEAN_PROBE = (
    "import sys, threading\n"
    "kinds = {n: type(sys.modules[n]).__name__ for n in ('altair', 'scipy.stats')}\n"
    "warming = any(t.name == 'jupyter-promote-gx-warm' for t in threading.enumerate())\n"
    "print(kinds, warming or 'great_expectations' in sys.modules)"
)


def test_a_run_kernel_defers_unused_imports_and_cells_still_use_them(tmp_path):
    """Run kernels get altair and scipy.stats as lazy modules (GX imports them for one
    expectation only); a cell using them gets the real thing. With gates, GX is warming in a
    kernel thread before the first gate."""
    spec, nb = _pipeline(
        tmp_path,
        ("step:probe", LEAN_PROBE),
        ("step:use", "from scipy import stats\nimport altair\np = stats.norm.cdf(0)\n"
                     "print(p, altair.Chart.__name__, type(sys.modules['scipy.stats']).__name__)"),
    )  # fmt: skip
    nb.metadata["jupyter_promote"] = {
        "schema_version": 1,
        "expectations": {
            "use": {
                "p": {
                    "name": "use.p",
                    "meta": {},
                    "expectations": [
                        {
                            "type": "expect_table_row_count_to_be_between",
                            "kwargs": {"min_value": 1},
                            "severity": "critical",
                            "meta": {},
                        }
                    ],
                }
            }
        },
    }
    seen = []
    with PipelineRun(spec, nb, {}, RunOptions(), on_output=lambda i, s, t: seen.append(t)) as run:
        assert run.has_gate("use")
        run.run_step("probe")
        run.run_step("use")
    lazy, used = seen
    assert lazy == "{'altair': '_LazyModule', 'scipy.stats': '_LazyModule'} True\n"
    assert used == "0.5 Chart module\n"


def test_a_run_kernel_without_gates_does_not_import_gx(tmp_path):
    spec, nb = _pipeline(tmp_path, ("step:probe", LEAN_PROBE))
    seen = []
    with PipelineRun(spec, nb, {}, RunOptions(), on_output=lambda i, s, t: seen.append(t)) as run:
        run.run_step("probe")
    assert seen == ["{'altair': '_LazyModule', 'scipy.stats': '_LazyModule'} False\n"]


def test_a_kernel_started_early_reports_its_failure_when_the_run_starts(tmp_path):
    spec, nb = _pipeline(tmp_path, ("step:a", "x = 1"))
    run = PipelineRun(spec, nb, {}, RunOptions(kernel="no-such-kernel-xyz"))
    run.start_early()  # before the flow run exists: nothing raised yet
    with pytest.raises(KernelNotInstalled) as info:
        run.start()
    assert "'no-such-kernel-xyz' is not installed" in info.value.render()
    run.close()


def test_hidden_code_leaves_the_notebook_cells_alone():
    """Code run outside the notebook (the gate, the kernel's preparation) is stored nowhere:
    nbclient writes an executed cell back at its index, and the hidden index is -1 (once, the
    notebook's last cell became the gate's code and ran again in its place)."""
    nb = make_nb("print('a')", "print('b')")
    with KernelSession(nb) as kernel:
        kernel.run_code("print('hidden')")
        kernel.run_cell(0)
        kernel.run_cell(1)
    assert [c.source for c in nb.cells] == ["print('a')", "print('b')"]
    assert [c.outputs[0]["text"] for c in nb.cells] == ["a\n", "b\n"]
