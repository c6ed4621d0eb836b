"""The embedded stack's processes: start the Prefect server and worker, check them, stop them.

It runs the ``prefect`` command installed next to the running interpreter (never imports
:mod:`prefect`) and leaves spawning, probing and stop ladders to
:mod:`jupyter_promote.orchestration.processes`;
:mod:`jupyter_promote.orchestration.stack` decides when to start or stop and records the result.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import StackError
from jupyter_promote.orchestration import processes
from jupyter_promote.orchestration.processes import (
    LOG_TAIL_LINES,
    ORPHAN_WORKER_STOP,
    SERVER_STOP,
    WORKER_STOP,
)
from jupyter_promote.orchestration.stack_state import StackState
from jupyter_promote.util.database import TeamDatabase

#: The ``prefect`` command of this environment (a module constant so tests can swap it).
PREFECT_EXECUTABLE = Path(sys.executable).with_name("prefect")
#: How the embedded pool's worker starts each flow run: Prefect's engine after jupyter-promote's
#: start-up cost control (:mod:`jupyter_promote.execution.engine`), 3-4 s of CPU less per run.
ENGINE_MODULE = "jupyter_promote.execution.engine"
FLOW_RUN_COMMAND = shlex.join([sys.executable, "-m", ENGINE_MODULE])
HOST = "127.0.0.1"

# Every process that talks to Prefect gets these. The ephemeral switch matters: Prefect's default
# profile enables it, and a process without PREFECT_API_URL would then quietly start a private
# throw-away server instead of failing.
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_ENABLED": "false",
}
# The worker polls every 10 s by default, which dominates how fast a triggered run starts.
WORKER_ENV = {"PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_RUNNER_POLL_FREQUENCY": "2"}


# -- starting ------------------------------------------------------------------------------------


def complete(
    state: StackState, config: PromoteConfig, *, worker: bool, monitor: bool = False
) -> bool:
    """Check a recorded live server answers and restart its worker and monitor if they died;
    True if one was started."""
    if not processes.wait_until(lambda: processes.healthy(state.api_url), 10.0):
        raise StackError(
            f"the Prefect server (pid {state.server_pid}) runs but "
            f"{state.api_url}/health does not answer",
            hint="run `jupyter promote down`, then `up` again",
            log=state.server_log,
            log_tail=processes.log_tail(state.server_log),
        )
    started = False
    if monitor and not processes.live_process(state.monitor_pid, state.monitor_created):
        start_monitor(state, config)
        started = True
    if not worker or processes.live_process(state.worker_pid, state.worker_created):
        return started
    _start_worker(state, config)
    return True


def start(config: PromoteConfig, *, worker: bool, monitor: bool = False) -> StackState:
    """Start a server (and worker) on a fresh port; stop whatever started if a step fails."""
    state_dir = config.state_path
    home, logs = state_dir / "prefect", state_dir / "logs"
    home.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    port = processes.choose_port(config.server_port, HOST)
    state = StackState(
        api_url=f"http://{HOST}:{port}/api",
        ui_url=f"http://{HOST}:{port}",
        port=port,
        server_pid=0,
        worker_pid=None,
        work_pool=config.work_pool,
        prefect_home=str(home),
        started_at=_now(),
        server_log=str(logs / "server.log"),
        worker_log=str(logs / "worker.log"),
        monitor_log=str(logs / "monitor.log"),
    )
    server_env = _stack_env(state)
    if config.database_url:
        team = TeamDatabase.parse(config.database_url)
        _require_reachable(team)
        state.database_url = config.database_url
        server_env["PREFECT_API_DATABASE_CONNECTION_URL"] = team.prefect_url
    args = ["server", "start", "--host", HOST, "--port", str(port)]
    server = _spawn(args, server_env, state.server_log, config)
    state.server_pid, state.server_created = server.pid, server.create_time()
    try:
        _wait_healthy(state, server, config.startup_timeout)
        if worker:
            _start_worker(state, config)
        elif not _work_pool_exists(state):
            _create_work_pool(state, config)
        _set_flow_run_command(state)
        if not state.database_url:
            state.run_limit = _limit_runs(state, run_limit(config))
        if monitor:
            start_monitor(state, config)
    except BaseException:
        stop(state)
        raise
    return state


def _start_worker(state: StackState, config: PromoteConfig) -> None:
    """Start a process worker and wait until it polls; it creates a missing work pool itself.

    (The same pool ``prefect work-pool create NAME --type process`` makes, without that command's
    4 s of imports.)
    """
    env = {**_stack_env(state), **WORKER_ENV}
    _work_pool_exists(state)
    state.worker_name = f"{state.work_pool}-local-{state.port}"
    since = _now()
    args = ["worker", "start", "--pool", state.work_pool, "--type", "process"]
    proc = _spawn([*args, "--name", state.worker_name], env, state.worker_log, config)
    state.worker_pid, state.worker_created = proc.pid, proc.create_time()
    try:
        _wait_worker_online(state, proc, since, config.startup_timeout)
    except BaseException:
        _stop_group("worker", proc.pid, state.worker_created, WORKER_STOP, state.prefect_home)
        state.worker_pid = state.worker_created = None
        raise


def start_monitor(state: StackState, config: PromoteConfig) -> None:
    """Start ``jupyter promote monitor`` for the project, following this server's events.

    It is a command of its own (not imported here): the monitor is a service above this layer.
    """
    state.monitor_log = state.monitor_log or str(Path(state.server_log).with_name("monitor.log"))
    command = [sys.executable, "-m", "jupyter_promote", "monitor", "--project-dir",
               str(config.project_path)]  # fmt: skip
    proc = processes.spawn(
        command, env=_stack_env(state), log=state.monitor_log, cwd=_workdir(config)
    )
    state.monitor_pid, state.monitor_created = proc.pid, proc.create_time()


def _stack_env(state: StackState) -> dict[str, str]:
    """The environment of the server, the worker and the ``prefect`` commands run for them
    (on a team database, the worker's runs record their reads in its catalog)."""
    env = {
        **os.environ,
        **QUIET_ENV,
        "PREFECT_HOME": state.prefect_home,
        "PREFECT_API_URL": state.api_url,
        "PREFECT_UI_API_URL": state.api_url,
        "PREFECT_UI_URL": state.ui_url,
    }
    if state.database_url:
        env["JUPYTER_PROMOTE_DATABASE_URL"] = state.database_url
        env["JUPYTER_PROMOTE_CATALOG_URL"] = TeamDatabase.parse(state.database_url).catalog_url
    return env


def _require_reachable(team: TeamDatabase) -> None:
    """Fail at once, naming the database, when nothing listens at its host and port (the
    server would otherwise retry until the startup timeout)."""
    try:
        socket.create_connection((team.host, team.port), timeout=5).close()
    except OSError as exc:
        raise StackError(
            f"cannot reach the PostgreSQL server of {team.display}: {exc.strerror or exc}",
            hint="start PostgreSQL (or fix the host and port in --database /"
            " c.PromoteConfig.database_url); leave it empty for the SQLite default",
        ) from exc


def run_limit(config: PromoteConfig) -> int:
    """Flow runs the SQLite stack takes at once: ``local_run_limit``, else one per CPU and at
    most one per GB of memory (each run is a flow process and a kernel), at least one."""
    if config.local_run_limit > 0:
        return int(config.local_run_limit)
    gigabytes = psutil.virtual_memory().total // (1 << 30)
    return max(1, min(os.cpu_count() or 1, int(gigabytes)))


def _limit_runs(state: StackState, limit: int) -> int | None:
    """Set the pool's concurrency limit to ``limit`` unless its owner set one (kept); the
    limit in force."""
    url = f"{state.api_url}/work_pools/{quote(state.work_pool, safe='')}"
    try:
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            found = client.get(url)
            found.raise_for_status()
            current = found.json().get("concurrency_limit")
            if current is not None:
                return int(current)
            client.patch(url, json={"concurrency_limit": limit}).raise_for_status()
    except httpx.HTTPError as exc:
        why = f'cannot limit the runs of work pool "{state.work_pool}": {exc}'
        raise _server_error(state, why) from exc
    return limit


def _spawn(args: list[str], env: dict[str, str], log: str, config: PromoteConfig) -> psutil.Process:
    """Start ``prefect ARGS`` detached (own session), output to ``log`` (the last one kept)."""
    return processes.spawn(
        [str(PREFECT_EXECUTABLE), "--no-prompt", *args],
        env=env,
        log=log,
        cwd=_workdir(config),
        hint="install Prefect with `pip install 'jupyter-promote[server]'`",
    )


def _workdir(config: PromoteConfig) -> Path:
    """The processes' working folder: the project's (flow runs get their own, from Prefect)."""
    project = Path(config.project_dir)
    return project if project.is_dir() else config.state_path


def _wait_healthy(state: StackState, server: psutil.Process, timeout: float) -> None:
    """Wait for ``GET /health``; fail fast when the server exits, with its log tail."""
    if processes.wait_until(
        lambda: processes.healthy(state.api_url) or not processes.alive(server), timeout
    ):
        if processes.alive(server):
            return
        what = f"the Prefect server exited (code {processes.exit_code(server)}) during startup"
    else:
        what = f"the Prefect server did not answer {state.api_url}/health within {timeout:g} s"
    raise StackError(
        what,
        hint="see the server log; a broken database in PREFECT_HOME or a slow machine "
        "(raise c.PromoteConfig.startup_timeout) are the usual causes",
        log=state.server_log,
        log_tail=processes.log_tail(state.server_log),
    )


def _work_pool_exists(state: StackState) -> bool:
    """Whether the server has the work pool; a pool of another type than ``process`` is an error."""
    url = f"{state.api_url}/work_pools/{quote(state.work_pool, safe='')}"
    try:
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            found = client.get(url)
    except httpx.HTTPError as exc:
        raise _server_error(
            state, f"the Prefect server at {state.api_url} stopped answering: {exc}"
        ) from exc
    if found.status_code != 200:
        return False
    kind = found.json().get("type")
    if kind != "process":
        raise StackError(
            f'work pool "{state.work_pool}" is of type {kind!r}, not "process"',
            hint="set c.PromoteConfig.work_pool to another name",
        )
    return True


def _set_flow_run_command(state: StackState) -> None:
    """Make :data:`FLOW_RUN_COMMAND` the pool's default flow-run command, unless its owner set
    another one (a command of ours from another interpreter path is brought up to date)."""
    url = f"{state.api_url}/work_pools/{quote(state.work_pool, safe='')}"
    try:
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            found = client.get(url)
            found.raise_for_status()
            template = found.json().get("base_job_template") or {}
            command = template.get("variables", {}).get("properties", {}).get("command")
            current = (command or {}).get("default")
            if command is None or current == FLOW_RUN_COMMAND:
                return
            if current and not str(current).endswith(f"-m {ENGINE_MODULE}"):
                return  # the pool's owner chose this command
            command["default"] = FLOW_RUN_COMMAND
            client.patch(url, json={"base_job_template": template}).raise_for_status()
    except httpx.HTTPError as exc:
        why = f'cannot set how work pool "{state.work_pool}" starts flow runs: {exc}'
        raise _server_error(state, why) from exc


def _server_error(state: StackState, message: str) -> StackError:
    return StackError(
        message,
        hint="see the server log",
        log=state.server_log,
        log_tail=processes.log_tail(state.server_log),
    )


def _create_work_pool(state: StackState, config: PromoteConfig) -> None:
    """``prefect work-pool create NAME --type process``; "already exists" is fine."""
    args = ["--no-prompt", "work-pool", "create", state.work_pool, "--type", "process"]
    done = subprocess.run(
        [str(PREFECT_EXECUTABLE), *args],
        env=_stack_env(state),
        cwd=_workdir(config),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=max(config.startup_timeout, 60.0),
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and "already exists" not in output:
        raise StackError(
            f'cannot create the work pool "{state.work_pool}" (exit code {done.returncode})',
            hint="check the pool name and the server log",
            log_tail="\n".join(output.strip().splitlines()[-LOG_TAIL_LINES:]),
        )


def _wait_worker_online(
    state: StackState, worker: psutil.Process, since: str, timeout: float
) -> None:
    """Wait until the worker has sent a heartbeat to its pool; fail fast when it exits."""
    url = f"{state.api_url}/work_pools/{quote(state.work_pool, safe='')}/workers/filter"
    body = {"workers": {"last_heartbeat_time": {"after_": since}}}

    def online() -> bool:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            with httpx.Client(trust_env=False, timeout=2.0) as client:
                found = client.post(url, json=body)
            if found.status_code == 200:
                return any(w.get("name") == state.worker_name for w in found.json())
        return False

    came_online = processes.wait_until(lambda: online() or not processes.alive(worker), timeout)
    if came_online and processes.alive(worker):
        return
    if processes.alive(worker):
        what = f"the Prefect worker did not come online within {timeout:g} s"
    else:
        what = f"the Prefect worker exited (code {processes.exit_code(worker)}) during startup"
    raise StackError(
        what,
        hint="see the worker log",
        log=state.worker_log,
        log_tail=processes.log_tail(state.worker_log),
    )


# -- stopping ------------------------------------------------------------------------------------


def stop(state: StackState) -> list[str]:
    """Stop the monitor and the worker, then the server (a worker outliving its server hangs);
    say what stopped."""
    lines = []
    stopped = _stop_group(
        "monitor", state.monitor_pid, state.monitor_created, SERVER_STOP, state.prefect_home
    )
    if stopped:
        lines.append(f"Stopped the monitor ({stopped}).")
    server = processes.live_process(state.server_pid, state.server_created)
    ladder = WORKER_STOP if server and processes.healthy(state.api_url, 1.0) else ORPHAN_WORKER_STOP
    stopped = _stop_group(
        "worker", state.worker_pid, state.worker_created, ladder, state.prefect_home, runs=True
    )
    if stopped:
        lines.append(f'Stopped the Prefect worker of pool "{state.work_pool}" ({stopped}).')
    stopped = _stop_group(
        "server", state.server_pid, state.server_created, SERVER_STOP, state.prefect_home
    )
    if stopped:
        lines.append(f"Stopped the Prefect server at {state.ui_url} ({stopped}).")
    return lines


def _stop_group(
    name: str,
    pid: int | None,
    created: float | None,
    ladder: processes.Ladder,
    prefect_home: str,
    *,
    runs: bool = False,
) -> str:
    """Stop a process politely, then whatever it leaves behind; "" when nothing ran.

    Leftovers are its descendants and process group, and with ``runs`` its orphaned flow runs
    (``PREFECT__FLOW_RUN_ID`` in the environment), all only with this ``PREFECT_HOME``.
    """
    stopped = processes.stop_group(
        pid,
        created,
        ladder,
        env_var="PREFECT_HOME",
        env_value=prefect_home,
        orphan_var="PREFECT__FLOW_RUN_ID" if runs else None,
    )
    if stopped is None:
        return ""
    if stopped.survivors:
        raise StackError(
            f"the Prefect {name} processes {stopped.survivors} survived SIGKILL",
            hint="stop them by hand (`kill -9 PID`) before `jupyter promote up`",
        )
    described = f"pid {pid}" if stopped.leader else f"pid {pid} had exited"
    if stopped.leftovers:
        left = stopped.leftovers
        described += f", {left} leftover process{'es' if left > 1 else ''}"
    return described


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
