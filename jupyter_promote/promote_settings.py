"""The promotion settings a notebook is promoted with: the form's start values, the remembered
form overridden by what is given, and remembering the form in the notebook's metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from jupyter_promote.config import PromoteConfig
from jupyter_promote.core.files import atomic_write_text
from jupyter_promote.core.naming import slug
from jupyter_promote.core.notebook import read_notebook
from jupyter_promote.core.promotion import PromotionSettings, validate_settings
from jupyter_promote.core.promotion_metadata import read_promotion, write_promotion


def form_defaults(
    path: str | Path, config: PromoteConfig, owner: str
) -> tuple[dict[str, Any], str]:
    """The promote form's start values, and where they come from: the notebook's last
    promotion (``"notebook"``), else defaults with ``owner`` (``"new"``).

    Raises:
        NotebookError, MetadataError: the notebook or its saved promotion cannot be read.
    """
    previous = read_promotion(read_notebook(path).nb)
    if previous is not None:
        return previous.model_dump(), "notebook"
    start = {
        "name": slug(Path(path).stem),
        "owner": owner,
        "timezone": "UTC",
        "tier": "normal",
        "work_pool": config.work_pool,
    }
    return start, "new"


def settings_for(
    path: str | Path, given: dict[str, Any], work_pool: str | None = None
) -> PromotionSettings:
    """The notebook's last promotion form, overridden by what is given, validated; a first
    promotion that names no work pool gets ``work_pool`` (``c.PromoteConfig.work_pool``)."""
    previous = read_promotion(read_notebook(path).nb)
    data = previous.model_dump() if previous else {}
    if previous is None and work_pool:
        data["work_pool"] = work_pool
    new = {k: v for k, v in given.items() if v not in (None, [], "")}
    # A schedule given now replaces the remembered one of the other kind (cron vs interval).
    if "schedule" in new:
        data.pop("interval_seconds", None)
    if "interval_seconds" in new:
        data.pop("schedule", None)
    data.update(new)
    return validate_settings(data)


def remember(path: str | Path, settings: PromotionSettings) -> None:
    """Keep the form in the notebook's metadata so re-promoting is one click."""
    nb = nbformat.read(str(path), as_version=4)
    if read_promotion(nb) != settings:
        write_promotion(nb, settings)
        atomic_write_text(path, nbformat.writes(nb))
