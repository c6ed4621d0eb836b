"""Read a notebook file safely: clear errors for bad JSON, old formats, invalid schemas and
non-Python kernels, never a traceback.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4.rwbase import rejoin_lines

from jupyter_promote.analysis.spec import Diagnostic
from jupyter_promote.errors import NotebookError, NotebookNotFound

_RESAVE = "open it in JupyterLab and save it again, or restore it from version control"


@dataclass
class LoadedNotebook:
    """A notebook read from disk (as nbformat 4), with what was noticed while reading it."""

    nb: nbformat.NotebookNode
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def kernel(self) -> str:
        """The kernel name from the kernelspec (``python3`` when none is recorded)."""
        spec = self.nb.metadata.get("kernelspec") or {}
        return str(spec.get("name") or "python3")


def read_notebook(path: str | Path) -> LoadedNotebook:
    """Read, upgrade and validate a notebook file.

    Args:
        path: Path of the ``.ipynb`` file.

    Returns:
        The notebook as nbformat 4, plus warnings (e.g. "upgraded from nbformat 3").

    Raises:
        NotebookNotFound: the file does not exist.
        NotebookError: the file is not readable JSON, not a notebook, has an invalid schema,
            or its kernel is not a Python kernel.
    """
    file = Path(path)
    if not file.is_file():
        raise NotebookNotFound(
            f"notebook {str(path)!r} does not exist",
            hint="check the path (it is relative to the current directory)",
        )
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"cannot read notebook {str(path)!r}: {exc}", hint=_RESAVE) from None
    return parse_notebook(text, str(path))


def parse_notebook(text: str, name: str) -> LoadedNotebook:
    """Parse notebook JSON text; see :func:`read_notebook` for the errors raised."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "the file may be truncated or not a notebook",
            hint=_RESAVE,
        ) from None
    return from_dict(raw, name)


def from_dict(raw: Any, name: str) -> LoadedNotebook:
    """Validate an already-parsed notebook mapping; see :func:`read_notebook` for errors."""
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise NotebookError(
            f"{name} is not a Jupyter notebook (no 'nbformat' version number at the top level)",
            hint="pass an .ipynb file",
        )
    major = raw["nbformat"]
    diagnostics: list[Diagnostic] = []
    if major > 4:
        raise NotebookError(
            f"{name} is nbformat {major}, newer than this version of jupyter-promote reads (4)",
            hint="upgrade jupyter-promote",
        )
    if major < 4:
        raw = _upgrade(raw, name, major)
        diagnostics.append(
            Diagnostic(
                severity="warning",
                code="old-nbformat",
                message=f"the notebook is in nbformat {major}; it was read as nbformat 4",
                hint="open it in JupyterLab and save it to upgrade the file",
            )
        )
    diagnostics += _repair_string_tags(raw)
    nb = rejoin_lines(nbformat.from_dict(raw))  # on disk, sources may be lists of lines
    _validate(nb, name)
    _require_python(nb, name)
    return LoadedNotebook(nb=nb, path=name, diagnostics=diagnostics)


def _upgrade(raw: dict[str, Any], name: str, major: int) -> dict[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            upgraded: dict[str, Any] = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        raise NotebookError(
            f"{name} is nbformat {major} and could not be upgraded to nbformat 4 ({exc})",
            hint=_RESAVE,
        ) from None
    return upgraded


def _repair_string_tags(raw: dict[str, Any]) -> list[Diagnostic]:
    """Report ``"tags": "step:load"`` (a string, not a list) and read it as a list."""
    found: list[Diagnostic] = []
    for index, cell in enumerate(raw.get("cells") or []):
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        if not isinstance(meta, dict) or not isinstance(meta.get("tags"), str):
            continue
        value = meta["tags"]
        tags = [t.strip() for t in value.replace(",", " ").split() if t.strip()]
        meta["tags"] = tags
        found.append(
            Diagnostic(
                severity="error",
                code="tags-not-list",
                message=f"the cell's tags are stored as a string ({value!r}), not a list",
                hint=f'store them as a list: "tags": {json.dumps(tags)} (JupyterLab\'s property'
                " inspector writes them this way)",
                cell_index=index,
                cell_id=cell.get("id"),
            )
        )
    return found


def _validate(nb: nbformat.NotebookNode, name: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", [])) or "top level"
        raise NotebookError(
            f"{name} is not a valid nbformat 4 notebook: {exc.message} (at {where})",
            hint=_RESAVE,
        ) from None


def _require_python(nb: nbformat.NotebookNode, name: str) -> None:
    spec = nb.metadata.get("kernelspec") or {}
    info = nb.metadata.get("language_info") or {}
    language = str(spec.get("language") or info.get("name") or "python").lower()
    if language != "python":
        kernel = spec.get("name") or spec.get("display_name") or language
        raise NotebookError(
            f"{name} uses the {kernel!r} kernel ({language}); jupyter-promote runs Python notebooks"
            " only",
            hint="switch the notebook to a Python kernel (Kernel > Change Kernel) and re-run it",
        )
