"""The monitor from a terminal: ``monitor`` (live, or ``--replay`` a timeline offline),
``incidents``, ``ack`` and ``resolve``. Each parses, calls a service, renders."""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any


def _config(args: argparse.Namespace) -> Any:
    from jupyter_promote.config import load_config

    return load_config(args.project_dir)


def cmd_monitor(args: argparse.Namespace) -> int:
    """Follow the project's Prefect server; or replay a timeline and print what it would say."""
    if args.replay:
        from jupyter_promote.monitor.replay import replay_file

        project = args.project_dir or "."
        for alert in replay_file(args.replay, project):
            if args.json:
                print(alert.to_json(), flush=True)
            else:  # the layout of docs/monitor-replay.md
                head = (f"{alert.at:%Y-%m-%dT%H:%M} {alert.kind:<12} {alert.incident or '-':<6}"
                        f" [{', '.join(alert.to)}] {alert.channel}")  # fmt: skip
                body = "".join(f"    {line}\n" for line in alert.message.splitlines())
                print(f"{head}\n{body}", flush=True)
        return 0
    from jupyter_promote.services.monitor import run_monitor

    return run_monitor(_config(args), once=args.once)


def cmd_incidents(args: argparse.Namespace) -> int:
    """The monitor's incidents, newest first."""
    from jupyter_promote.services.monitor import MonitorService

    incidents = MonitorService(_config(args)).incidents(open_only=args.open)
    if args.json:
        print(json.dumps([i.model_dump(mode="json") for i in incidents], indent=2))
        return 0
    if not incidents:
        print("no open incidents" if args.open else "no incidents")
    for i in incidents:
        radius = ", ".join(i.blast_radius) or "nothing downstream"
        print(f"{i.id}  {i.status:<12} {i.kind:<12} {i.root_cause}  (tier {i.effective_tier};"
              f" opened {i.opened_at:%Y-%m-%d %H:%M %Z}; blast radius: {radius})")  # fmt: skip
    return 0


def _act(args: argparse.Namespace, what: str) -> int:
    from jupyter_promote.services.monitor import act_by_hand

    by = args.by or getpass.getuser()
    incident = act_by_hand(_config(args), what, args.incident, by)
    print(f"{incident.id}: {incident.status} by {by}")
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    """Acknowledge an incident: it stops escalating."""
    return _act(args, "ack")


def cmd_resolve(args: argparse.Namespace) -> int:
    """Resolve an incident by hand: one resolution alert."""
    return _act(args, "resolve")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the monitor's commands to the ``jupyter promote`` parser."""

    def add(name: str, help: str, func: Any) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        parser.add_argument("--project-dir", help="project folder (default: current directory)")
        parser.set_defaults(func=func)
        return parser

    monitor = add("monitor", "watch the runs: incidents, SLA early warnings, alerts", cmd_monitor)
    monitor.add_argument(
        "--replay", metavar="TIMELINE.jsonl",
        help="replay a timeline offline and print the alerts the monitor would have sent",
    )  # fmt: skip
    monitor.add_argument("--json", action="store_true", help="--replay: one JSON line per alert")
    monitor.add_argument("--once", action="store_true", help="catch up, send what is due, and stop")
    incidents = add("incidents", "the monitor's incidents", cmd_incidents)
    incidents.add_argument("--open", action="store_true", help="only those not resolved")
    incidents.add_argument("--json", action="store_true", help="print them as JSON")
    for name, help, func in (
        ("ack", "acknowledge an incident (it stops escalating)", cmd_ack),
        ("resolve", "resolve an incident by hand", cmd_resolve),
    ):
        parser = add(name, help, func)
        parser.add_argument("incident", metavar="ID")
        parser.add_argument("--by", help="who (default: your user name)")
