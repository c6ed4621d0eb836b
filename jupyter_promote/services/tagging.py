"""Tag a notebook file's cells from its own structure (``jupyter promote tag --from-headings``).

The JupyterLab panel applies the same suggestions to the open notebook itself (one undoable
change); this service is for a notebook file outside JupyterLab. The file keeps its format,
permissions and symlinks, and only the suggested cells' ``metadata.tags`` change.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from jupyter_promote.analysis.notebook import read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.analysis.spec import SuggestedStep
from jupyter_promote.util.files import atomic_write_text


def tag_from_headings(path: str | Path, *, write: bool = True) -> list[SuggestedStep]:
    """Add the ``step:`` tags the notebook's headings suggest to its cells.

    Args:
        path: The notebook file.
        write: False to only report what would be tagged.

    Returns:
        The tags applied (or that would be), in notebook order; empty when the notebook has
        step tags already or its headings suggest fewer than two steps.

    Raises:
        NotebookError: the file is not a readable Python notebook.
    """
    loaded = read_notebook(path)
    suggested = analyze_notebook(loaded.nb, str(path)).suggested_steps
    if not suggested or not write:
        return suggested
    nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    for step in suggested:
        metadata = nb.cells[step.cell_index].setdefault("metadata", {})
        tags = list(metadata.get("tags") or [])
        if step.tag not in tags:
            metadata["tags"] = [*tags, step.tag]
    atomic_write_text(path, nbformat.writes(nb, version=nbformat.NO_CONVERT))
    return suggested
