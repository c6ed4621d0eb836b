"""The promotion options shared by ``jupyter promote promote`` and the ``%promote`` magic."""

from __future__ import annotations

import argparse
from typing import Any

from jupyter_promote.release.clearable import CLEARABLE


def add_promote_options(parser: argparse.ArgumentParser) -> None:
    """Add the promotion settings, ``--no-dry-run`` and ``--project-dir`` to ``parser``."""
    add = parser.add_argument
    add("--name", help="pipeline name (lowercase slug)")
    add("--owner", help="who answers for it (e-mail or user name): required")
    add("--team", help="owning team")
    add("--schedule", metavar="CRON", help='cron, e.g. "0 6 * * 1-5"')
    add("--interval", type=int, metavar="SECONDS", help="or run every N seconds")
    add("--tz", help="IANA timezone of schedule and SLA (default UTC)")
    add("--sla", metavar="HH:MM", help="deadline by which a run must be done")
    add("--tier", help="critical, high, normal or low")
    add("--consumer", action="append", help="who uses the outputs (repeatable)")
    add("--reads", action="append", help="data it reads (repeatable)")
    add("--writes", action="append", help="data it writes (repeatable)")
    add("--work-pool", help="Prefect work pool (default: the local one)")
    add(
        "--concurrency", type=int, metavar="N", help="at most N runs unfinished at once (default 1)"
    )
    add(
        "--on-collision",
        metavar="WHAT",
        help="a run beyond --concurrency: enqueue (waits, the default) or cancel-new (cancelled)",
    )
    add("--notify", metavar="CHANNEL", help="alerts: an e-mail or block:NAME (Prefect block)")
    add(
        "--clear",
        action="append",
        choices=CLEARABLE,
        metavar="SETTING",
        help="empty a remembered setting (repeatable): "
        + ", ".join(CLEARABLE)
        + '; "--clear schedule" leaves it to run only when triggered',
    )
    add("--no-dry-run", action="store_true", help="skip the fresh-kernel dry run (recorded)")
    add(
        "--commit",
        action="store_true",
        help="git source: commit the release to the project's repository and push it to the"
        " branch workers clone, before the deployment moves",
    )
    add("--project-dir", help="project folder (default: current directory)")


def given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (absent when not given), with ``--clear``
    ones set empty: what :func:`~jupyter_promote.services.promote.merge_settings` applies."""
    given = {
        "name": args.name,
        "owner": args.owner,
        "team": args.team,
        "schedule": args.schedule,
        "interval_seconds": args.interval,
        "timezone": args.tz,
        "sla": args.sla,
        "tier": args.tier,
        "consumers": args.consumer,
        "reads": args.reads,
        "writes": args.writes,
        "work_pool": args.work_pool,
        "concurrency": args.concurrency,
        "on_collision": args.on_collision,
        "notify": args.notify,
    }
    given = {key: value for key, value in given.items() if value is not None}
    for setting in args.clear or []:
        if setting == "schedule":
            given.update(schedule=None, interval_seconds=None)
        else:
            given[setting] = [] if setting in ("consumers", "reads", "writes") else None
    return given
