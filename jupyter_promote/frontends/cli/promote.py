"""``jupyter promote promote`` and ``jupyter promote ls``: promotion from a terminal or CI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from jupyter_promote.frontends.promote_options import add_promote_options, given_settings


def cmd_promote(args: argparse.Namespace) -> int:
    """Check, dry-run, release and deploy a notebook; print version, deployment, next runs."""
    from jupyter_promote.config import load_config
    from jupyter_promote.frontends.cli.run import TerminalPromoteProgress
    from jupyter_promote.services import promote

    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    given = given_settings(args)
    config = load_config(args.project_dir)
    progress = None if args.json else TerminalPromoteProgress(sys.stderr)
    result = promote.promote(
        args.notebook,
        given,
        config,
        dry_run=not args.no_dry_run,
        progress=progress,
        commit=args.commit,
    )
    if args.json:
        print(json.dumps(result.model_dump(), indent=2))
        return 0
    if result.unchanged:
        print(f"{result.name}: release {result.version} is already deployed; nothing changed")
    else:
        print(f"Promoted {result.name}: release {result.version} (dry run {result.dry_run})")
    print(f"Deployment: {result.deployment} ({result.ui_url})")
    print(f"Schedule: {result.schedule}")
    print(f"Concurrency: {result.concurrency}")
    print("Next runs: " + ", ".join(result.next_runs) if result.next_runs else "Next runs: none")
    print(f"Release: {result.release_dir}\nRunbook: {result.runbook}")
    return 0


def cmd_ls(args: argparse.Namespace) -> int:
    """Promoted pipelines: owner, tier, schedule, version, last run, next run."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services.pipelines import list_pipelines, state_summary

    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    config = load_config(args.project_dir)
    listing = list_pipelines(config, owner=args.owner, team=args.team, tier=args.tier)
    if args.json:
        print(listing.model_dump_json(indent=2))
        return 0
    if not listing.pipelines:
        print(f"no promoted pipelines under {config.pipelines_path}", file=sys.stderr)
        return 0
    print(
        f"{'name':<22} {'owner':<22} {'tier':<8} {'effective':<9} {'schedule':<34}"
        f" {'version':<12} {'last run':<26} next run"
    )
    for row in listing.pipelines:
        texts = state_summary(row)
        version = row.version if row.deployed else f"{row.version}!"
        print(
            f"{row.name:<22} {row.owner:<22} {row.tier:<8} {row.effective_tier or '?':<9}"
            f" {row.schedule[:34]:<34} {version:<12} {texts['last']:<26} {texts['next']}"
            f" {texts['paused']}".rstrip()
        )
    if any(not row.deployed for row in listing.pipelines):
        print("! = release written but not deployed: promote again to finish", file=sys.stderr)
    if listing.prefect_error:
        print(f"run details unknown: {listing.prefect_error}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``promote`` and ``ls`` to the ``jupyter promote`` parser."""
    promote = sub.add_parser(
        "promote",
        help="promote a notebook to a scheduled Prefect deployment with an owner",
        description="Check, dry-run in a fresh kernel, scan for secrets, write an immutable"
        " release under the pipelines folder and create or move the Prefect deployment."
        " Settings not given are taken from the notebook's last promotion.",
    )
    promote.add_argument("notebook", metavar="NOTEBOOK")
    add_promote_options(promote)
    promote.add_argument("--json", action="store_true", help="print the result as JSON")
    promote.set_defaults(func=cmd_promote)

    ls = sub.add_parser("ls", help="list promoted pipelines")
    ls.add_argument("--json", action="store_true", help="print the manifests as JSON")
    ls.add_argument("--owner", help="only this owner's pipelines (as promoted: id or e-mail)")
    ls.add_argument("--team", help="only this team's pipelines")
    ls.add_argument("--tier", help="only pipelines of this effective tier")
    ls.add_argument("--project-dir", help="project folder (default: current directory)")
    ls.set_defaults(func=cmd_ls)


def cmd_rollback(args: argparse.Namespace) -> int:
    """Move the deployment back to an earlier release."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services import releases

    result = releases.rollback(args.name, load_config(args.project_dir), args.version)
    print(f"{result.name}: deployment now runs release {result.version} ({result.ui_url})")
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    """Pause or resume the pipeline's schedule."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services import pipelines

    pipelines.set_paused(args.name, load_config(args.project_dir), args.command == "pause")
    print(f"{args.name}: schedule {'paused' if args.command == 'pause' else 'resumed'}")
    return 0


def cmd_trigger(args: argparse.Namespace) -> int:
    """Start a run of the deployment now."""
    from jupyter_promote.config import load_config
    from jupyter_promote.execution.inputs import parse_assignments
    from jupyter_promote.services import pipelines

    values = {k: _json_or_text(v) for k, v in parse_assignments(args.param or []).items()}
    run = pipelines.trigger(args.name, load_config(args.project_dir), values)
    print(f"{args.name}: started flow run {run.id} ({run.url})")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """One run per value of a parameter, a few at a time, each reported as it ends."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services.backfill import BackfillRun, backfill

    def report(done: int, total: int, run: BackfillRun) -> None:
        print(
            f"[{done}/{total}] {args.param}={run.value}  {run.state:<9} {run.seconds:5.1f} s"
            f"  {run.url}",
            flush=True,
        )

    print(f"backfill {args.name}: {args.param} from {args.start} to {args.end}", flush=True)
    try:
        runs = backfill(
            args.name, load_config(args.project_dir), args.param, args.start, args.end,
            every=args.every, max_concurrent=args.max_concurrent, report=report,
            notice=lambda text: print(f"note: {text}", flush=True),
        )  # fmt: skip
    except KeyboardInterrupt:
        print("interrupted: no new runs are started; runs already started keep going (see"
              " the Prefect UI or `jupyter promote show NAME`)", file=sys.stderr)  # fmt: skip
        return 130
    failed = [r for r in runs if r.state != "COMPLETED"]
    print(f"{len(runs) - len(failed)} of {len(runs)} runs completed")
    for run in failed:
        print(f"  {args.param}={run.value}: {run.state}  {run.url}", file=sys.stderr)
    return 1 if failed else 0


def cmd_wait(args: argparse.Namespace) -> int:
    """Wait for the pipeline's next run to finish; print its state, link and quality report."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services.watch import wait_for_run

    print(f"waiting for the next run of {args.name} (up to {args.timeout:.0f} s)...", flush=True)
    run = wait_for_run(args.name, load_config(args.project_dir), args.timeout)
    took = f" in {run.seconds:.1f} s" if run.seconds is not None else ""
    print(f"{run.name}: {run.state}{took}" + (f" ({run.message})" if run.message else ""))
    print(f"Prefect UI: {run.url}")
    if run.quality_summary:
        print("\n" + run.quality_summary.strip())
    if run.quality:
        print("\n" + run.quality_table())
    return 0 if run.state == "COMPLETED" else 1


def _json_or_text(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def register_manage(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rollback``, ``pause``, ``resume`` and ``trigger``."""
    rollback = sub.add_parser("rollback", help="move a deployment back to an earlier release")
    rollback.add_argument("name")
    rollback.add_argument("version", nargs="?", help="release version (default: the previous)")
    rollback.set_defaults(func=cmd_rollback)
    for verb, text in (
        ("pause", "pause a pipeline's schedule and drop the runs it already scheduled"),
        ("resume", "resume it"),
    ):
        parser = sub.add_parser(verb, help=text)
        parser.add_argument("name")
        parser.set_defaults(func=cmd_pause)
    trigger = sub.add_parser("trigger", help="run a promoted pipeline now")
    trigger.add_argument("name")
    trigger.add_argument("-p", "--param", action="append", metavar="NAME=VALUE")
    trigger.set_defaults(func=cmd_trigger)
    fill = sub.add_parser("backfill", help="run a promoted pipeline once per parameter value")
    fill.add_argument("name")
    fill.add_argument("--param", required=True, help="parameter to vary (a date or an int)")
    fill.add_argument("--from", dest="start", required=True, help="first value (2026-10-01)")
    fill.add_argument("--to", dest="end", required=True, help="last value, inclusive")
    fill.add_argument("--every", type=int, default=1, help="step between values (days)")
    fill.add_argument(
        "--max-concurrent",
        type=int,
        default=3,
        help="runs unfinished at once (default 3; never more than the pipeline's concurrency)",
    )
    fill.set_defaults(func=cmd_backfill)
    wait = sub.add_parser("wait", help="wait for a pipeline's next run; print its DQ report")
    wait.add_argument("name")
    wait.add_argument("--timeout", type=float, default=300.0, help="seconds (default 300)")
    wait.set_defaults(func=cmd_wait)
    for parser in (rollback, trigger, fill, wait, *(sub.choices[v] for v in ("pause", "resume"))):
        parser.add_argument("--project-dir", help="project folder (default: current directory)")


def cmd_show(args: argparse.Namespace) -> int:
    """Manifest, releases and recent runs of one pipeline."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services import releases

    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    found = releases.show(args.name, load_config(args.project_dir))
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    m = found["manifest"]
    keys = ("name", "version", "owner", "team", "tier", "effective_tier", "schedule",
            "interval_seconds", "timezone", "sla", "concurrency", "consumers", "work_pool",
            "dry_run", "deployed")  # fmt: skip
    for key in keys:
        print(f"{key + ':':<18} {_shown(found, key)}")
    lineage = m.get("lineage") or {}
    for direction in ("reads", "writes"):
        uses = lineage.get(direction) or []
        print(f"{direction}:" + ("" if uses else " -"))
        for use in uses:
            print(f"    {use['key']}  ({use['origin']})")
    for label, names in (
        ("upstream", found.get("upstream")),
        ("downstream", found.get("downstream")),
    ):
        print(f"{label}: {', '.join(names) if names else '-'}")
    events = found.get("events") or []
    print("history:" + ("" if events else " -"))
    for e in events:
        until = f" until {e['until'][:10]}" if e.get("until") else ""
        print(f"    {e['at'][:19]}  {e['kind']:<15} {e['detail']}{until}  {e['actor']}".rstrip())
    print("releases:")
    for r in found["releases"]:
        mark = "*" if r["current"] else " "
        print(f"  {mark} {r['version']}  {r['promoted_at']}  by {r['promoted_by']}")
    runs = found["recent_runs"]
    print("recent runs:" + (f" {runs}" if isinstance(runs, str) else ""))
    for r in runs if isinstance(runs, list) else []:
        print(f"    {r['expected_start']}  {r['state']:<10} {r['flow_run']}  {r['message']}")
    return 0


def _shown(found: dict[str, Any], key: str) -> Any:
    """A ``show`` line's value: the manifest's, else the catalog's effective tier, or the
    concurrency in words."""
    from jupyter_promote.release.concurrency import describe_concurrency

    m = found["manifest"]
    if key == "effective_tier":
        return found.get("effective_tier")
    if key == "concurrency":
        return describe_concurrency(m.get("concurrency", 1), m.get("on_collision", "enqueue"))
    return m.get(key)


def register_show(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``show``."""
    show = sub.add_parser("show", help="a promoted pipeline: manifest, releases, recent runs")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.add_argument("--project-dir", help="project folder (default: current directory)")
    show.set_defaults(func=cmd_show)
