"""What the magics and forms display: ``%expect`` outcomes (with the payload the JupyterLab
extension applies to the open notebook), errors as one red line, a promotion's outcome."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.display import display

from jupyter_promote.errors import PromoteError
from jupyter_promote.services.expect import METADATA_MIME, Recorded

if TYPE_CHECKING:
    from jupyter_promote.services.releases import PromoteResult

#: A ``%promote`` output under JupyterLab: the extension puts ``promotion`` (the form to
#: remember) into the open notebook's ``metadata.jupyter_promote.promotion``.
PROMOTION_MIME = "application/vnd.jupyter-promote.promotion+json"


def show_recorded(recorded: Recorded) -> None:
    """Display a ``%expect`` outcome: pass/fail with observed values, and where it was saved."""
    from jupyter_promote.expectations import gx as quality

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


def result_bundle(result: PromoteResult, notebook: str) -> dict[str, Any]:
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
        ("Concurrency", result.concurrency),
        ("Next runs", ", ".join(result.next_runs) or "none"),
        ("Release", result.release_dir),
        ("Promoted file", f"{notebook} as saved on disk at {saved} (unsaved edits are not in it)"),
    ]
    text = "\n".join([headline, *(f"{k}: {v}" for k, v in rows), f"Prefect UI: {result.ui_url}"])
    cells = "".join(f"<tr><th>{k}</th><td>{_escape(v)}</td></tr>" for k, v in rows)
    link = f'<a href="{_escape(result.ui_url)}" target="_blank">open in the Prefect UI</a>'
    html = f"<div><b>{_escape(headline)}</b><table>{cells}</table>{link}</div>"
    bundle: dict[str, Any] = {"text/plain": text, "text/html": html}
    if result.remember is not None:  # the open notebook in JupyterLab keeps the form
        bundle[PROMOTION_MIME] = {"notebook": notebook, "promotion": result.remember}
    return bundle


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
