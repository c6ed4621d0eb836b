"""Backfill: run a promoted pipeline once per value of a parameter, a few runs at a time.

Runs are created on the pipeline's deployment (so they run on its work pool, with its release,
in the Prefect UI as ``backfill`` runs); at most ``max_concurrent`` are unfinished at once, and
never more than the deployment's concurrency limit (see
:func:`~jupyter_promote.release.concurrency.backfill_slots`); each finished run is reported as
it ends. A run waiting for a concurrency slot (``AwaitingConcurrencySlot``, a ``SCHEDULED``
state) is unfinished, not failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from jupyter_promote.config import PromoteConfig
from jupyter_promote.release.concurrency import backfill_slots
from jupyter_promote.release.store import ReleaseNotFound, current_release
from jupyter_promote.services.backfill_values import backfill_values, find_parameter

# Prefect's final state types; anything else (SCHEDULED, also while awaiting a concurrency slot,
# PENDING, RUNNING, PAUSED, CANCELLING) is still unfinished.
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class BackfillRun:
    """One run of a backfill, as it ends."""

    value: str | int
    run_id: str
    state: str
    seconds: float
    url: str


Report = Callable[[int, int, BackfillRun], None]
Notice = Callable[[str], None]


def backfill(
    name: str,
    config: PromoteConfig,
    parameter: str,
    start: str,
    end: str,
    *,
    every: int = 1,
    max_concurrent: int = 3,
    report: Report | None = None,
    poll_seconds: float = 2.0,
    notice: Notice | None = None,
) -> list[BackfillRun]:
    """Run pipeline ``name`` once per value of ``parameter`` from ``start`` to ``end``.

    Args:
        name: A promoted pipeline.
        config: The project configuration (where its releases and Prefect server are).
        parameter: The parameter to vary (a date string or an int).
        start, end: The range, inclusive (``2026-10-01``, ``2026-10-15``).
        every: Step between values (days for dates).
        max_concurrent: At most this many runs unfinished at once (capped at the pipeline's
            concurrency limit).
        report: Called as ``report(done, total, run)`` each time a run ends.
        poll_seconds: How often run states are read.
        notice: Called once, before the first run, when the concurrency limit changes what
            was asked (fewer runs at once; with ``cancel-new``, what may be cancelled).

    Returns:
        Every run in the order they ended.

    Raises:
        ReleaseNotFound: nothing was promoted under ``name``.
        BackfillInvalid: unknown parameter, bad range.
        NoPrefectServer / PrefectUnavailable / DeploymentNotFound: runs cannot be created.
    """
    from jupyter_promote.orchestration import deploy, stack
    from jupyter_promote.orchestration import runs as prefect_runs

    manifest = current_release(config.pipelines_path, name)
    if manifest is None:
        raise ReleaseNotFound(
            f"no pipeline {name!r} under {config.pipelines_path}",
            hint="see `jupyter promote ls` for the promoted pipelines",
        )
    values = backfill_values(
        find_parameter(manifest.parameters, parameter, name), start, end, every
    )
    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    ui = stack.ui_base(env)
    pending, active, ended = list(values), {}, []  # active: run id -> (value, started)
    with deploy.using(env["PREFECT_API_URL"]):
        slots = backfill_slots(name, max_concurrent, *deploy.concurrency_of(deploy.read(name)))
        if slots.notice and notice:
            notice(slots.notice)
        while pending or active:
            while pending and len(active) < slots.at_once:
                value = pending.pop(0)
                run_id = deploy.trigger(
                    name, {parameter: value}, run_name=f"backfill-{parameter}-{value}",
                    tags=["backfill"],
                )  # fmt: skip
                active[run_id] = (value, time.monotonic())
            time.sleep(poll_seconds)
            states = prefect_runs.run_states(list(active))
            for run_id, state in states.items():
                if state in FINAL:
                    value, began = active.pop(run_id)
                    url = f"{ui}/runs/flow-run/{run_id}"
                    run = BackfillRun(value, run_id, state, time.monotonic() - began, url)
                    ended.append(run)
                    if report:
                        report(len(ended), len(values), run)
    return ended
