"""The service layer: the one place that composes the core with the outside world.

Surfaces (CLI, IPython magics, REST handlers) parse input, call a function here and render what
it returns; they hold no logic of their own.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_promote.core.notebook import read_notebook
from jupyter_promote.core.pipeline import analyze_notebook
from jupyter_promote.core.spec import PipelineSpec


def check(path: str | Path) -> PipelineSpec:
    """Statically check a notebook and return its pipeline spec.

    Args:
        path: The notebook file.

    Returns:
        The spec, with problems in ``spec.diagnostics`` (``spec.ok`` is False on errors).

    Raises:
        NotebookError: the file is missing, unreadable, invalid or not a Python notebook.

    Example:
        >>> spec = check("example_notebooks/loans.ipynb")  # doctest: +SKIP
        >>> spec.order  # doctest: +SKIP
        ['load', 'clean', 'features', 'allocation']
    """
    loaded = read_notebook(path)
    spec = analyze_notebook(loaded.nb, str(path))
    spec.diagnostics = loaded.diagnostics + spec.diagnostics
    spec.diagnostics.sort(key=lambda d: 0 if d.severity == "error" else 1)
    return spec
