"""The embedded local Prefect stack: a server on SQLite and a process worker, owned by a project.

``jupyter promote up`` starts them as detached processes listening on 127.0.0.1 only, ``down``
stops them by pid, ``status`` tells. Pids, URLs and log paths are kept in
``<state_dir>/stack.json``; Prefect's own state (SQLite database, profiles) in
``<state_dir>/prefect``, its ``PREFECT_HOME``.

This is an adapter: it runs the ``prefect`` command installed next to the running interpreter and
never imports :mod:`prefect` (1-2 s per import, and the CLI or the server extension must stay
light just to read a status).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil

from jupyter_promote import processes
from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import NoPrefectServer, StackError
from jupyter_promote.processes import LOG_TAIL_LINES, ORPHAN_WORKER_STOP, SERVER_STOP, WORKER_STOP

#: The ``prefect`` command of this environment (a module constant so tests can swap it).
PREFECT_EXECUTABLE = Path(sys.executable).with_name("prefect")
HOST = "127.0.0.1"
STATE_FILE = "stack.json"
LOCK_FILE = "stack.lock"

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


@dataclass
class StackState:
    """What ``up`` started, as saved in ``<state_dir>/stack.json``."""

    api_url: str
    ui_url: str
    port: int
    server_pid: int
    worker_pid: int | None
    work_pool: str
    prefect_home: str
    started_at: str
    server_log: str
    worker_log: str
    worker_name: str = ""
    # Process start times (psutil): a recorded pid only counts while it is still that process.
    server_created: float | None = None
    worker_created: float | None = None

    def to_json(self) -> str:
        """The state as the JSON text of ``stack.json``."""
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> StackState:
        """Read a ``stack.json`` text; keys this version does not know are ignored."""
        data = json.loads(text)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def since(self) -> datetime:
        """When the stack was started (aware datetime)."""
        return datetime.fromisoformat(self.started_at)


@dataclass
class StackStatus:
    """What ``status`` found: the recorded state and whether its processes still work."""

    state_dir: str
    state: StackState | None = None
    server_alive: bool = False
    worker_alive: bool = False
    healthy: bool = False

    @property
    def running(self) -> bool:
        """The server process is alive and answers its health check."""
        return self.server_alive and self.healthy

    @property
    def uptime(self) -> str:
        """How long the stack has been up ("3 min"), empty when it is not running."""
        if not (self.running and self.state):
            return ""
        return format_duration((datetime.now(timezone.utc) - self.state.since).total_seconds())


def up(config: PromoteConfig, *, worker: bool = True) -> tuple[StackState, bool]:
    """Start the embedded Prefect server (and a process worker) unless it already runs.

    Args:
        config: Where the state lives (``state_dir``), the preferred ``server_port``, the
            ``work_pool`` to serve and the ``startup_timeout``.
        worker: Also start a ``process`` worker for ``config.work_pool``.

    Returns:
        The stack's state and whether it was already running (nothing was started).

    Raises:
        StackError: The server or worker did not come up (the message has the log tail), or a
            recorded server is alive but does not answer.

    Example:
        >>> state, already = up(load_config("."))  # doctest: +SKIP
        >>> state.ui_url  # doctest: +SKIP
        'http://127.0.0.1:4200'
    """
    state_dir = config.state_path
    state_dir.mkdir(parents=True, exist_ok=True)
    with _locked(state_dir):
        current = _load(state_dir)
        if current is not None and processes.live_process(
            current.server_pid, current.server_created
        ):
            started = _complete(current, config, worker=worker)
            if started:
                _save(state_dir, current)
            return current, not started
        if current is not None:
            _stop(current)  # stale: the server died, its worker may still be polling
            (state_dir / STATE_FILE).unlink(missing_ok=True)
        state = _start(config, worker=worker)
        _save(state_dir, state)
        return state, False


def down(config: PromoteConfig) -> list[str]:
    """Stop the embedded stack: the worker first, then the server, each with its process group.

    Returns:
        Human-readable lines saying what was stopped (or that nothing was running).

    Raises:
        StackError: A process survived SIGKILL.
    """
    state_dir = config.state_path
    if not (state_dir / STATE_FILE).exists():
        return [f"Nothing was running (no Prefect stack recorded in {state_dir})."]
    with _locked(state_dir):
        state = _load(state_dir)
        if state is None:
            return [f"Nothing was running (no Prefect stack recorded in {state_dir})."]
        lines = _stop(state)
        (state_dir / STATE_FILE).unlink(missing_ok=True)
    return lines or [f"Nothing was running: the stack started {state.started_at} had stopped."]


def status(config: PromoteConfig) -> StackStatus:
    """Whether the embedded stack runs: recorded state, live pids, health."""
    state_dir = config.state_path
    state = _load(state_dir) if state_dir.is_dir() else None
    result = StackStatus(state_dir=str(state_dir), state=state)
    if state is not None:
        result.server_alive = (
            processes.live_process(state.server_pid, state.server_created) is not None
        )
        result.worker_alive = (
            processes.live_process(state.worker_pid, state.worker_created) is not None
        )
        result.healthy = result.server_alive and processes.healthy(state.api_url)
    return result


def render_status(status: StackStatus) -> str:
    """The status as text for a terminal: URLs, pids, since when, pool, home, logs."""
    state = status.state
    if state is None:
        return (
            f"Prefect stack: not running (nothing recorded in {status.state_dir}); "
            "start it with `jupyter promote up`"
        )
    since = state.since.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    if status.running:
        head = f"Prefect stack: running since {since} (up {status.uptime})"
    elif status.server_alive:
        head = f"Prefect stack: not answering (server pid {state.server_pid} alive, health fails)"
    else:
        head = f"Prefect stack: not running (server pid {state.server_pid} has stopped)"
    worker = f"pid {state.worker_pid}" if state.worker_pid else "none"
    if state.worker_pid and not status.worker_alive:
        worker += " (stopped)"
    lines = [
        head,
        f"  UI:           {state.ui_url}",
        f"  API URL:      {state.api_url}",
        f"  server:       pid {state.server_pid}{'' if status.server_alive else ' (stopped)'}",
        f"  worker:       {worker}",
        f"  work pool:    {state.work_pool}",
        f"  prefect home: {state.prefect_home}",
        f"  logs:         {state.server_log}",
        f"                {state.worker_log}",
    ]
    if not status.running:
        lines.append("Run `jupyter promote down` to clean up, then `jupyter promote up`.")
    return "\n".join(lines)


def resolve_api_url(config: PromoteConfig) -> str:
    """The Prefect API to use: configured, else ``PREFECT_API_URL``, else the embedded stack.

    Raises:
        NoPrefectServer: None of the three is there (Prefect is never left to start its
            throw-away per-process server).
    """
    return _resolve(config)[0]


def prefect_env(config: PromoteConfig) -> dict[str, str]:
    """Environment variables a process needs to talk to the resolved Prefect server.

    ``PREFECT_API_URL`` always, analytics off, ephemeral servers off; ``PREFECT_HOME`` and
    ``PREFECT_UI_URL`` when the server is the embedded one.

    Raises:
        NoPrefectServer: There is no server to talk to.
    """
    api_url, state = _resolve(config)
    env = {"PREFECT_API_URL": api_url, **QUIET_ENV}
    if state is not None:
        env.update(PREFECT_HOME=state.prefect_home, PREFECT_UI_URL=state.ui_url)
    return env


def ui_base(env: dict[str, str]) -> str:
    """The Prefect UI address for an environment from :func:`prefect_env` (no trailing slash).

    >>> ui_base({"PREFECT_API_URL": "http://127.0.0.1:4200/api"})
    'http://127.0.0.1:4200'
    """
    return (env.get("PREFECT_UI_URL") or env["PREFECT_API_URL"].removesuffix("/api")).rstrip("/")


def format_duration(seconds: float) -> str:
    """A duration for people: "45 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


# -- starting ------------------------------------------------------------------------------------


def _complete(state: StackState, config: PromoteConfig, *, worker: bool) -> bool:
    """Check a recorded live server answers and restart its worker if it died; True if it did."""
    if not processes.wait_until(lambda: processes.healthy(state.api_url), 10.0):
        raise StackError(
            f"the Prefect server (pid {state.server_pid}) runs but "
            f"{state.api_url}/health does not answer",
            hint="run `jupyter promote down`, then `up` again",
            log=state.server_log,
            log_tail=processes.log_tail(state.server_log),
        )
    if not worker or processes.live_process(state.worker_pid, state.worker_created):
        return False
    _start_worker(state, config)
    return True


def _start(config: PromoteConfig, *, worker: bool) -> StackState:
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
    )
    args = ["server", "start", "--host", HOST, "--port", str(port)]
    server = _spawn(args, _stack_env(state), state.server_log, config)
    state.server_pid, state.server_created = server.pid, server.create_time()
    try:
        _wait_healthy(state, server, config.startup_timeout)
        if worker:
            _start_worker(state, config)
        elif not _work_pool_exists(state):
            _create_work_pool(state, config)
    except BaseException:
        _stop(state)
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


def _stack_env(state: StackState) -> dict[str, str]:
    """The environment of the server, the worker and the ``prefect`` commands run for them."""
    return {
        **os.environ,
        **QUIET_ENV,
        "PREFECT_HOME": state.prefect_home,
        "PREFECT_API_URL": state.api_url,
        "PREFECT_UI_API_URL": state.api_url,
        "PREFECT_UI_URL": state.ui_url,
    }


def _spawn(args: list[str], env: dict[str, str], log: str, config: PromoteConfig) -> psutil.Process:
    """Start ``prefect ARGS`` detached (own session), output to ``log`` (the last one kept)."""
    return processes.spawn(
        [str(PREFECT_EXECUTABLE), "--no-prompt", *args],
        env=env,
        log=log,
        cwd=_workdir(config),
        hint="install Prefect with `pip install 'jupyter-promote[run]'`",
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
        raise StackError(
            f"the Prefect server at {state.api_url} stopped answering: {exc}",
            hint="see the server log",
            log=state.server_log,
            log_tail=processes.log_tail(state.server_log),
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


def _stop(state: StackState) -> list[str]:
    """Stop the worker, then the server (a worker outliving its server hangs); say what stopped."""
    lines = []
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


# -- resolving, state file -----------------------------------------------------------------------


def _resolve(config: PromoteConfig) -> tuple[str, StackState | None]:
    """The API URL to use and, when it is the embedded stack, its state."""
    if config.prefect_api_url:
        return config.prefect_api_url, None
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"], None
    found = status(config)
    if found.running and found.state is not None:
        return found.state.api_url, found.state
    raise NoPrefectServer()


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """Hold ``stack.lock`` exclusively: one ``up`` or ``down`` at a time per state folder."""
    with (state_dir / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(state_dir: Path) -> StackState | None:
    path = state_dir / STATE_FILE
    try:
        return StackState.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError, AttributeError) as exc:
        raise StackError(
            f"cannot read {path}: {exc}",
            hint=f"stop this project's Prefect processes by hand, then delete {path}",
        ) from exc


def _save(state_dir: Path, state: StackState) -> None:
    """Write ``stack.json`` atomically: a reader sees the old file or the new one, never half."""
    with tempfile.NamedTemporaryFile(
        "w", dir=state_dir, prefix=".stack-", suffix=".json", delete=False, encoding="utf-8"
    ) as tmp:
        tmp.write(state.to_json())
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, state_dir / STATE_FILE)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
