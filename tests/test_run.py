"""`jupyter promote run` against a real local Prefect server: flows, task runs per step,
failures, kernel death, parameters, retries, Ctrl-C, and the executed notebook."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from runcli import JUPYTER, promote

from nbbuild import make_nb, write_nb

pytestmark = pytest.mark.prefect


def run_json(server, path, *args, project):
    result = promote(
        "run", str(path), "--json", "--project-dir", str(project), *args, env=server.env
    )
    assert result.stdout.strip(), result.stderr
    return result, json.loads(result.stdout)


def task_runs(server, flow_run_id):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with server.client() as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return {r.name: r for r in runs}


def flow_run(server, flow_run_id):
    with server.client() as client:
        return client.read_flow_run(flow_run_id)


def kernels(folder):
    """Kernels working in ``folder`` (a run's kernel starts in its notebook's folder): kernels
    of other tests' runs or servers still going on this machine do not count."""
    found = set()
    for p in psutil.process_iter(["cmdline"]):
        if "ipykernel_launcher" not in " ".join(p.info["cmdline"] or []):
            continue
        try:
            if Path(p.cwd()).is_relative_to(folder):
                found.add(p.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


THREE_STEPS = (
    ("parameters", "n: int = 3  # how many\nlabel = 'x'"),
    ("setup", "import math"),
    ("step:load", "xs = list(range(n))\nprint('loaded', len(xs), label)"),
    ("step:square", "squares = [x * x for x in xs]"),
    ("step:report", "total = sum(squares)\nprint('total', total)"),
)


def test_three_steps_complete_with_a_task_run_per_step(prefect_server, tmp_path):
    path = write_nb(tmp_path / "three.ipynb", make_nb(*THREE_STEPS))
    result, out = run_json(prefect_server, path, "-p", "n=4", project=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out["state"] == "COMPLETED"
    assert out["ui_url"] == f"{prefect_server.ui_url}/runs/flow-run/{out['flow_run_id']}"
    runs = task_runs(prefect_server, out["flow_run_id"])
    assert {name: r.state.type.value for name, r in runs.items()} == {
        "setup": "COMPLETED",
        "load": "COMPLETED",
        "square": "COMPLETED",
        "report": "COMPLETED",
    }
    assert flow_run(prefect_server, out["flow_run_id"]).parameters["parameters"] == {"n": 4}
    executed = nbformat.read(out["executed_notebook"], as_version=4)
    printed = [o["text"] for c in executed.cells for o in c.get("outputs", []) if "text" in o]
    assert printed == ["loaded 4 x\n", "total 14\n"]  # injected n=4 won over the default 3
    assert Path(out["executed_notebook"]).is_relative_to(tmp_path / "runs")


def test_cell_output_goes_to_the_task_log_and_artifact_links_the_notebook(prefect_server, tmp_path):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter

    path = write_nb(tmp_path / "logs.ipynb", make_nb(*THREE_STEPS))
    _, out = run_json(prefect_server, path, project=tmp_path)
    runs = task_runs(prefect_server, out["flow_run_id"])
    with prefect_server.client() as client:
        deadline = time.monotonic() + 20  # logs are shipped to the API in batches
        while True:
            logs = client.read_logs(LogFilter(task_run_id={"any_": [runs["load"].id]}))
            if any("loaded 3 x" in log.message for log in logs) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[out["flow_run_id"]])
            )
        )
    assert any(log.message == "[cell 3] loaded 3 x" for log in logs)
    [artifact] = [a for a in artifacts if a.key == "logs-executed-notebook"]
    assert out["executed_notebook"] in artifact.data


FAILING = (
    ("step:load", "xs = [1, 2]"),
    ("step:clean", "ok = True"),
    "ys = [x / 0 for x in xs]",
    ("step:report", "print(ys)"),
)


def test_failing_step_fails_the_run_and_downstream_never_runs(prefect_server, tmp_path):
    path = write_nb(tmp_path / "failing.ipynb", make_nb(*FAILING))
    result, out = run_json(prefect_server, path, project=tmp_path)
    assert result.returncode == 1
    fr = flow_run(prefect_server, out["flow_run_id"])
    assert fr.state.type.value == "FAILED"
    assert fr.state.message.startswith('cell 3 (step "clean"): ZeroDivisionError: division by zero')
    runs = task_runs(prefect_server, out["flow_run_id"])
    assert runs["load"].state.type.value == "COMPLETED"
    assert runs["clean"].state.type.value == "FAILED"
    assert "report" not in runs
    assert [s["status"] for s in out["steps"]] == ["completed", "failed", "not run"]
    executed = nbformat.read(out["executed_notebook"], as_version=4)
    marked = [c for c in executed.cells if c.metadata.get("jupyter_promote", {}).get("failed")]
    assert [c.source for c in marked] == ["ys = [x / 0 for x in xs]"]


def test_text_output_shows_progress_and_links(prefect_server, tmp_path):
    path = write_nb(tmp_path / "text.ipynb", make_nb(*FAILING))
    result = promote("run", path, "--project-dir", str(tmp_path), env=prefect_server.env)
    assert result.returncode == 1
    assert "[1/3] load ... (elapsed" in result.stdout
    assert "[2/3] clean FAILED in" in result.stdout
    assert "Executed notebook: " in result.stdout
    assert f"Prefect UI: {prefect_server.ui_url}/runs/flow-run/" in result.stdout
    assert 'error: flow run FAILED: cell 3 (step "clean"): ZeroDivisionError' in result.stderr
    assert "Traceback" not in result.stderr


def test_kernel_killed_mid_step(prefect_server, tmp_path):
    nb = make_nb(
        ("step:load", "x = 1"),
        ("step:crash", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        ("step:after", "y = x"),
    )
    before = kernels(tmp_path)
    result, out = run_json(
        prefect_server, write_nb(tmp_path / "k.ipynb", nb), "--retries", "2", project=tmp_path
    )
    assert result.returncode == 1
    fr = flow_run(prefect_server, out["flow_run_id"])
    assert fr.state.type.value == "FAILED"
    assert fr.state.message.startswith('kernel died while running cell 2 of step "crash"')
    runs = task_runs(prefect_server, out["flow_run_id"])
    assert runs["crash"].run_count == 1  # a dead kernel is not retried
    assert "after" not in runs
    assert kernels(tmp_path) <= before


def test_a_kernel_that_cannot_start_fails_the_setup_task_with_the_fix(prefect_server, tmp_path):
    """The kernel starts before the flow run exists (it overlaps Prefect's start-up); when it
    cannot start, the flow run still records it, in its setup task, with the fix."""
    path = write_nb(tmp_path / "k.ipynb", make_nb(("step:load", "x = 1")))
    result, out = run_json(prefect_server, path, "--kernel", "no-such-kernel-xyz", project=tmp_path)
    assert result.returncode == 1
    fr = flow_run(prefect_server, out["flow_run_id"])
    assert fr.state.type.value == "FAILED"
    assert "'no-such-kernel-xyz' is not installed" in fr.state.message
    assert "python -m ipykernel install --user --name no-such-kernel-xyz" in fr.state.message
    runs = task_runs(prefect_server, out["flow_run_id"])
    assert {name: r.state.type.value for name, r in runs.items()} == {"setup": "FAILED"}


def test_retries_rerun_the_step_in_the_same_kernel(prefect_server, tmp_path):
    nb = make_nb(
        ("setup", "attempts = 0"),
        (
            "step:flaky",
            "attempts += 1\nif attempts < 3:\n    raise RuntimeError(f'try {attempts}')",
        ),
        ("step:done", "print('attempts', attempts)"),
    )
    path = write_nb(tmp_path / "flaky.ipynb", nb)
    result, out = run_json(
        prefect_server, path, "--retries", "2", "--retry-delay", "0", project=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert out["steps"][0]["attempts"] == 3
    deadline = time.monotonic() + 15  # task run states reach the API as events, a bit later
    while (count := task_runs(prefect_server, out["flow_run_id"])["flaky"].run_count) < 3:
        assert time.monotonic() < deadline, f"run_count stayed {count}"
        time.sleep(0.5)
    assert count == 3
    no_retry = promote("run", path, "--project-dir", str(tmp_path), env=prefect_server.env)
    assert no_retry.returncode == 1
    assert "RuntimeError: try 1" in no_retry.stderr


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("n=three", "parameter 'n' must be int, got 'three'; pass e.g. -p n=42 (default: 3)"),
        ("m=1", "has no parameter 'm'; valid parameters: n (int), label (str)"),
        ("n", "parameter 'n' is not of the form NAME=VALUE"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(prefect_server, tmp_path, param, message):
    path = write_nb(tmp_path / "params.ipynb", make_nb(*THREE_STEPS))
    with prefect_server.client() as client:
        before = len(client.read_flow_runs())
    result = promote(
        "run", path, "-p", param, "--project-dir", str(tmp_path), env=prefect_server.env
    )
    assert result.returncode == 1
    assert message in result.stderr
    with prefect_server.client() as client:
        assert len(client.read_flow_runs()) == before


def test_no_server_means_a_clear_error_not_an_ephemeral_one(tmp_path):
    path = write_nb(tmp_path / "noserver.ipynb", make_nb(*THREE_STEPS))
    result = promote("run", path, "--project-dir", str(tmp_path), env={"PREFECT_API_URL": None})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: no Prefect server to talk to; run `jupyter promote up` to start the local one,"
        " or set PREFECT_API_URL to an existing server"
    )


def test_unreachable_server_is_reported(tmp_path):
    path = write_nb(tmp_path / "down.ipynb", make_nb(*THREE_STEPS))
    from conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/api"
    result = promote("run", path, "--project-dir", str(tmp_path), env={"PREFECT_API_URL": url})
    assert result.returncode == 1
    assert f"the Prefect API at {url} does not answer" in result.stderr


def test_ctrl_c_shuts_the_kernel_down_and_marks_the_run(prefect_server, tmp_path):
    nb = make_nb(("step:slow", "import time\nprint('started', flush=True)\ntime.sleep(60)"))
    path = write_nb(tmp_path / "slow.ipynb", nb)
    before = kernels(tmp_path)
    proc = subprocess.Popen(
        [str(JUPYTER), "promote", "run", path, "--project-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **prefect_server.env},
    )
    for line in proc.stdout:
        if line.startswith("[1/1] slow ..."):
            break
    time.sleep(2)
    assert kernels(tmp_path) - before, "the run's kernel should be running now"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err
    time.sleep(1)
    assert not (kernels(tmp_path) - before)
    with prefect_server.client() as client:
        runs = [
            r for r in client.read_flow_runs() if r.flow_id and r.parameters.get("notebook") == path
        ]
    assert runs and runs[0].state.type.value in ("CRASHED", "CANCELLED", "FAILED")


def test_server_lost_mid_run_fails_clearly_and_never_hangs(tmp_path, monkeypatch):
    from conftest import free_port

    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import stack

    nb = make_nb(
        ("step:a", "import time\nprint('a', flush=True)"),
        ("step:b", "time.sleep(8)"),
        ("step:c", "print('c')"),
    )
    path = write_nb(tmp_path / "lost.ipynb", nb)
    config = PromoteConfig(project_dir=str(tmp_path), server_port=free_port(), startup_timeout=180)
    monkeypatch.delenv(
        "PREFECT_API_URL", raising=False
    )  # this test's own server, not the session's
    stack.up(config, worker=False)
    try:
        env = {**os.environ, **stack.prefect_env(config)}
        proc = subprocess.Popen(
            [str(JUPYTER), "promote", "run", path, "--project-dir", str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for line in proc.stdout:
            if line.startswith("[2/3] b ..."):
                break
    finally:
        stack.down(config)
    # it ends on its own, without waiting out Prefect's retries and its workers' drain
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: lost the Prefect API at http://127.0.0.1:"), err
    assert "the kernel was shut down" in lines[0]
    assert lines[1].startswith("Prefect's own messages: ") and len(lines) == 2, err
    assert "EventsWorker" not in err and "Error logging to API" not in err
    assert Path(lines[1].split(": ", 1)[1]).is_file()
    assert not kernels(tmp_path)


GATED = (
    ("setup", "import pandas as pd"),
    ("step:load", "raw = pd.DataFrame({'loan_id': [1, 2, 3], 'amount': [10.0, -12.0, 50.0]})"),
    ("step:clean", "loans_clean = raw.dropna()"),
    ("step:report", "print('published', len(loans_clean))"),
)


def gated_notebook(tmp_path, name, *lines):
    from jupyter_promote.expectations import add_expectations, parse_expect_line

    nb = make_nb(*GATED)
    for line in lines:
        variable, configs = parse_expect_line(line)
        add_expectations(nb, "clean", variable, configs)
    return write_nb(tmp_path / f"{name}.ipynb", nb)


def quality_artifacts(server, flow_run_id):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with server.client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in artifacts}


def test_error_gate_stops_the_run_before_anything_downstream(prefect_server, tmp_path):
    path = gated_notebook(
        tmp_path,
        "gate-error",
        "loans_clean: amount between 0 and 100",
        "loans_clean: loan_id unique, not null",
    )
    result, out = run_json(prefect_server, path, project=tmp_path)
    assert result.returncode == 1
    fr = flow_run(prefect_server, out["flow_run_id"])
    assert fr.state.type.value == "FAILED"
    assert fr.state.message.startswith(
        'step "clean": quality gate failed: loans_clean: amount between 0 and 100: observed 1 of'
        " 3 values outside [0, 100]: -12.0, expected between 0 and 100"
    )
    runs = task_runs(prefect_server, out["flow_run_id"])
    assert runs["clean"].state.type.value == "COMPLETED"
    assert runs["gate:clean"].state.type.value == "FAILED"
    assert "report" not in runs  # nothing downstream ran: nothing was published
    artifacts = quality_artifacts(prefect_server, out["flow_run_id"])
    table = json.loads(artifacts["gate-error-data-quality"].data)
    assert [(r["expectation"], r["level"], r["success"]) for r in table] == [
        ("amount between 0 and 100", "error", False),
        ("loan_id unique", "error", True),
        ("loan_id not null", "error", True),
    ]
    summary = artifacts["gate-error-data-quality-summary"].data
    assert "2 passed, 1 failed" in summary and "amount between 0 and 100" in summary


def test_warn_gate_reports_and_the_run_completes(prefect_server, tmp_path):
    path = gated_notebook(tmp_path, "gate-warn", "loans_clean: amount >= 0 --severity warn")
    result, out = run_json(prefect_server, path, project=tmp_path)
    assert result.returncode == 0, result.stderr
    runs = task_runs(prefect_server, out["flow_run_id"])
    assert runs["gate:clean"].state.type.value == "COMPLETED"
    assert runs["report"].state.type.value == "COMPLETED"
    assert out["steps"][1]["checks"] == "0 passed, 1 failed (0 blocking)"
    table = json.loads(
        quality_artifacts(prefect_server, out["flow_run_id"])["gate-warn-data-quality"].data
    )
    assert [(r["variable"], r["level"], r["success"], r["observed"]) for r in table] == [
        ("loans_clean", "warn", False, "1 of 3 values below 0: -12.0")
    ]
