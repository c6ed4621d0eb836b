"""IPython magics: ``%expect`` and ``%promote``. Thin: parse, call, render.

Load with ``%load_ext jupyter_promote``.

    %expect loans_clean: amount between 0 and 5_000_000
    %expect loans_clean: loan_id unique, not null
    %expect loans_clean: rows >= 1000 --severity warn
    %expect --suggest loans_clean        # checklist of proposals from the data
    %expect --list [VARIABLE]
    %expect --remove VARIABLE [INDEX]
    %expect --save [NOTEBOOK.ipynb]      # write expectations kept in the session
    %expect --step NAME VARIABLE: ...    # record under another step than the default

    %promote                             # form: settings, live schedule preview, "Promote"
    %promote --name loan-allocation --owner ana@bank.example --schedule "0 6 * * 1-5" ...
        # one line; also --team, --tz ZONE, --sla HH:MM, --tier critical|high|normal|low,
        # --consumer WHO, --reads DATA, --writes DATA (repeatable), --interval SECONDS,
        # --work-pool POOL, --notify EMAIL-OR-block:NAME, --clear SETTING (repeatable),
        # --no-dry-run, --project-dir DIR (default: the current directory)

``%promote`` promotes the notebook file as saved on disk (save it first); settings not given
are taken from the notebook's last promotion. Under JupyterLab (a kernel the extension marked)
the remembered form goes into the open notebook through the output, not into the file.
"""

from __future__ import annotations

import argparse
import os
import shlex
import threading
from typing import Any, NoReturn

from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand

from jupyter_promote.errors import PromoteError

# What the magics use is imported when they are first used: ``%load_ext`` stays instant.


@magics_class
class PromoteMagics(Magics):
    """The ``%expect`` and ``%promote`` magics."""

    @no_var_expand  # `{"A", "B"}` is a set literal here, not IPython's {variable} expansion
    @line_magic
    def expect(self, line: str) -> Any:
        """Check an expectation on a live DataFrame now and record it (see module doc)."""
        from jupyter_promote.frontends.ipython.display import show_error

        namespace = self.shell.user_ns if self.shell is not None else {}
        try:
            return self._expect(line.strip(), namespace)
        except PromoteError as exc:
            show_error(exc)
            return None

    def _expect(self, line: str, namespace: dict[str, Any]) -> Any:
        from jupyter_promote.frontends.ipython.display import show_recorded, show_removal
        from jupyter_promote.services.expect import SESSION, frontend_applies

        if not line:
            print(__doc__)
            return None
        write = not frontend_applies(namespace)
        if not line.startswith("--"):
            show_recorded(SESSION.expect(line, namespace, write=write))
            return None
        option, _, rest = line.partition(" ")
        args = shlex.split(rest)
        if option == "--step":
            step, _, expectation = rest.strip().partition(" ")
            show_recorded(SESSION.expect(expectation, namespace, step=step, write=write))
        elif option == "--suggest":
            from jupyter_promote.frontends.ipython.suggest_form import suggestion_form

            return suggestion_form(_one(args, "--suggest VARIABLE"), namespace)
        elif option == "--list":
            lines = SESSION.listing(namespace, args[0] if args else None)
            print("\n".join(lines) if lines else "no expectations recorded")
            if not write:
                print("(as saved on disk: save the notebook to list what you recorded since)")
        elif option == "--remove":
            index = _index(args[1:2])
            variable = _one(args[:1], "--remove VARIABLE [INDEX]")
            notebook = SESSION.find_notebook(namespace)
            if not write and notebook:
                show_removal(notebook, variable, index)
            else:
                print(f"removed {SESSION.remove(namespace, variable, index)} expectation(s)")
        elif option == "--save":
            count = SESSION.save(args[0] if args else None, namespace)
            print(f"saved {count} expectation(s) to {SESSION.find_notebook(namespace)}")
        elif option == "--notebook":
            print(f"notebook: {SESSION.set_notebook(_one(args, '--notebook PATH'))}")
        else:
            raise PromoteError(
                f"unknown option {option!r}",
                hint="use one of --suggest, --list, --remove, --save, --notebook, --step",
            )
        return None

    @no_var_expand  # a cron "*" or "{...}" is text here, not IPython's {variable} expansion
    @line_magic
    def promote(self, line: str) -> Any:
        """Promote this notebook to a scheduled Prefect deployment (see module doc)."""
        from jupyter_promote.frontends.ipython.display import show_error

        namespace = self.shell.user_ns if self.shell is not None else {}
        try:
            return self._promote(line.strip(), namespace)
        except PromoteError as exc:
            show_error(exc)
            return None

    def _promote(self, line: str, namespace: dict[str, Any]) -> Any:
        from IPython.display import display

        from jupyter_promote.config import load_config
        from jupyter_promote.frontends.ipython.display import result_bundle
        from jupyter_promote.frontends.ipython.promote_form import jupyter_identity, promotion_form
        from jupyter_promote.frontends.promote_options import given_settings
        from jupyter_promote.services.expect import SESSION, frontend_applies
        from jupyter_promote.services.promote import promote

        args = _parse_promote(line)
        if args is None:
            return None
        notebook = SESSION.find_notebook(namespace)
        if notebook is None:
            raise PromoteError(
                "this kernel does not know its notebook file, so there is nothing to promote",
                hint="run `%expect --notebook PATH.ipynb` to set it, then %promote again",
            )
        config = load_config(args.project_dir)
        in_lab = frontend_applies(namespace)  # then the open notebook keeps the form
        if not line:
            return promotion_form(notebook, config, in_lab=in_lab)
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
        result = promote(
            notebook,
            given_settings(args),
            config,
            dry_run=not args.no_dry_run,
            promoted_by=jupyter_identity(),
            remember_in_file=not in_lab,
            commit=args.commit,
        )
        display(result_bundle(result, notebook), raw=True)
        return None


class _Parser(argparse.ArgumentParser):
    """argparse that raises a PromoteError instead of exiting the kernel."""

    def error(self, message: str) -> NoReturn:
        raise PromoteError(f"%promote: {message}", hint="see %promote --help")


def _promote_parser() -> argparse.ArgumentParser:
    from jupyter_promote.frontends.promote_options import add_promote_options

    parser = _Parser(prog="%promote", description="Promote this notebook (as saved on disk).")
    add_promote_options(parser)
    return parser


def _parse_promote(line: str) -> argparse.Namespace | None:
    """The parsed options; None after ``--help`` (argparse printed it)."""
    try:
        return _promote_parser().parse_args(shlex.split(line))
    except ValueError as exc:  # shlex: unbalanced quotes
        raise PromoteError(f"%promote: {exc}", hint="close the quotes") from None
    except SystemExit:  # --help printed the usage
        return None


def _one(args: list[str], usage: str) -> str:
    if len(args) != 1:
        raise PromoteError(f"expected one argument: %expect {usage}", hint=f"%expect {usage}")
    return args[0]


def _index(args: list[str]) -> int | None:
    """The optional INDEX of ``--remove VARIABLE [INDEX]`` (0-based, as ``--list`` shows)."""
    if not args:
        return None
    if not args[0].isdigit():
        raise PromoteError(
            f"INDEX must be a number, not {args[0]!r}: %expect --remove VARIABLE [INDEX]",
            hint="see the numbers in %expect --list",
        )
    return int(args[0])


def load(ipython: Any) -> None:
    """Register the magics on an IPython shell and start importing Great Expectations in a
    background thread (the first ``%expect`` then waits only for what is left of it; set
    ``JUPYTER_PROMOTE_WARM=0`` to import it on first use instead)."""
    ipython.register_magics(PromoteMagics)
    if os.environ.get("JUPYTER_PROMOTE_WARM", "1") != "0":
        threading.Thread(target=_warm, name="jupyter-promote-gx-warm", daemon=True).start()


def _warm() -> None:
    from jupyter_promote.expectations.gx.warm import build

    build()
