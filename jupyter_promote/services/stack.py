"""The project's embedded stack as the surfaces see it: ``up``, ``down``, ``status``.

The stack is a Prefect server, a process worker (:mod:`jupyter_promote.orchestration.stack`)
and the monitor following the server's events (:mod:`jupyter_promote.services.monitor`, run as
``jupyter promote monitor``), so every surface starts and stops the same set.
"""

from __future__ import annotations

from jupyter_promote.config import PromoteConfig
from jupyter_promote.orchestration import stack
from jupyter_promote.orchestration.stack import StackStatus
from jupyter_promote.orchestration.stack_state import StackState

__all__ = [
    "StackState", "StackStatus", "describe_database", "down", "render_status", "status", "up",
]  # fmt: skip


def up(
    config: PromoteConfig, *, worker: bool = True, monitor: bool = True
) -> tuple[StackState, bool]:
    """Start the stack unless it runs (see :func:`jupyter_promote.orchestration.stack.up`).

    Returns:
        The stack's state and whether it was already running.

    Raises:
        PrefectNotInstalled, StackError: see the orchestration layer.
    """
    return stack.up(config, worker=worker, monitor=monitor)


def down(config: PromoteConfig) -> list[str]:
    """Stop what ``up`` started; one line per process, for the terminal."""
    return stack.down(config)


def status(config: PromoteConfig) -> StackStatus:
    """What runs, where and since when (never raises for a stack that is down)."""
    return stack.status(config)


def render_status(found: StackStatus) -> str:
    """The status as lines for a terminal."""
    return stack.render_status(found)


def describe_database(state: StackState) -> str:
    """The stack's database for people: ``SQLite PATH`` or ``PostgreSQL URL`` (no password)."""
    return stack.describe_database(state)
