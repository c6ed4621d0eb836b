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
        # --work-pool POOL, --notify EMAIL-OR-block:NAME,
        # --no-dry-run, --project-dir DIR (default: the current directory)

``%promote`` promotes the notebook file as saved on disk (save it first); settings not given
are taken from the notebook's last promotion.
"""

from __future__ import annotations

import argparse
import os
import shlex
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from IPython.display import display

from jupyter_promote.errors import PromoteError
from jupyter_promote.expect_api import METADATA_MIME, SESSION, Recorded, frontend_applies
from jupyter_promote.promote_options import add_promote_options, given_settings

if TYPE_CHECKING:
    from jupyter_promote.releases import PromoteResult


def show_recorded(recorded: Recorded) -> None:
    """Display a ``%expect`` outcome: pass/fail with observed values, and where it was saved."""
    from jupyter_promote import quality

    if recorded.saved:
        where = f"recorded under step {recorded.step!r} in {recorded.notebook}"
    elif recorded.for_open_notebook:
        where = f"recorded under step {recorded.step!r} in the open notebook: save it to keep it"
    else:
        where = recorded.note
    text = quality.render_text(recorded.results) + f"\n{where}"
    html = quality.render_html(recorded.results) + f"<div><small>{_escape(where)}</small></div>"
    bundle: dict[str, Any] = {"text/plain": text, "text/html": html}
    if recorded.saved or recorded.for_open_notebook:
        bundle[METADATA_MIME] = {
            "written": recorded.saved,  # False: the frontend's open notebook takes the change
            "notebook": recorded.notebook,
            "step": recorded.step,
            "variable": recorded.variable,
            "expectations": [c.model_dump(mode="json") for c in recorded.configs],
            "results": [r.to_dict() for r in recorded.results],  # the panel's "last result"
        }
    display(bundle, raw=True)


def show_removal(notebook: str, variable: str, index: int | None) -> None:
    """``%expect --remove`` under JupyterLab: the open notebook (which may hold expectations not
    saved yet) takes the removal from this output, the file is left alone."""
    what = "every expectation" if index is None else f"expectation #{index}"
    text = f"removing {what} of {variable!r} from the open notebook: save it to keep the change"
    payload = {
        "written": False,
        "op": "remove",
        "notebook": notebook,
        "step": None,  # the open notebook knows which step records the variable
        "variable": variable,
        "index": index,
        "expectations": [],
    }
    display({"text/plain": text, METADATA_MIME: payload}, raw=True)


def show_error(exc: PromoteError) -> None:
    """Show a PromoteError as one readable line (no traceback), in red in HTML."""
    display(error_bundle(exc), raw=True)


def error_bundle(exc: PromoteError) -> dict[str, str]:
    """A PromoteError as a text + HTML display bundle."""
    text = f"error: {exc.render()}"
    return {"text/plain": text, "text/html": f'<pre style="color:#b00020">{_escape(text)}</pre>'}


def result_bundle(result: PromoteResult, notebook: str) -> dict[str, str]:
    """A promotion's outcome as a text + HTML display bundle: version, deployment, schedule,
    next runs, the Prefect UI link, and which file (as saved on disk) was promoted."""
    saved = datetime.fromtimestamp(Path(notebook).stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
    headline = (
        f"{result.name}: release {result.version} is already deployed; nothing changed"
        if result.unchanged
        else f"Promoted {result.name}: release {result.version} (dry run {result.dry_run})"
    )
    rows = [
        ("Deployment", result.deployment),
        ("Schedule", result.schedule),
        ("Next runs", ", ".join(result.next_runs) or "none"),
        ("Release", result.release_dir),
        ("Promoted file", f"{notebook} as saved on disk at {saved} (unsaved edits are not in it)"),
    ]
    text = "\n".join([headline, *(f"{k}: {v}" for k, v in rows), f"Prefect UI: {result.ui_url}"])
    cells = "".join(f"<tr><th>{k}</th><td>{_escape(v)}</td></tr>" for k, v in rows)
    link = f'<a href="{_escape(result.ui_url)}" target="_blank">open in the Prefect UI</a>'
    html = f"<div><b>{_escape(headline)}</b><table>{cells}</table>{link}</div>"
    return {"text/plain": text, "text/html": html}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@magics_class
class PromoteMagics(Magics):
    """The ``%expect`` and ``%promote`` magics."""

    @no_var_expand  # `{"A", "B"}` is a set literal here, not IPython's {variable} expansion
    @line_magic
    def expect(self, line: str) -> Any:
        """Check an expectation on a live DataFrame now and record it (see module doc)."""
        namespace = self.shell.user_ns if self.shell is not None else {}
        try:
            return self._expect(line.strip(), namespace)
        except PromoteError as exc:
            show_error(exc)
            return None

    def _expect(self, line: str, namespace: dict[str, Any]) -> Any:
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
            from jupyter_promote.widgets import suggestion_form

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
        namespace = self.shell.user_ns if self.shell is not None else {}
        try:
            return self._promote(line.strip(), namespace)
        except PromoteError as exc:
            show_error(exc)
            return None

    def _promote(self, line: str, namespace: dict[str, Any]) -> Any:
        from jupyter_promote import promote as service
        from jupyter_promote.config import load_config
        from jupyter_promote.promote_form import jupyter_identity, promotion_form

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
        if not line:
            return promotion_form(notebook, config)
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
        result = service.promote(
            notebook,
            given_settings(args),
            config,
            dry_run=not args.no_dry_run,
            promoted_by=jupyter_identity(),
        )
        display(result_bundle(result, notebook), raw=True)
        return None


class _Parser(argparse.ArgumentParser):
    """argparse that raises a PromoteError instead of exiting the kernel."""

    def error(self, message: str) -> NoReturn:
        raise PromoteError(f"%promote: {message}", hint="see %promote --help")


def _promote_parser() -> argparse.ArgumentParser:
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
    """Register the magics on an IPython shell."""
    ipython.register_magics(PromoteMagics)
