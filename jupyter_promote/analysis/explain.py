"""Explain a NameError from a fresh-kernel run: where the name lived during exploration."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from jupyter_promote.analysis.names import CodeSyntaxError, analyze
from jupyter_promote.analysis.spec import PipelineSpec

if TYPE_CHECKING:
    import nbformat

_NAME_ERROR = re.compile(r"name '([^']+)' is not defined")


def hidden_state_hint(spec: PipelineSpec, nb: nbformat.NotebookNode, evalue: str) -> str:
    """A sentence on why ``name 'x' is not defined`` happens in production, or ``''``.

    Example:
        A name defined only in a skip cell existed in the exploring kernel because that cell
        ran there; a fresh kernel never runs it.
    """
    match = _NAME_ERROR.search(evalue)
    if not match:
        return ""
    name = match.group(1)
    definers = _cells_defining(nb, name)
    skipped = [i for i in definers if i in spec.skipped_cells]
    loose = [i for i in definers if i in spec.unassigned_cells]
    if skipped:
        return (
            f"{name!r} is defined only in skip cell {_cells(skipped)}: it existed in your"
            " exploration kernel because that cell ran there (hidden state); move the"
            " definition into a step or setup"
        )
    if loose:
        return (
            f"{name!r} is defined only in cell {_cells(loose)}, before the first step, which"
            " runs nowhere in production; tag that cell setup"
        )
    if not definers:
        return (
            f"no cell of the notebook defines {name!r}: it came from hidden kernel state (a"
            " cell deleted or edited since it ran, %store, or a variable set by hand); add its"
            " definition to the notebook"
        )
    return ""


def _cells_defining(nb: nbformat.NotebookNode, name: str) -> list[int]:
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            if name in analyze(cell.source).defines:
                found.append(index)
        except CodeSyntaxError:
            continue
    return found


def _cells(indices: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indices)
