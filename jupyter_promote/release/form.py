"""The last promotion form, kept in the notebook's metadata.

``metadata.jupyter_promote.promotion`` holds the settings last used (a
:class:`~jupyter_promote.release.settings.PromotionSettings` as JSON), so re-promoting is one
click; the namespace's ``schema_version`` guards against metadata a newer jupyter-promote wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import nbformat

from jupyter_promote.expectations import (
    METADATA_KEY,
    METADATA_SCHEMA_VERSION,
    MetadataError,
    NewerMetadataError,
)
from jupyter_promote.release.settings import PromotionInvalid, PromotionSettings, validate_settings

_PATH = f"metadata.{METADATA_KEY}.promotion"


def read_promotion(nb: Mapping[str, Any]) -> PromotionSettings | None:
    """The promotion settings last saved in a notebook, or None.

    Raises:
        NewerMetadataError: the metadata was written by a newer jupyter-promote.
        MetadataError: the saved settings are no longer valid; the message lists why.
    """
    raw = _namespace(nb).get("promotion")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise MetadataError(_PATH, "expected an object")
    try:
        return validate_settings(raw)
    except PromotionInvalid as exc:
        raise MetadataError(
            _PATH,
            "; ".join(exc.problems),
            hint="promote again with corrected settings, or delete that entry",
        ) from None


def write_promotion(nb: MutableMapping[str, Any], settings: PromotionSettings) -> None:
    """Save ``settings`` as the notebook's last promotion form (other metadata untouched).

    Raises:
        NewerMetadataError: the metadata was written by a newer jupyter-promote; the notebook
            is not changed.
    """
    _namespace(nb)
    metadata = nb.setdefault("metadata", nbformat.NotebookNode())
    ns = metadata.setdefault(METADATA_KEY, nbformat.NotebookNode())
    ns.setdefault("schema_version", METADATA_SCHEMA_VERSION)
    ns["promotion"] = nbformat.from_dict(settings.model_dump(mode="json"))


def _namespace(nb: Mapping[str, Any]) -> Mapping[str, Any]:
    ns = (nb.get("metadata") or {}).get(METADATA_KEY)
    if ns is None:
        return {}
    if not isinstance(ns, Mapping):
        raise MetadataError(f"metadata.{METADATA_KEY}", "expected an object")
    version = ns.get("schema_version", METADATA_SCHEMA_VERSION)
    if (
        isinstance(version, int)
        and not isinstance(version, bool)
        and version > METADATA_SCHEMA_VERSION
    ):
        raise NewerMetadataError(version)
    return ns
