"""The fleet from a terminal: ``lineage``, ``impact``, ``transfer``, ``orphans``, ``stale``,
``claim``, ``record-read`` and ``catalog sync``. Each parses, calls a service, renders."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _config(args: argparse.Namespace) -> Any:
    from jupyter_promote.config import load_config

    return load_config(args.project_dir)


def cmd_lineage(args: argparse.Namespace) -> int:
    """The graph of every pipeline and dataset: text, JSON or a self-contained HTML picture."""
    from jupyter_promote.fleet.graph import FleetGraph
    from jupyter_promote.fleet.render import lineage_html, lineage_text
    from jupyter_promote.services.fleet import open_catalog

    config = _config(args)
    catalog = open_catalog(config)
    if args.json:  # assembled by the database: fast for a fleet of any size
        for piece in catalog.lineage_json_text():
            sys.stdout.write(piece)
    if args.html or not args.json:
        graph = FleetGraph.build(catalog.fleet())
        if args.html:
            title = f"Lineage of {config.project_path.name}"
            Path(args.html).write_text(lineage_html(graph, title), encoding="utf-8")
            print(f"wrote {args.html}", file=sys.stderr)
        else:
            print(lineage_text(graph))
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    """Everything downstream of a pipeline or dataset, with owners and effective tier."""
    from jupyter_promote.services.fleet import impact

    report = impact(_config(args), args.target)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return 0
    own = f", owner {report.owner}, tier {report.tier}" if report.kind == "pipeline" else ""
    print(f"{report.kind} {report.start}{own}: effective tier {report.effective_tier}")
    if not report.pipelines:
        print("nothing downstream")
    for p in report.pipelines:
        print(
            f"  {'  ' * (p.depth - 1)}{p.name}  (owner {p.owner}, tier {p.tier}, effective"
            f" {p.effective_tier}; reads {p.via})"
        )
    if report.datasets:
        print("datasets: " + ", ".join(report.datasets))
    if report.consumers:
        print("consumers: " + ", ".join(f"{c} (via {p})" for c, p in report.consumers))
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    """Hand pipelines to another member of the roster."""
    from jupyter_promote.services.owners import transfer

    results = transfer(_config(args), args.from_owner, args.to_owner, pipeline=args.pipeline)
    if args.json:
        print(json.dumps([r.model_dump() for r in results], indent=2))
        return 0
    for r in results:
        print(f"{r.name}: now owned by {args.to_owner}; release {r.version} deployed ({r.ui_url})")
    return 0


def cmd_orphans(args: argparse.Namespace) -> int:
    """Pipelines whose owner is not on the roster."""
    from jupyter_promote.services.owners import orphans

    found = orphans(_config(args))
    if args.json:
        print(json.dumps([vars(o) for o in found], indent=2))
        return 0
    if not found:
        print("no orphans: every owner is on the roster")
    for o in found:
        print(
            f"{o.name:<28} owner {o.owner:<24} team {o.team or '-':<18}"
            f" effective {o.effective_tier}"
        )
    return 0


def cmd_stale(args: argparse.Namespace) -> int:
    """Pipelines nobody uses; optionally tell owners and pause the unclaimed."""
    from jupyter_promote.services.retire import run_stale

    report = run_stale(
        _config(args), days=args.days, notify=args.notify, pause_after=args.pause_after
    )
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
        return 0
    if not report.entries:
        print(
            f"nothing stale: every pipeline is used (outputs read in the last {report.days} days)"
        )
    for e in report.entries:
        told = f"; notified {e.notified_at:%Y-%m-%d}" if e.notified_at else ""
        print(f"{e.pipeline:<28} owner {e.owner:<24} {e.reason}{told}")
    for name, deliveries in report.notified:
        print(f"notified {name}: " + "; ".join(deliveries))
    for name in report.paused:
        print(f"paused {name} (claim it and `jupyter promote resume {name}` to bring it back)")
    for name, error in report.failed:
        print(f"could not pause {name}: {error}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_claim(args: argparse.Namespace) -> int:
    from jupyter_promote.services.retire import claim

    until = claim(_config(args), args.name, days=args.days)
    print(f"{args.name}: claimed until {until:%Y-%m-%d}; `stale` leaves it alone until then")
    return 0


def cmd_record_read(args: argparse.Namespace) -> int:
    from jupyter_promote.services.reads import record_read

    key = record_read(args.dataset, by=args.by, config=_config(args))
    print(f"recorded a read of {key}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from jupyter_promote.services.fleet import sync

    report = sync(_config(args))
    summary = {
        "added": report.added,
        "updated": report.updated,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "effective_tiers_changed": {k: list(v) for k, v in report.tiers_changed.items()},
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(
        f"catalog: {len(report.added)} added, {len(report.updated)} updated,"
        f" {len(report.removed)} removed, {report.unchanged} unchanged"
    )
    for name, (old, new) in report.tiers_changed.items():
        print(f"  {name}: effective tier {old} -> {new}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the fleet commands to the ``jupyter promote`` parser."""

    def add(name: str, help: str, func: Any, json_flag: bool = True) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        parser.add_argument("--project-dir", help="project folder (default: current directory)")
        if json_flag:
            parser.add_argument("--json", action="store_true", help="print it as JSON")
        parser.set_defaults(func=func)
        return parser

    lineage = add("lineage", "the graph of all pipelines and datasets", cmd_lineage)
    lineage.add_argument("--html", metavar="FILE", help="also write a self-contained picture")
    impact = add("impact", "everything downstream of a pipeline or dataset", cmd_impact)
    impact.add_argument("target", metavar="NAME|DATASET")
    transfer = add("transfer", "hand pipelines over to another member of the roster",
                   cmd_transfer)  # fmt: skip
    transfer.add_argument("--from", dest="from_owner", required=True, metavar="OWNER")
    transfer.add_argument("--to", dest="to_owner", required=True, metavar="MEMBER")
    transfer.add_argument("--pipeline", metavar="NAME", help="only this pipeline")
    add("orphans", "pipelines whose owner is not on the roster", cmd_orphans)
    stale = add("stale", "pipelines nobody uses", cmd_stale)
    stale.add_argument("--days", type=int, help="unread for this many days (default 30)")
    stale.add_argument("--notify", action="store_true", help="tell the owners (once)")
    stale.add_argument(
        "--pause-after", type=int, metavar="DAYS",
        help="pause (never delete) what is still unclaimed DAYS after the notice",
    )  # fmt: skip
    claim = add("claim", "keep a pipeline out of `stale`", cmd_claim, json_flag=False)
    claim.add_argument("name")
    claim.add_argument("--days", type=int, default=180, help="for how long (default 180)")
    read = add("record-read", "record that something read a dataset", cmd_record_read, False)
    read.add_argument("dataset")
    read.add_argument("--by", default=None, help="who read it (default: the user name)")
    catalog = sub.add_parser("catalog", help="the fleet catalog")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", metavar="COMMAND", required=True)
    sync = catalog_sub.add_parser("sync", help="index what changed in the release files")
    sync.add_argument("--project-dir", help="project folder (default: current directory)")
    sync.add_argument("--json", action="store_true", help="print it as JSON")
    sync.set_defaults(func=cmd_sync)
