"""What a release folder holds: its file names, the notebook as kept, and the hash naming it.

``pipelines/NAME/VERSION/`` holds ``notebook.ipynb`` (no outputs), ``expectations/`` (one Great
Expectations suite JSON per step and variable), ``manifest.yaml``, ``RUNBOOK.md`` and
``requirements.lock``. VERSION is a short hash of what defines the release (the notebook without
outputs, its expectations, the promotion settings), so promoting unchanged content is a no-op.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from jupyter_promote.expectations import METADATA_KEY, read_expectations
from jupyter_promote.release.settings import PromotionSettings

NOTEBOOK, MANIFEST, RUNBOOK, LOCKFILE = (
    "notebook.ipynb",
    "manifest.yaml",
    "RUNBOOK.md",
    "requirements.lock",
)
EXPECTATIONS = "expectations"
VERSION_LENGTH = 12
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled")


def _source(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _clean_cell(cell: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: copy.deepcopy(v) for k, v in cell.items() if k not in ("outputs", "execution_count")}
    out["source"] = _source(cell.get("source"))
    out["metadata"] = {
        k: copy.deepcopy(v)
        for k, v in (cell.get("metadata") or {}).items()
        if k not in _VOLATILE_CELL_METADATA
    }
    if cell.get("cell_type") == "code":
        out.update(outputs=[], execution_count=None)
    return out


def clean_notebook(nb: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook as a release keeps it: no outputs, execution counts or volatile metadata.

    Notebook metadata keeps the kernelspec, the language name and the ``jupyter_promote``
    expectations; everything else (widgets state, the last promotion form, ...) goes.
    """
    meta = nb.get("metadata") or {}
    kept: dict[str, Any] = {}
    if "kernelspec" in meta:
        kept["kernelspec"] = copy.deepcopy(dict(meta["kernelspec"]))
    if (meta.get("language_info") or {}).get("name"):
        kept["language_info"] = {"name": meta["language_info"]["name"]}
    ours = meta.get(METADATA_KEY) or {}
    if ours.get("expectations"):
        kept[METADATA_KEY] = {
            k: copy.deepcopy(ours[k]) for k in ("schema_version", "expectations") if k in ours
        }
    return {
        "nbformat": nb.get("nbformat", 4),
        "nbformat_minor": nb.get("nbformat_minor", 5),
        "metadata": kept,
        "cells": [_clean_cell(cell) for cell in nb.get("cells", [])],
    }


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def release_version(nb: Mapping[str, Any], settings: PromotionSettings) -> str:
    """The content hash that names a release: 12 hex digits of sha256.

    It covers the cells (source, type, tags and other non-volatile metadata), the kernel name,
    the expectation suites and the promotion settings that differ from their defaults; not
    outputs, execution counts, cell ids (nbformat invents them when upgrading old notebooks),
    or the environment.

    Raises:
        MetadataError: the notebook's expectations metadata is invalid.

    Example:
        >>> from nbformat.v4 import new_notebook, new_code_cell
        >>> s = PromotionSettings(name="demo", owner="ana")
        >>> a = new_notebook(cells=[new_code_cell("x = 1", execution_count=3)])
        >>> b = new_notebook(cells=[new_code_cell("x = 1")])
        >>> release_version(a, s) == release_version(b, s)
        True
    """
    clean = clean_notebook(nb)
    clean["metadata"].pop(METADATA_KEY, None)
    kernel = clean["metadata"].pop("kernelspec", {}).get("name")
    clean["metadata"]["kernel"] = kernel
    for cell in clean["cells"]:
        cell.pop("id", None)
    suites = {
        step: {var: suite.to_gx_dict() for var, suite in variables.items()}
        for step, variables in read_expectations(nb).items()
    }
    payload = {
        "notebook": clean,
        "expectations": suites,
        # Defaults left out: a setting added to the form later does not re-version old content.
        "settings": settings.model_dump(mode="json", exclude_defaults=True),
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()[:VERSION_LENGTH]
