"""The embedded local Prefect stack: a server on SQLite and a process worker, owned by a project.

``jupyter promote up`` starts them as detached processes listening on 127.0.0.1 only, ``down``
stops them by pid, ``status`` tells. Pids, URLs and log paths are kept in
``<state_dir>/stack.json``; Prefect's own state (SQLite database, profiles) in
``<state_dir>/prefect``, its ``PREFECT_HOME``.

This is an adapter: it runs the ``prefect`` command installed next to the running interpreter and
never imports :mod:`prefect` (1-2 s per import, and the CLI or the server extension must stay
light just to read a status). The record lives in :mod:`.stack_state`, starting and stopping
the processes in :mod:`.stack_processes`.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import NoPrefectServer, PrefectNotInstalled, StackError
from jupyter_promote.orchestration import processes, stack_processes
from jupyter_promote.orchestration.stack_processes import QUIET_ENV
from jupyter_promote.orchestration.stack_state import STATE_FILE, StackState, load, locked, save
from jupyter_promote.util.database import describe


@dataclass
class StackStatus:
    """What ``status`` found: the recorded state and whether its processes still work."""

    state_dir: str
    state: StackState | None = None
    server_alive: bool = False
    worker_alive: bool = False
    monitor_alive: bool = False
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


def up(
    config: PromoteConfig, *, worker: bool = True, monitor: bool = False
) -> tuple[StackState, bool]:
    """Start the embedded Prefect server (a process worker, the monitor) unless it already runs.

    Args:
        config: Where the state lives (``state_dir``), the preferred ``server_port``, the
            ``work_pool`` to serve and the ``startup_timeout``.
        worker: Also start a ``process`` worker for ``config.work_pool``.
        monitor: Also start the monitor (``jupyter promote monitor``) of the project.

    Returns:
        The stack's state and whether it was already running (nothing was started).

    Raises:
        PrefectNotInstalled: Prefect is missing from this environment.
        StackError: The server or worker did not come up (the message has the log tail), or a
            recorded server is alive but does not answer.

    Example:
        >>> state, already = up(load_config("."))  # doctest: +SKIP
        >>> state.ui_url  # doctest: +SKIP
        'http://127.0.0.1:4200'
    """
    require_prefect("`jupyter promote up` (the embedded Prefect server)", extra="server")
    state_dir = config.state_path
    state_dir.mkdir(parents=True, exist_ok=True)
    with locked(state_dir):
        current = load(state_dir)
        if current is not None and processes.live_process(
            current.server_pid, current.server_created
        ):
            _same_database(current, config)
            started = stack_processes.complete(current, config, worker=worker, monitor=monitor)
            if started:
                save(state_dir, current)
            return current, not started
        if current is not None:
            stack_processes.stop(current)  # stale: the server died, its worker may still be polling
            (state_dir / STATE_FILE).unlink(missing_ok=True)
        state = stack_processes.start(config, worker=worker, monitor=monitor)
        save(state_dir, state)
        return state, False


def _same_database(state: StackState, config: PromoteConfig) -> None:
    """A running stack cannot move to another database: say how to restart it there."""
    wanted, running = config.database_url, state.database_url
    if wanted == running:
        return
    prefect_db = str(Path(state.prefect_home) / "prefect.db")
    raise StackError(
        f"the Prefect stack already runs on {describe(running, prefect_db)},"
        f" not on {describe(wanted, prefect_db)}",
        hint="run `jupyter promote down`, then `jupyter promote up` with the database you want"
        " (runs, deployments and the catalog do not move between databases: promote again)",
    )


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
    with locked(state_dir):
        state = load(state_dir)
        if state is None:
            return [f"Nothing was running (no Prefect stack recorded in {state_dir})."]
        lines = stack_processes.stop(state)
        (state_dir / STATE_FILE).unlink(missing_ok=True)
    return lines or [f"Nothing was running: the stack started {state.started_at} had stopped."]


def status(config: PromoteConfig) -> StackStatus:
    """Whether the embedded stack runs: recorded state, live pids, health."""
    state_dir = config.state_path
    state = load(state_dir) if state_dir.is_dir() else None
    result = StackStatus(state_dir=str(state_dir), state=state)
    if state is not None:
        result.server_alive = (
            processes.live_process(state.server_pid, state.server_created) is not None
        )
        result.worker_alive = (
            processes.live_process(state.worker_pid, state.worker_created) is not None
        )
        result.monitor_alive = (
            processes.live_process(state.monitor_pid, state.monitor_created) is not None
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
    monitor = f"pid {state.monitor_pid}" if state.monitor_pid else "none"
    if state.monitor_pid and not status.monitor_alive:
        monitor += " (stopped)"
    lines = [
        head,
        f"  UI:           {state.ui_url}",
        f"  API URL:      {state.api_url}",
        f"  server:       pid {state.server_pid}{'' if status.server_alive else ' (stopped)'}",
        f"  worker:       {worker}",
        f"  monitor:      {monitor}",
        f"  database:     {describe_database(state)}",
        f"  work pool:    {state.work_pool}{_limit(state)}",
        f"  prefect home: {state.prefect_home}",
        f"  logs:         {state.server_log}",
        f"                {state.worker_log}",
        *([f"                {state.monitor_log}"] if state.monitor_log else []),
    ]
    if not status.running:
        lines.append("Run `jupyter promote down` to clean up, then `jupyter promote up`.")
    return "\n".join(lines)


def describe_database(state: StackState) -> str:
    """``SQLite PREFECT_HOME/prefect.db`` or ``PostgreSQL postgresql://user:***@host:port/db``."""
    return describe(state.database_url, str(Path(state.prefect_home) / "prefect.db"))


def _limit(state: StackState) -> str:
    return f" (at most {state.run_limit} runs at once)" if state.run_limit else ""


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
        PrefectNotInstalled: Prefect is missing from this environment.
        NoPrefectServer: There is no server to talk to.
    """
    require_prefect()
    api_url, state = _resolve(config)
    env = {"PREFECT_API_URL": api_url, **QUIET_ENV}
    if state is not None:
        env.update(PREFECT_HOME=state.prefect_home, PREFECT_UI_URL=state.ui_url)
    return env


def require_prefect(what: str = "this", extra: str = "run") -> None:
    """Fail with the install command when this environment has no Prefect (checked without
    importing it: the import costs 1-2 s).

    Raises:
        PrefectNotInstalled: ``prefect`` cannot be imported here.
    """
    if importlib.util.find_spec("prefect") is None:
        raise PrefectNotInstalled(what, extra)


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


# -- resolving -----------------------------------------------------------------------------------


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
