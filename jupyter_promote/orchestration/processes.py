"""Process machinery for the embedded stack: spawn, find, probe, wait for and stop processes.

Nothing here runs a Prefect command or reads the Prefect API (only the stop ladders are tuned to
how its server and worker stop): :mod:`jupyter_promote.orchestration.stack_processes` says what to
run and what
the results mean. Processes are handled through :mod:`psutil`, so a pid recorded by one
``jupyter promote`` process can be checked and stopped by another.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from jupyter_promote.errors import StackError

LOG_TAIL_LINES = 20

#: (signal, seconds to wait for the exit) steps, sent in turn until the processes are gone.
Ladder = list[tuple[signal.Signals, float]]

# A Prefect worker stops within a second of SIGINT while its server answers; once the server is
# gone it hangs until a second SIGINT (then kills itself), so an orphaned worker gets the second
# one at once.
WORKER_STOP: Ladder = [
    (signal.SIGINT, 10.0),
    (signal.SIGINT, 5.0),
    (signal.SIGTERM, 5.0),
    (signal.SIGKILL, 5.0),
]
ORPHAN_WORKER_STOP: Ladder = [(signal.SIGINT, 1.0), *WORKER_STOP[1:]]
SERVER_STOP: Ladder = [(signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)]
LEFTOVER_STOP: Ladder = [(signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)]

# Popen objects of the processes started here: kept so they are not collected (and do not warn
# about a child still running) while this process lives; exit_code() reaps them.
_CHILDREN: list[subprocess.Popen[bytes]] = []


@dataclass
class Stopped:
    """What :func:`stop_group` stopped."""

    leader: bool
    """The leader process was still running."""
    leftovers: int = 0
    """How many other processes were still alive once the leader had stopped."""
    survivors: list[int] = field(default_factory=list)
    """Pids still alive after the last signal of the ladders."""


def spawn(
    command: list[str], *, env: dict[str, str], log: str, cwd: Path, hint: str = ""
) -> psutil.Process:
    """Start ``command`` detached (a session of its own), its output to ``log``.

    An existing ``log`` is kept as ``log.1``.

    Args:
        command: The program and its arguments.
        env: The complete environment of the process.
        log: File for its stdout and stderr.
        cwd: Its working folder.
        hint: How to fix a program that cannot be run (the hint of the error).

    Returns:
        The started process.

    Raises:
        StackError: The program cannot be run.
    """
    log_path = Path(log)
    if log_path.exists():
        log_path.replace(log_path.with_name(log_path.name + ".1"))
    with log_path.open("wb") as out:
        try:
            popen = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise StackError(f"cannot run {command[0]}: {exc}", hint=hint) from exc
    _CHILDREN.append(popen)
    return psutil.Process(popen.pid)


def live_process(pid: int | None, created: float | None) -> psutil.Process | None:
    """The live process ``pid`` if it is still the one started at ``created``.

    Args:
        pid: The recorded pid (None or 0: none).
        created: Its recorded start time (``psutil.Process.create_time()``); None skips the check.

    Returns:
        The process, or None when it has exited or the pid now belongs to another process.
    """
    if not pid:
        return None
    try:
        proc = psutil.Process(pid)
        if created is not None and abs(proc.create_time() - created) > 1.0:
            return None
    except psutil.Error:
        return None
    return proc if alive(proc) else None


def alive(proc: psutil.Process) -> bool:
    """Whether ``proc`` runs and is not a zombie (a zombie child of ours is reaped on the way).

    Args:
        proc: The process.

    Returns:
        True while it runs.
    """
    try:
        if not proc.is_running():
            return False
        if proc.status() != psutil.STATUS_ZOMBIE:
            return True
    except psutil.Error:
        return False
    exit_code(proc)  # reaps it
    return False


def exit_code(proc: psutil.Process) -> int | None:
    """The exit code of a child of ours that has exited, reaping it.

    Args:
        proc: The process.

    Returns:
        Its exit code; None while it runs or when it is not a child of this process.
    """
    popen = next((p for p in _CHILDREN if p.pid == proc.pid), None)
    if popen is not None:
        return popen.poll()
    with contextlib.suppress(psutil.Error):
        if proc.ppid() == os.getpid():
            return int(proc.wait(0))
    return None


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether ``GET {api_url}/health`` answers 200 (proxies ignored: the servers are local).

    Args:
        api_url: The API's base URL.
        timeout: Seconds to wait for the answer.

    Returns:
        True when it answered 200.
    """
    try:
        with httpx.Client(trust_env=False, timeout=timeout) as client:
            return client.get(f"{api_url}/health").status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` seconds pass.

    Args:
        condition: What to wait for; called at least once.
        timeout: Seconds to wait at most.
        interval: Seconds between two calls.

    Returns:
        True when the condition became true, False on the timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def choose_port(preferred: int, host: str) -> int:
    """A port to listen on: ``preferred`` if nothing listens there, else one the kernel picks.

    Args:
        preferred: The port wanted (0: any).
        host: The address to listen on.

    Returns:
        The port.
    """
    if preferred and _port_free(preferred, host):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_free(port: int, host: str) -> bool:
    """Whether ``host:port`` can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: a port left in TIME_WAIT by a stopped server is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def stop_group(
    pid: int | None,
    created: float | None,
    ladder: Ladder,
    *,
    env_var: str,
    env_value: str,
    orphan_var: str | None = None,
) -> Stopped | None:
    """Stop a process politely, then whatever it leaves behind (see :func:`_leftovers`).

    Args:
        pid: The leader's recorded pid, also its process group (it was spawned in a session of
            its own).
        created: The leader's recorded start time.
        ladder: The signals for the leader; leftovers get :data:`LEFTOVER_STOP`.
        env_var: The environment variable that marks the leader's processes.
        env_value: Its value in them; a group member or orphan without it is left alone.
        orphan_var: Also stop the processes that have this environment variable, in any group.

    Returns:
        What was stopped, with the pids that survived SIGKILL; None when nothing ran.
    """
    leader = live_process(pid, created)
    others = _leftovers(leader, pid, env_var, env_value, orphan_var)
    if leader is None and not others:
        return None
    if leader is not None:
        _escalate([leader], ladder)
    left = [proc for proc in others if alive(proc)]
    _escalate(left, LEFTOVER_STOP)
    survivors = [p.pid for p in [leader, *others] if p is not None and alive(p)]
    return Stopped(leader=leader is not None, leftovers=len(left), survivors=survivors)


def _leftovers(
    leader: psutil.Process | None,
    pgid: int | None,
    env_var: str,
    env_value: str,
    orphan_var: str | None,
) -> list[psutil.Process]:
    """What must go with the leader: its descendants, its process group, the marked orphans.

    Group members and orphans (``orphan_var`` in the environment: Prefect's process worker
    starts each flow run in a session of its own, so an orphaned run is in no group of ours)
    count only when their ``env_var`` is ``env_value``; that also keeps out an unrelated group
    that reuses the number after the leader died.
    """
    found: dict[int, psutil.Process] = {}
    if leader is not None:
        with contextlib.suppress(psutil.Error):
            found.update((child.pid, child) for child in leader.children(recursive=True))
    for proc in psutil.process_iter():
        if proc.pid in found or proc.pid in (pgid, os.getpid()):
            continue
        with contextlib.suppress(psutil.Error, OSError):
            env = proc.environ()
            if env.get(env_var) != env_value:
                continue
            if os.getpgid(proc.pid) == pgid or (orphan_var is not None and orphan_var in env):
                found[proc.pid] = proc
    return list(found.values())


def _escalate(procs: list[psutil.Process], ladder: Ladder) -> None:
    """Send each signal in turn to the processes still alive until all are gone."""
    for sig, wait in ladder:
        still = [proc for proc in procs if alive(proc)]
        if not still:
            return
        for proc in still:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.send_signal(sig)
        _wait_gone(still, wait)


def _wait_gone(procs: list[psutil.Process], timeout: float) -> bool:
    """Wait until none of ``procs`` is alive; False on the timeout."""
    return wait_until(lambda: not any(alive(proc) for proc in procs), timeout)


def log_tail(log: str, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log, read from its last 64 KiB (a long-lived server's log is big).

    Args:
        log: The log file.
        lines: How many lines.

    Returns:
        Those lines; "" when the file cannot be read.
    """
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 65536))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])
