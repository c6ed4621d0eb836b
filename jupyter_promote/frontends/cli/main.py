"""``jupyter promote ...``: the command line, for terminals and CI.

Each subcommand parses its arguments, calls a service (:mod:`jupyter_promote.services`)
and renders the result. Exit codes:
0 success, 1 a problem the output explains, 2 a usage error, 3 ``status``: the stack is not running.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from jupyter_promote._startup import skip_unused_optional_imports
from jupyter_promote._version import __version__
from jupyter_promote.errors import PromoteError
from jupyter_promote.frontends.cli import fleet as cli_fleet
from jupyter_promote.frontends.cli import monitor as cli_monitor
from jupyter_promote.frontends.cli import promote as cli_promote
from jupyter_promote.frontends.cli import run as cli_run


def _cmd_check(args: argparse.Namespace) -> int:
    if args.execute:
        return cli_run.cmd_check_execute(args)
    from jupyter_promote.analysis.render import render_spec
    from jupyter_promote.services.check import check

    status = 0
    documents = []
    for path in args.notebooks:
        try:
            spec = check(path)
        except PromoteError as exc:
            status = 1
            if args.json:
                documents.append({"notebook": path, **exc.to_dict()})
            else:
                print(f"error: {exc.render()}", file=sys.stderr)
            continue
        status = status or (0 if spec.ok else 1)
        if args.json:
            documents.append(spec.model_dump(mode="json"))
        else:
            print(render_spec(spec))
    if args.json:
        print(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    return status


def _cmd_tag(args: argparse.Namespace) -> int:
    from jupyter_promote.services.tagging import tag_from_headings

    applied = tag_from_headings(args.notebook, write=not args.dry_run)
    if not applied:
        print(
            f"{args.notebook}: nothing to tag (it has step tags already, or its headings do not"
            " suggest two or more steps)"
        )
        return 0
    verb = "would tag" if args.dry_run else "tagged"
    for step in applied:
        print(f"{verb} cell {step.cell_index + 1}: {step.tag}  (heading {step.heading!r})")
    if not args.dry_run:
        print(f"check it with: jupyter promote check {args.notebook}")
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    from jupyter_promote.config import load_config
    from jupyter_promote.services import stack

    config = load_config(args.project_dir)
    if args.database is not None:
        config.database_url = args.database
    state, already = stack.up(config, worker=not args.no_worker, monitor=not args.no_monitor)
    if already:
        since = state.since.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
        print(f"Prefect server already running since {since}")
    print(f"Prefect server: {state.ui_url} (UI)")
    print(f"API URL: {state.api_url}")
    print(f"Database: {stack.describe_database(state)}")
    if state.worker_pid:
        print(f"Worker pool: {state.work_pool} (worker pid {state.worker_pid})")
    if state.run_limit:
        print(
            f"Runs at once: at most {state.run_limit} (SQLite: more queue instead of locking the"
            " database; `up --database postgresql://…` for a team)"
        )
    if state.monitor_pid:
        print(f"Monitor: pid {state.monitor_pid} (incidents: `jupyter promote incidents`)")
    print(f"Logs: {Path(state.server_log).parent}")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    from jupyter_promote.config import load_config
    from jupyter_promote.services import stack

    for line in stack.down(load_config(args.project_dir)):
        print(line)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from jupyter_promote.config import load_config
    from jupyter_promote.services import stack

    found = stack.status(load_config(args.project_dir))
    print(stack.render_status(found))
    return 0 if found.running else 3


def _add_project_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project-dir",
        metavar="DIR",
        help="the project folder whose stack to use (default: the current directory)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``jupyter promote``."""
    parser = argparse.ArgumentParser(
        prog="jupyter promote",
        description="Turn a tagged notebook into a checked, scheduled, quality-gated pipeline.",
    )
    parser.add_argument("--version", action="version", version=f"jupyter-promote {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = sub.add_parser(
        "check",
        help="statically check notebooks and print their pipelines",
        description="Read the tags of each notebook, infer step dependencies and report problems."
        " Exit code 1 when any notebook has an error.",
    )
    check.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="an .ipynb file")
    check.add_argument("--json", action="store_true", help="print the spec as JSON")
    check.add_argument(
        "--execute",
        action="store_true",
        help="also run the whole pipeline in a fresh kernel with default parameters (offline"
        " dry run: finds steps that only worked thanks to hidden kernel state)",
    )
    cli_run.add_run_options(check)
    _add_project_dir(check)
    check.set_defaults(func=_cmd_check)

    tag = sub.add_parser(
        "tag",
        help="tag a notebook's steps from its markdown headings",
        description="Add the step:NAME tags its section headings (## Load, ## Clean, ...)"
        " suggest to a notebook that has no step tags yet; the file is rewritten in place.",
    )
    tag.add_argument("notebook", metavar="NOTEBOOK", help="an .ipynb file")
    tag.add_argument(
        "--from-headings", action="store_true", required=True, help="tag from the headings"
    )
    tag.add_argument("--dry-run", action="store_true", help="print the tags, change nothing")
    tag.set_defaults(func=_cmd_tag)
    cli_run.register(sub)
    cli_promote.register(sub)
    cli_promote.register_manage(sub)
    cli_promote.register_show(sub)
    cli_fleet.register(sub)
    cli_monitor.register(sub)

    up = sub.add_parser(
        "up",
        help="start the local Prefect server and worker",
        description="Start a Prefect server on 127.0.0.1 (SQLite under the project's state folder,"
        " or a team's PostgreSQL with --database) and a process worker for the work pool,"
        " unless they already run.",
    )
    _add_project_dir(up)
    up.add_argument(
        "--database",
        metavar="URL",
        help="run the server on this PostgreSQL database (postgresql://USER@HOST:5432/NAME,"
        " password in PGPASSWORD), the fleet catalog too; default: c.PromoteConfig.database_url,"
        " else SQLite in the state folder",
    )
    up.add_argument("--no-worker", action="store_true", help="do not start a worker")
    up.add_argument("--no-monitor", action="store_true", help="do not start the monitor")
    up.set_defaults(func=_cmd_up)

    down = sub.add_parser(
        "down",
        help="stop the local Prefect server and worker",
        description="Stop the worker, then the server, started by `jupyter promote up`.",
    )
    _add_project_dir(down)
    down.set_defaults(func=_cmd_down)

    status = sub.add_parser(
        "status",
        help="tell whether the local Prefect stack runs",
        description="Print the local Prefect stack's URLs, pids and logs."
        " Exit code 0 when it runs, 3 when it does not.",
    )
    _add_project_dir(status)
    status.set_defaults(func=_cmd_status)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jupyter-promote`` console script."""
    skip_unused_optional_imports()
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PromoteError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
