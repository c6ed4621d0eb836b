"""The embedded stack's record: what ``up`` started, kept in ``<state_dir>/stack.json``.

One :class:`StackState` per project, read and written atomically, with ``stack.lock`` so one
``up`` or ``down`` at a time changes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path

from jupyter_promote.errors import StackError

STATE_FILE = "stack.json"
LOCK_FILE = "stack.lock"


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
    # The monitor (``jupyter promote monitor``) following this server's events.
    monitor_pid: int | None = None
    monitor_created: float | None = None
    monitor_log: str = ""
    # The team database the server runs on (``up --database``); empty: SQLite in prefect_home.
    # stack.json is written owner-only (it may hold the URL's password).
    database_url: str = ""
    # The limit ``up`` put on the SQLite stack's work pool (None: none set by us).
    run_limit: int | None = None

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


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """Hold ``stack.lock`` exclusively: one ``up`` or ``down`` at a time per state folder."""
    with (state_dir / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load(state_dir: Path) -> StackState | None:
    """The recorded state, None when there is no ``stack.json``."""
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


def save(state_dir: Path, state: StackState) -> None:
    """Write ``stack.json`` atomically: a reader sees the old file or the new one, never half."""
    with tempfile.NamedTemporaryFile(
        "w", dir=state_dir, prefix=".stack-", suffix=".json", delete=False, encoding="utf-8"
    ) as tmp:
        tmp.write(state.to_json())
        tmp.flush()
        os.fsync(tmp.fileno())
    os.replace(tmp.name, state_dir / STATE_FILE)
