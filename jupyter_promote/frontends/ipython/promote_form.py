"""The ``%promote`` form: promotion settings as ipywidgets, with a live schedule preview.

Prefilled from the notebook's last promotion (else the Jupyter user as owner, the file name as
pipeline name, UTC); every change re-validates the fields and previews the schedule and its
next runs; "Promote" calls the promotion service and writes the result into the form.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError
from jupyter_promote.release.concurrency import COLLISIONS
from jupyter_promote.release.settings import TIERS

_TEXT_FIELDS = (  # field name, label, placeholder
    ("name", "Name", "lowercase-with-dashes"),
    ("owner", "Owner", "you@example.com"),
    ("team", "Team", ""),
    ("schedule", "Schedule", "cron, e.g. 0 6 * * 1-5"),
    ("timezone", "Timezone", "e.g. Europe/London"),
    ("sla", "SLA", "HH:MM"),
    ("consumers", "Consumers", "comma-separated"),
    ("work_pool", "Work pool", ""),
    ("notify", "Notify", "e-mail or block:NAME"),
)


def jupyter_identity() -> str:
    """Who is at the keyboard: the JupyterHub user, else the operating-system user."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def initial_values(notebook: str, config: PromoteConfig) -> dict[str, Any]:
    """The form's starting values: the notebook's last promotion, else sensible defaults.

    Raises:
        MetadataError / NewerMetadataError: the saved promotion cannot be read.
    """
    from jupyter_promote.services.promote import form_defaults

    values, _source = form_defaults(notebook, config, jupyter_identity())
    values["consumers"] = ", ".join(values.get("consumers", []))
    return values


def form_values(fields: dict[str, widgets.Widget]) -> dict[str, Any]:
    """The settings typed into ``fields``: an emptied box clears its setting (no schedule:
    runs only when triggered), an empty timezone or work pool takes the default."""
    values: dict[str, Any] = {
        name: box.value.strip() if isinstance(box.value, str) else box.value
        for name, box in fields.items()
    }
    values["consumers"] = [c.strip() for c in values["consumers"].split(",") if c.strip()]
    for name in ("schedule", "sla", "team", "notify"):
        values[name] = values[name] or None
    return {k: v for k, v in values.items() if v != "" or k in ("name", "owner")}


def preview_text(values: dict[str, Any], notebook: str | None = None) -> str:
    """The schedule in words and the next 3 runs, or every problem with the settings, exactly
    as the promotion will merge them with the notebook's remembered form."""
    from jupyter_promote.services.promote import preview

    answer = preview(values, notebook)
    if answer.settings is None:
        return " | ".join(answer.problems)
    runs = ", ".join(t.strftime("%a %Y-%m-%d %H:%M %Z") for t in answer.next_runs)
    return (answer.schedule or "") + (f"; next runs: {runs}" if runs else "")


def promotion_form(notebook: str, config: PromoteConfig, in_lab: bool = False) -> widgets.VBox:
    """The promotion settings of ``notebook`` as a form with a "Promote" button.

    Args:
        notebook: Path of the notebook file (what is on disk gets promoted).
        config: Where releases go and which Prefect is used.
        in_lab: The JupyterLab extension keeps the remembered form in the open notebook
            (the file is left alone).

    Returns:
        The form. ``form.fields`` (name -> widget), ``form.preview``, ``form.dry_run``,
        ``form.promote_button`` and ``form.output`` are exposed for programmatic use and tests.

    Example:
        >>> form = promotion_form("loans.ipynb", load_config())  # doctest: +SKIP
        >>> form.fields["schedule"].value = "0 6 * * 1-5"  # doctest: +SKIP
    """
    start = initial_values(notebook, config)
    fields = _fields(start)
    preview = widgets.Label(layout=widgets.Layout(width="auto"))
    dry_run = widgets.Checkbox(value=True, description="dry run in a fresh kernel first")
    button = widgets.Button(description="Promote", button_style="primary", icon="rocket")
    output = widgets.Output()

    def refresh(_: Any = None) -> None:
        preview.value = preview_text(form_values(fields), notebook)

    def on_promote(_: Any) -> None:
        button.disabled = True
        _show(output, {"text/plain": f"promoting {notebook} ..."})
        try:
            _show(output, _promote(notebook, form_values(fields), config, dry_run.value, in_lab))
        finally:
            button.disabled = False

    for box in fields.values():
        box.observe(refresh, names="value")
    refresh()
    button.on_click(on_promote)
    title = widgets.HTML(
        f"<b>Promote <code>{_escape(Path(notebook).name)}</code></b>"
        "<br><small>The file as saved on disk is promoted: save the notebook first.</small>"
    )
    form = widgets.VBox([title, *fields.values(), preview, dry_run, button, output])
    form.fields = fields  # type: ignore[attr-defined]
    form.preview = preview  # type: ignore[attr-defined]
    form.dry_run = dry_run  # type: ignore[attr-defined]
    form.promote_button = button  # type: ignore[attr-defined]
    form.output = output  # type: ignore[attr-defined]
    return form


def _fields(start: dict[str, Any]) -> dict[str, widgets.Widget]:
    style = {"description_width": "90px"}
    layout = widgets.Layout(width="520px")
    fields: dict[str, widgets.Widget] = {
        name: widgets.Text(
            value=str(start.get(name) or ""),
            description=label,
            placeholder=placeholder,
            style=style,
            layout=layout,
        )
        for name, label, placeholder in _TEXT_FIELDS
    }
    fields["tier"] = widgets.Dropdown(
        options=list(TIERS), value=start.get("tier") or "normal", description="Tier", style=style
    )
    return {**fields, **_concurrency_fields(start, style, layout)}


def _concurrency_fields(
    start: dict[str, Any], style: dict[str, str], layout: widgets.Layout
) -> dict[str, widgets.Widget]:
    """How many runs at once, and what becomes of a run that would exceed that."""
    collision = start.get("on_collision")
    return {
        "concurrency": widgets.IntText(  # not bounded: below 1 is told, not silently raised
            value=start.get("concurrency") or 1, description="Runs at once", style=style
        ),
        "on_collision": widgets.Dropdown(
            options=[
                ("a new run waits for a free slot (enqueue)", "enqueue"),
                ("a new run is cancelled (cancel-new)", "cancel-new"),
            ],
            value=collision if collision in COLLISIONS else "enqueue",
            description="When busy",
            style=style,
            layout=layout,
        ),
    }


def _promote(
    notebook: str, values: dict[str, Any], config: PromoteConfig, dry: bool, in_lab: bool
) -> Any:
    """Run the promotion service; the result or the error as a display bundle."""
    from jupyter_promote.frontends.ipython.display import error_bundle, result_bundle
    from jupyter_promote.services.promote import promote

    try:
        result = promote(
            notebook,
            values,
            config,
            dry_run=dry,
            promoted_by=jupyter_identity(),
            remember_in_file=not in_lab,
        )
    except PromoteError as exc:
        return error_bundle(exc)
    return result_bundle(result, notebook)


def _show(output: widgets.Output, bundle: dict[str, str]) -> None:
    # set the outputs directly: works in a kernel and in plain Python (no display hook needed)
    output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
