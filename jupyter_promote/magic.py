"""IPython magics: ``%expect`` (and, later, ``%promote``). Thin: parse, call, render.

Load with ``%load_ext jupyter_promote``.

    %expect loans_clean: amount between 0 and 5_000_000
    %expect loans_clean: loan_id unique, not null
    %expect loans_clean: rows >= 1000 --severity warn
    %expect --suggest loans_clean        # checklist of proposals from the data
    %expect --list [VARIABLE]
    %expect --remove VARIABLE [INDEX]
    %expect --save [NOTEBOOK.ipynb]      # write expectations kept in the session
    %expect --step NAME VARIABLE: ...    # record under another step than the default
"""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class, no_var_expand
from IPython.display import display

from jupyter_promote.errors import PromoteError
from jupyter_promote.expect_api import METADATA_MIME, SESSION, Recorded


def show_recorded(recorded: Recorded) -> None:
    """Display a ``%expect`` outcome: pass/fail with observed values, and where it was saved."""
    from jupyter_promote import quality

    where = (
        f"recorded under step {recorded.step!r} in {recorded.notebook}"
        if recorded.saved
        else recorded.note
    )
    text = quality.render_text(recorded.results) + f"\n{where}"
    html = quality.render_html(recorded.results) + f"<div><small>{_escape(where)}</small></div>"
    bundle: dict[str, Any] = {"text/plain": text, "text/html": html}
    if recorded.saved:
        bundle[METADATA_MIME] = {
            "notebook": recorded.notebook,
            "step": recorded.step,
            "variable": recorded.variable,
            "expectations": [c.model_dump(mode="json") for c in recorded.configs],
        }
    display(bundle, raw=True)


def show_error(exc: PromoteError) -> None:
    """Show a PromoteError as one readable line (no traceback), in red in HTML."""
    text = f"error: {exc.render()}"
    display(
        {
            "text/plain": text,
            "text/html": f'<pre style="color:#b00020">{_escape(text)}</pre>',
        },
        raw=True,
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@magics_class
class PromoteMagics(Magics):
    """The ``%expect`` magic."""

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
        if not line.startswith("--"):
            show_recorded(SESSION.expect(line, namespace))
            return None
        option, _, rest = line.partition(" ")
        args = shlex.split(rest)
        if option == "--step":
            step, _, expectation = rest.strip().partition(" ")
            show_recorded(SESSION.expect(expectation, namespace, step=step))
        elif option == "--suggest":
            from jupyter_promote.widgets import suggestion_form

            return suggestion_form(_one(args, "--suggest VARIABLE"), namespace)
        elif option == "--list":
            lines = SESSION.listing(namespace, args[0] if args else None)
            print("\n".join(lines) if lines else "no expectations recorded")
        elif option == "--remove":
            index = int(args[1]) if len(args) > 1 else None
            removed = SESSION.remove(namespace, _one(args[:1], "--remove VARIABLE [INDEX]"), index)
            print(f"removed {removed} expectation(s)")
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


def _one(args: list[str], usage: str) -> str:
    if len(args) != 1:
        raise PromoteError(f"expected one argument: %expect {usage}", hint=f"%expect {usage}")
    return args[0]


def load(ipython: Any) -> None:
    """Register the magics on an IPython shell."""
    ipython.register_magics(PromoteMagics)
