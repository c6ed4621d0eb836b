"""``jupyter promote ...``: the command line, for terminals and CI.

Each subcommand parses its arguments, calls :mod:`jupyter_promote.service` and renders the
result. Exit codes: 0 success, 1 a problem the output explains, 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from jupyter_promote._version import __version__
from jupyter_promote.errors import PromoteError


def _cmd_check(args: argparse.Namespace) -> int:
    from jupyter_promote import service
    from jupyter_promote.core.render import render_spec

    status = 0
    documents = []
    for path in args.notebooks:
        try:
            spec = service.check(path)
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
    check.set_defaults(func=_cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jupyter-promote`` console script."""
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
