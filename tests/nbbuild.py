"""Build small notebooks in memory for tests: ``make_nb(("step:load", "x = 1"), "y = x")``."""

from __future__ import annotations

import platform

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

KERNEL_DISPLAY = {"python3": "Python 3 (ipykernel)"}
LANGUAGE_INFO = {
    "name": "python",
    "version": platform.python_version(),
    "mimetype": "text/x-python",
    "codemirror_mode": {"name": "ipython", "version": 3},
    "pygments_lexer": "ipython3",
    "nbconvert_exporter": "python",
    "file_extension": ".py",
}


def make_nb(*cells: str | tuple[str | list[str] | None, str], kernel: str = "python3"):
    """Each argument is a cell: ``"code"`` (untagged), ``(tags, "code")`` where tags is a
    space-separated string or a list, or ``("#md", "text")`` for a markdown cell."""
    nb = new_notebook(
        metadata={
            "kernelspec": {
                "name": kernel,
                "display_name": KERNEL_DISPLAY.get(kernel, kernel),
                "language": "python",
            },
            # what the kernel reports, so JupyterLab opens the notebook without changes to save
            "language_info": LANGUAGE_INFO,
        }
    )
    for cell in cells:
        tags, source = (None, cell) if isinstance(cell, str) else cell
        if tags == "#md":
            nb.cells.append(new_markdown_cell(source))
            continue
        tag_list = tags.split() if isinstance(tags, str) else list(tags or [])
        nb.cells.append(new_code_cell(source, metadata={"tags": tag_list} if tag_list else {}))
    nbformat.validate(nb)
    return nb


def write_nb(path, nb) -> str:
    """Write ``nb`` to ``path`` and return the path as a string."""
    nbformat.write(nb, str(path))
    return str(path)
