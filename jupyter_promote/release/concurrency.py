"""How many runs of a pipeline may be unfinished at once, and what becomes of one more (pure).

A pipeline's deployment carries Prefect's ``concurrency_limit`` and a collision strategy
(:mod:`jupyter_promote.orchestration.deploy` maps them): ``enqueue`` makes a run that would
exceed the limit wait for a free slot (Prefect shows it as ``AwaitingConcurrencySlot``, a
``SCHEDULED`` state), ``cancel-new`` cancels it. The default, one run at a time and enqueue,
keeps a pipeline whose runs outlast its schedule's interval from piling up. The limit counts
every run of the deployment (scheduled, triggered, backfill), so a backfill submits no more
than the limit at once (:func:`backfill_slots`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Collision = Literal["enqueue", "cancel-new"]
COLLISIONS: tuple[str, ...] = get_args(Collision)
DEFAULT_CONCURRENCY = 1
DEFAULT_COLLISION: Collision = "enqueue"

_OUTCOME = {"enqueue": "waits", "cancel-new": "is cancelled"}


def describe_concurrency(limit: int | None, on_collision: str = DEFAULT_COLLISION) -> str:
    """The limit in words, as the runbook, ``show`` and the promote form say it.

    Example:
        >>> describe_concurrency(1, "enqueue")
        'at most 1 run at a time; a run that would exceed it waits (enqueue)'
        >>> describe_concurrency(3, "cancel-new")
        'at most 3 runs at a time; a run that would exceed it is cancelled (cancel-new)'
        >>> describe_concurrency(None)
        'no limit on runs at a time'
    """
    if limit is None:
        return "no limit on runs at a time"
    runs = "run" if limit == 1 else "runs"
    outcome = _OUTCOME.get(on_collision, on_collision)
    return (
        f"at most {limit} {runs} at a time; a run that would exceed it {outcome} ({on_collision})"
    )


@dataclass(frozen=True)
class BackfillSlots:
    """How many backfill runs to keep unfinished at once, and what to tell the user once."""

    at_once: int
    notice: str | None = None


def backfill_slots(
    pipeline: str, max_concurrent: int, limit: int | None, on_collision: str
) -> BackfillSlots:
    """Fit ``--max-concurrent`` into the pipeline's concurrency limit.

    A backfill never submits more than the limit: with ``cancel-new`` Prefect would cancel the
    extra runs; with ``enqueue`` they would only wait in Prefect, retried every
    ``concurrency_slot_wait_seconds`` (30 s by default), so submitting each when a slot frees
    is as parallel and sooner. The cap is told once, and so is what ``cancel-new`` means when
    the backfill takes every slot: other runs (scheduled ones) are cancelled meanwhile, and a
    backfill run that finds a slot taken ends ``CANCELLED``.

    Args:
        pipeline: The pipeline's name (for the notice).
        max_concurrent: What the user asked for (values below 1 count as 1).
        limit: The deployment's concurrency limit; None when it has none.
        on_collision: ``enqueue`` or ``cancel-new``.

    Example:
        >>> backfill_slots("sales", 3, None, "enqueue")
        BackfillSlots(at_once=3, notice=None)
        >>> backfill_slots("sales", 3, 1, "enqueue").notice
        'pipeline sales runs at most 1 at a time: backfill runs 1 at once'
        >>> backfill_slots("sales", 2, 4, "cancel-new")
        BackfillSlots(at_once=2, notice=None)
    """
    wanted = max(1, max_concurrent)
    at_once = wanted if limit is None else max(1, min(wanted, limit))
    notes = []
    if at_once < wanted:
        notes.append(
            f"pipeline {pipeline} runs at most {at_once} at a time: backfill runs {at_once} at once"
        )
    if on_collision == "cancel-new" and at_once == limit:
        notes.append(
            "the backfill takes every slot and the pipeline cancels runs beyond its limit"
            " (cancel-new): a run started meanwhile (e.g. by its schedule) is cancelled, and a"
            " backfill run that finds a slot taken ends CANCELLED (backfill that value again)"
        )
    return BackfillSlots(at_once, "; ".join(notes) or None)
