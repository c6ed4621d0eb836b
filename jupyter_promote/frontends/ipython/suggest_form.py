"""ipywidgets forms for the magics: the ``%expect --suggest`` checklist."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from jupyter_promote.errors import PromoteError
from jupyter_promote.services.expect import SESSION, frontend_applies, lookup_variable


def suggestion_form(variable: str, namespace: dict[str, Any]) -> widgets.VBox:
    """A checklist of expectations proposed from the data; "Save" checks and records the
    ticked ones.

    Returns:
        The form (displayed by Jupyter as the magic's result). ``form.checkboxes`` and
        ``form.save_button`` are exposed for programmatic use and tests.
    """
    from jupyter_promote.expectations import gx as quality

    frame = lookup_variable(namespace, variable)
    proposals = quality.suggest(frame, variable)
    boxes = [
        widgets.Checkbox(
            value=True,
            description=str(p.meta.get("shorthand") or p.describe()),
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        for p in proposals
    ]
    save = widgets.Button(description="Save ticked", button_style="primary", icon="check")
    output = widgets.Output()

    def on_save(_: Any) -> None:
        chosen = [p for p, box in zip(proposals, boxes, strict=True) if box.value]
        output.clear_output()
        with output:
            if not chosen:
                print("nothing ticked")
                return
            try:
                from jupyter_promote.frontends.ipython.display import show_recorded

                write = not frontend_applies(namespace)
                show_recorded(SESSION.record(variable, chosen, namespace, write=write))
            except PromoteError as exc:
                print(f"error: {exc.render()}")

    save.on_click(on_save)
    title = widgets.HTML(f"<b>Suggested expectations for <code>{variable}</code></b>")
    form = widgets.VBox([title, *boxes, save, output])
    form.checkboxes = boxes  # type: ignore[attr-defined]
    form.save_button = save  # type: ignore[attr-defined]
    form.proposals = proposals  # type: ignore[attr-defined]
    form.output = output  # type: ignore[attr-defined]
    return form
