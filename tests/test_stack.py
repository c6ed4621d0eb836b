"""The embedded Prefect stack (`jupyter promote up/down/status`) against real processes.

One module-scoped stack serves the read-only checks and is stopped by the last of them; the
CLI/crash test and the failure tests start their own. Every stack is stopped in a finalizer.
"""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import httpx
import psutil
import pytest

from jupyter_promote.config import load_config
from jupyter_promote.errors import NoPrefectServer, StackError
from jupyter_promote.orchestration import stack, stack_processes
from jupyter_promote.orchestration.stack_processes import FLOW_RUN_COMMAND, _set_flow_run_command

pytestmark = pytest.mark.prefect

JUPYTER = Path(sys.executable).with_name("jupyter")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_config(project, **traits):
    """The project's configuration, with the environment's JUPYTER_PROMOTE_* overrides pinned."""
    config = load_config(str(project))
    config.state_dir = str(Path(project) / ".jupyter-promote")
    config.prefect_api_url = ""
    for name, value in traits.items():
        setattr(config, name, value)
    return config


def clean_env():
    """The test process's environment without anything that points at another Prefect."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "JUPYTER_PROMOTE_"))
    }


def promote(*args, timeout=180):
    """Run the installed `jupyter promote` command, as a user would."""
    return subprocess.run(
        [str(JUPYTER), "promote", *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=timeout,
    )


def processes_of(prefect_home):
    """Live processes whose environment or command line names this PREFECT_HOME."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if proc.pid == os.getpid():
            continue
        with suppress(psutil.Error):
            named = any(prefect_home in part for part in proc.info["cmdline"] or [])
            ours = named or proc.environ().get("PREFECT_HOME") == prefect_home
            if ours and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def alive(pid):
    with suppress(psutil.Error):
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    return False


def wait_gone(pid, timeout=20.0):
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


# -- one stack for the read-only checks ------------------------------------------------------------


@pytest.fixture(scope="module")
def blocked_port():
    """A port something else listens on: the stack's preferred port, taken."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def running(tmp_path_factory, blocked_port):
    project = tmp_path_factory.mktemp("project")
    config = make_config(project, server_port=blocked_port, work_pool="stack-tests")
    started = time.monotonic()
    try:
        state, already = stack.up(config)
        yield SimpleNamespace(
            project=project,
            config=config,
            state=state,
            already=already,
            seconds=time.monotonic() - started,
        )
    finally:
        stack.down(config)


def test_up_starts_a_healthy_server_and_a_worker(running):
    state = running.state
    assert running.already is False
    assert state.api_url == f"http://127.0.0.1:{state.port}/api"
    assert state.ui_url == f"http://127.0.0.1:{state.port}"
    health = httpx.get(f"{state.api_url}/health", timeout=5)
    assert health.status_code == 200
    assert health.json() is True
    server, worker = psutil.Process(state.server_pid), psutil.Process(state.worker_pid)
    assert server.cmdline()[-6:-2] == ["server", "start", "--host", "127.0.0.1"]
    assert "worker" in worker.cmdline()
    # Each runs in its own session, so a group signal reaches its children and nothing else.
    assert os.getsid(server.pid) == server.pid
    assert os.getsid(worker.pid) == worker.pid


def test_a_taken_preferred_port_gives_a_free_one(running, blocked_port):
    assert running.config.server_port == blocked_port
    assert running.state.port != blocked_port


def test_the_server_listens_on_loopback_only(running):
    listening = [
        conn.laddr
        for conn in psutil.Process(running.state.server_pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    ]
    assert listening
    assert {addr.ip for addr in listening} == {"127.0.0.1"}


def test_the_work_pool_exists_and_the_worker_polls_it(running):
    state = running.state
    pool = httpx.get(f"{state.api_url}/work_pools/{state.work_pool}", timeout=5)
    assert pool.status_code == 200, pool.text
    assert pool.json()["type"] == "process"
    assert pool.json()["base_job_template"]["job_configuration"]
    command = pool.json()["base_job_template"]["variables"]["properties"]["command"]
    assert command["default"] == FLOW_RUN_COMMAND  # flow runs skip unused imports
    workers = httpx.post(
        f"{state.api_url}/work_pools/{state.work_pool}/workers/filter", json={}, timeout=5
    ).json()
    assert [w["status"] for w in workers if w["name"] == state.worker_name] == ["ONLINE"]


def test_a_flow_run_command_the_pool_owner_chose_is_kept(running):
    state = running.state
    url = f"{state.api_url}/work_pools/{state.work_pool}"

    def set_default(value):
        template = httpx.get(url, timeout=5).json()["base_job_template"]
        template["variables"]["properties"]["command"]["default"] = value
        httpx.patch(url, json={"base_job_template": template}, timeout=5).raise_for_status()

    def default():
        template = httpx.get(url, timeout=5).json()["base_job_template"]
        return template["variables"]["properties"]["command"]["default"]

    try:
        set_default("/opt/team/python -m prefect.engine")
        _set_flow_run_command(state)
        assert default() == "/opt/team/python -m prefect.engine"
        set_default("/old/venv/bin/python -m jupyter_promote.execution.engine")  # moved venv
        _set_flow_run_command(state)
        assert default() == FLOW_RUN_COMMAND
    finally:
        set_default(FLOW_RUN_COMMAND)


def test_stack_json_records_the_pids(running):
    saved = json.loads((running.config.state_path / "stack.json").read_text())
    assert saved == asdict(running.state)
    assert saved["server_pid"] != saved["worker_pid"]
    assert alive(saved["server_pid"]) and alive(saved["worker_pid"])
    assert saved["work_pool"] == "stack-tests"


def test_the_processes_get_an_isolated_quiet_environment(running):
    state = running.state
    home = running.config.state_path / "prefect"
    assert state.prefect_home == str(home)
    assert (home / "prefect.db").is_file()
    server_env = psutil.Process(state.server_pid).environ()
    worker_env = psutil.Process(state.worker_pid).environ()
    for env in (server_env, worker_env):
        assert env["PREFECT_HOME"] == str(home)
        assert env["PREFECT_API_URL"] == state.api_url
        assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
        assert env["DO_NOT_TRACK"] == "1"
        assert env["PREFECT_SERVER_EPHEMERAL_ENABLED"] == "false"
    assert server_env["PREFECT_UI_API_URL"] == state.api_url
    assert server_env["PREFECT_UI_URL"] == state.ui_url
    assert worker_env["PREFECT_WORKER_QUERY_SECONDS"] == "2"
    assert worker_env["PREFECT_RUNNER_POLL_FREQUENCY"] == "2"


def test_a_second_up_reports_the_running_stack(running):
    started = time.monotonic()
    state, already = stack.up(running.config)
    assert already is True
    assert (state.server_pid, state.worker_pid) == (
        running.state.server_pid,
        running.state.worker_pid,
    )
    assert time.monotonic() - started < 5


def test_status_cli_shows_the_running_stack(running):
    state = running.state
    result = promote("status", "--project-dir", str(running.project))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Prefect stack: running since" in out
    for expected in (
        state.ui_url,
        state.api_url,
        f"pid {state.server_pid}",
        f"pid {state.worker_pid}",
        "stack-tests",
        state.prefect_home,
        state.server_log,
        state.worker_log,
    ):
        assert expected in out


def test_resolve_api_url_finds_the_embedded_stack(running, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert stack.resolve_api_url(running.config) == running.state.api_url
    env = stack.prefect_env(running.config)
    assert env["PREFECT_API_URL"] == running.state.api_url
    assert env["PREFECT_HOME"] == running.state.prefect_home
    assert env["PREFECT_UI_URL"] == running.state.ui_url
    assert env["DO_NOT_TRACK"] == "1"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    assert env["PREFECT_SERVER_EPHEMERAL_ENABLED"] == "false"


def test_an_explicit_server_wins_over_the_embedded_one(running, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    assert stack.resolve_api_url(running.config) == "http://prefect.example:4200/api"
    assert "PREFECT_HOME" not in stack.prefect_env(running.config)
    running.config.prefect_api_url = "http://configured.example/api"
    try:
        assert stack.resolve_api_url(running.config) == "http://configured.example/api"
    finally:
        running.config.prefect_api_url = ""


SLEEPY_FLOW = """\
import time

from prefect import flow


@flow
def sleepy():
    time.sleep(300)
"""


def start_flow_run(state, folder):
    """Deploy a flow that sleeps, run it on the stack's worker, wait until it is RUNNING."""
    (folder / "sleepy.py").write_text(SLEEPY_FLOW)
    with httpx.Client(base_url=state.api_url, timeout=10) as api:
        flow_id = api.post("/flows/", json={"name": "sleepy"}).json()["id"]
        deployment = api.post(
            "/deployments/",
            json={
                "name": "stack-test",
                "flow_id": flow_id,
                "work_pool_name": state.work_pool,
                "entrypoint": "sleepy.py:sleepy",
                "pull_steps": [
                    {"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}
                ],
            },
        )
        assert deployment.status_code == 201, deployment.text
        url = f"/deployments/{deployment.json()['id']}/create_flow_run"
        for _ in range(3):  # SQLite under a loaded machine may answer 5xx once ("locked")
            run = api.post(url, json={})
            if run.status_code < 500:
                break
            time.sleep(1)
        assert run.status_code == 201, (run.status_code, run.text)
        run_id = run.json()["id"]
        deadline = time.monotonic() + 90
        while api.get(f"/flow_runs/{run_id}").json()["state"]["type"] != "RUNNING":
            assert time.monotonic() < deadline, "the worker did not start the flow run"
            time.sleep(0.3)
    return run_id


def test_on_sqlite_the_pool_runs_what_the_machine_carries_and_an_owner_limit_is_kept(running):
    expected = stack_processes.run_limit(running.config)
    assert 1 <= expected <= (os.cpu_count() or 1)
    assert running.state.run_limit == expected
    url = f"{running.state.api_url}/work_pools/stack-tests"
    assert httpx.get(url, timeout=10).json()["concurrency_limit"] == expected
    assert f"(at most {expected} runs at once)" in stack.render_status(stack.status(running.config))
    assert "database:     SQLite " in stack.render_status(stack.status(running.config))
    # a limit the pool's owner set (here: the one set above) is kept, whatever is asked
    assert stack_processes._limit_runs(running.state, expected + 5) == expected
    assert httpx.get(url, timeout=10).json()["concurrency_limit"] == expected


def test_down_stops_everything_even_an_orphaned_flow_run(running):
    """Last user of the module's stack: a flow run outlives its killed worker; down stops it."""
    state, home = running.state, running.state.prefect_home
    run_id = start_flow_run(state, running.project)
    engines = [
        proc
        for proc in psutil.Process(state.worker_pid).children(recursive=True)
        if proc.environ().get("PREFECT__FLOW_RUN_ID") == run_id
    ]
    assert len(engines) == 1
    engine = engines[0]
    assert engine.cmdline()[-2:] == ["-m", "jupyter_promote.execution.engine"]
    os.kill(state.worker_pid, signal.SIGKILL)
    assert wait_gone(state.worker_pid)
    assert alive(engine.pid)  # orphaned, still running

    started = time.monotonic()
    lines = stack.down(running.config)
    seconds = time.monotonic() - started
    assert lines == [
        f'Stopped the Prefect worker of pool "stack-tests" (pid {state.worker_pid} had exited, '
        "1 leftover process).",
        f"Stopped the Prefect server at {state.ui_url} (pid {state.server_pid}).",
    ]
    assert not alive(engine.pid)
    assert not alive(state.server_pid)
    assert processes_of(home) == []
    assert not (running.config.state_path / "stack.json").exists()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{state.api_url}/health", timeout=2)
    assert seconds < 20
    print(f"up (cold) {running.seconds:.1f} s, down {seconds:.1f} s")

    result = promote("status", "--project-dir", str(running.project))
    assert result.returncode == 3
    assert "Prefect stack: not running" in result.stdout
    assert stack.down(running.config)[0].startswith("Nothing was running")


# -- the CLI end to end: concurrent ups, a crashed server, down ------------------------------------


def test_cli_up_is_exclusive_adds_a_worker_and_recovers_from_a_crash(tmp_path):
    port = free_port()
    settings = {"PromoteConfig": {"server_port": port, "work_pool": "nightly"}}
    (tmp_path / "jupyter_promote_config.json").write_text(json.dumps(settings))
    config = make_config(tmp_path)
    home = str(config.state_path / "prefect")
    up = [str(JUPYTER), "promote", "up", "--project-dir", str(tmp_path)]
    try:
        # Two at once, server only: the lock makes the second wait and find the first's server.
        started = time.monotonic()
        both = [
            subprocess.Popen(
                [*up, "--no-worker"], stdout=subprocess.PIPE, text=True, env=clean_env()
            )
            for _ in range(2)
        ]
        outputs = [proc.communicate(timeout=180)[0] for proc in both]
        cold = time.monotonic() - started
        assert [proc.returncode for proc in both] == [0, 0], outputs
        assert sum("already running since" in out for out in outputs) == 1, outputs
        for out in outputs:
            assert f"Prefect server: http://127.0.0.1:{port} (UI)" in out  # the configured port
            assert f"API URL: http://127.0.0.1:{port}/api" in out
            assert "Worker pool" not in out
        first = json.loads((config.state_path / "stack.json").read_text())
        assert first["worker_pid"] is None
        assert alive(first["monitor_pid"])  # the monitor follows the server from the start
        assert sum(f"Monitor: pid {first['monitor_pid']}" in out for out in outputs) == 2
        pool = httpx.get(f"{first['api_url']}/work_pools/nightly", timeout=5)
        assert pool.status_code == 200, pool.text  # created without a worker, by the CLI
        assert pool.json()["type"] == "process"

        # `up` again, with the worker: the running server is kept, a worker joins it.
        result = promote("up", "--project-dir", str(tmp_path))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "already running" not in result.stdout
        assert "Worker pool: nightly (worker pid " in result.stdout
        second = json.loads((config.state_path / "stack.json").read_text())
        assert second["server_pid"] == first["server_pid"]
        assert alive(second["worker_pid"])

        os.kill(second["server_pid"], signal.SIGKILL)  # a crash: the worker is left polling
        assert wait_gone(second["server_pid"])
        result = promote("status", "--project-dir", str(tmp_path))
        assert result.returncode == 3
        assert f"server pid {second['server_pid']} has stopped" in result.stdout

        started = time.monotonic()
        result = promote("up", "--project-dir", str(tmp_path))
        warm = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        assert "already running" not in result.stdout
        third = json.loads((config.state_path / "stack.json").read_text())
        assert third["server_pid"] != second["server_pid"]
        assert not alive(second["worker_pid"])  # the stale worker was stopped
        assert not alive(second["monitor_pid"])  # and the stale monitor
        assert alive(third["monitor_pid"])
        status = promote("status", "--project-dir", str(tmp_path))
        assert f"monitor:      pid {third['monitor_pid']}" in status.stdout
        assert alive(third["worker_pid"])
        assert httpx.get(f"{third['api_url']}/health", timeout=5).status_code == 200

        result = promote("down", "--project-dir", str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert "Stopped the Prefect worker" in result.stdout
        assert "Stopped the Prefect server" in result.stdout
        assert f"Stopped the monitor (pid {third['monitor_pid']})." in result.stdout
        assert processes_of(home) == []
        print(f"up --no-worker (cold, two at once) {cold:.1f} s, up after a crash {warm:.1f} s")
    finally:
        stack.down(config)


# -- failures ------------------------------------------------------------------------------------


def test_a_server_that_cannot_open_its_database_fails_with_its_log(tmp_path):
    config = make_config(tmp_path, server_port=free_port())
    (config.state_path / "prefect" / "prefect.db").mkdir(parents=True)  # not a file: unusable
    try:
        with pytest.raises(StackError) as caught:
            stack.up(config)
    finally:
        stack.down(config)
    error = caught.value
    assert "the Prefect server exited (code" in error.message
    assert "unable to open database file" in error.message  # from the log tail
    assert str(config.state_path / "logs" / "server.log") in error.message
    assert error.render().startswith(error.headline + "; see the server log")
    assert not (config.state_path / "stack.json").exists()
    assert processes_of(str(config.state_path / "prefect")) == []


def fake_prefect(path, body):
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_server_that_never_answers_is_stopped_after_the_timeout(tmp_path, monkeypatch):
    pid_file = tmp_path / "fake.pid"
    script = f'echo $$ > {pid_file}\necho "fake prefect $*"\nexec sleep 120'
    monkeypatch.setattr(
        stack_processes, "PREFECT_EXECUTABLE", fake_prefect(tmp_path / "prefect", script)
    )
    config = make_config(tmp_path / "project", server_port=free_port(), startup_timeout=1.5)
    with pytest.raises(StackError) as caught:
        stack.up(config)
    assert "did not answer" in caught.value.message
    assert "within 1.5 s" in caught.value.message
    assert "fake prefect --no-prompt server start --host 127.0.0.1" in caught.value.message
    assert wait_gone(int(pid_file.read_text()), timeout=5)
    assert not (config.state_path / "stack.json").exists()


def test_a_server_that_exits_at_once_fails_fast(tmp_path, monkeypatch):
    script = 'echo "boom: cannot start" >&2\nexit 7'
    monkeypatch.setattr(
        stack_processes, "PREFECT_EXECUTABLE", fake_prefect(tmp_path / "prefect", script)
    )
    config = make_config(tmp_path / "project", server_port=free_port(), startup_timeout=60)
    started = time.monotonic()
    with pytest.raises(StackError) as caught:
        stack.up(config)
    assert time.monotonic() - started < 10
    assert "exited (code 7)" in caught.value.message
    assert "boom: cannot start" in caught.value.message


def test_a_missing_prefect_command_is_a_stack_error(tmp_path, monkeypatch):
    monkeypatch.setattr(stack_processes, "PREFECT_EXECUTABLE", tmp_path / "no-such-prefect")
    with pytest.raises(StackError) as caught:
        stack.up(make_config(tmp_path, server_port=free_port()))
    assert "cannot run" in caught.value.message
    assert "pip install" in caught.value.hint


def test_no_server_to_talk_to(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("JUPYTER_PROMOTE_PREFECT_API_URL", raising=False)
    config = make_config(tmp_path)
    with pytest.raises(NoPrefectServer) as caught:
        stack.resolve_api_url(config)
    assert caught.value.message == "no Prefect server to talk to"
    assert "jupyter promote up" in caught.value.hint
    assert "PREFECT_API_URL" in caught.value.hint
    with pytest.raises(NoPrefectServer):
        stack.prefect_env(config)


def test_status_and_down_when_nothing_runs(tmp_path):
    result = promote("status", "--project-dir", str(tmp_path))
    assert result.returncode == 3
    assert "Prefect stack: not running" in result.stdout
    assert "jupyter promote up" in result.stdout
    result = promote("down", "--project-dir", str(tmp_path))
    assert result.returncode == 0
    assert result.stdout.startswith("Nothing was running")
    assert not (tmp_path / ".jupyter-promote").exists()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(4, "4 s"), (600, "10 min"), (3 * 3600 + 300, "3 h 5 min"), (2 * 86400 + 4 * 3600, "2 d 4 h")],
)
def test_format_duration(seconds, text):
    assert stack.format_duration(seconds) == text


def test_the_run_limit_setting_wins_over_the_machine(tmp_path):
    assert stack_processes.run_limit(make_config(tmp_path, local_run_limit=7)) == 7
