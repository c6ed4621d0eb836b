"""Static analysis of a generated 1,000-cell notebook: target under 200 ms (DESIGN.md §7), each
time from scratch (cells' analyses forgotten); a re-check after one cell changed, as the panel
does while you type, under 50 ms (issue 13)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from benchmarks.common import measure, table, verdict
from jupyter_promote.analysis.names import analyze
from jupyter_promote.analysis.notebook import read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.services.check import check

LIMIT_MS = 200.0
RECHECK_LIMIT_MS = 50.0


def generate(n_cells: int = 1000, cells_per_step: int = 8) -> nbformat.NotebookNode:
    """A realistic notebook: parameters, setup, then steps of pandas-like code, magics,
    skip cells and markdown, each step reading what the previous two defined."""
    cells = [
        new_code_cell(
            "as_of = '2026-11-01'\nlimit: int = 10  # rows", metadata={"tags": ["parameters"]}
        ),
        new_code_cell(
            "import math\nimport os\n%matplotlib inline\ndef helper(x):\n    return math.sqrt(x)",
            metadata={"tags": ["setup"]},
        ),
    ]
    step = 0
    while len(cells) < n_cells:
        i = len(cells)
        if i % cells_per_step == 2:
            step += 1
            prev = f"df_{step - 1}" if step > 1 else "[1, 2, 3]"
            prev2 = f"+ len(df_{step - 2})" if step > 2 else ""
            src = (
                f"df_{step} = list({prev})\n"
                f"total_{step} = sum(helper(v) for v in df_{step}) {prev2}\n"
                f"df_{step}.append(limit)\n"
                f"stats_{step} = {{k: v for k, v in enumerate(df_{step}) if v > 0}}"
            )
            cells.append(new_code_cell(src, metadata={"tags": [f"step:s{step}"]}))
        elif i % cells_per_step == 5:
            cells.append(new_code_cell(f"df_{step}[:3]\n!echo {step}", metadata={"tags": ["skip"]}))
        elif i % cells_per_step == 7:
            cells.append(new_markdown_cell(f"## Step {step}\nSome explanation."))
        else:
            cells.append(
                new_code_cell(
                    f"for j in range(3):\n    df_{step}.append(j * {i})\n"
                    f"class Row{i}:\n    width = limit\n"
                    f"tmp_{i} = [x for x in df_{step} if x % 2]\n%time res_{i} = len(tmp_{i})"
                )
            )
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.validate(nb)
    return nb


def run() -> tuple[str, bool]:
    nb = generate()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.ipynb"
        nbformat.write(nb, path)
        spec = check(path)
        assert spec.ok, [d.render() for d in spec.errors][:3]
        read = measure(lambda: read_notebook(path))
        analyze = measure(lambda: _cold(lambda: analyze_notebook(nb, "big.ipynb")))
        total = measure(lambda: _cold(lambda: check(path)))
        edited = iter([_one_cell_changed(nb, i) for i in range(8)])  # warm-up + 7, made first
        recheck = measure(lambda: analyze_notebook(next(edited), "big.ipynb"))
    rows = [
        [
            "read + validate (nbformat)",
            *(f"{read[k]:.1f}" for k in ("min", "median", "max")),
            "",
            "",
        ],
        [
            "analyze (tags, AST, graph)",
            *(f"{analyze[k]:.1f}" for k in ("min", "median", "max")),
            "",
            "",
        ],
        [
            "check = read + analyze",
            *(f"{total[k]:.1f}" for k in ("min", "median", "max")),
            f"< {LIMIT_MS:.0f}",
            verdict(total["median"], LIMIT_MS),
        ],
        [
            "re-check after one cell changed (the panel as you type)",
            *(f"{recheck[k]:.1f}" for k in ("min", "median", "max")),
            f"< {RECHECK_LIMIT_MS:.0f}",
            verdict(recheck["median"], RECHECK_LIMIT_MS),
        ],
    ]
    title = f"Static analysis of a {len(nb.cells)}-cell notebook ({len(spec.steps)} steps), ms"
    text = table(title, ["phase", "min", "median", "max", "target", "result"], rows)
    return text, total["median"] < LIMIT_MS and recheck["median"] < RECHECK_LIMIT_MS


def _cold(fn: Callable[[], object]) -> object:
    """``fn`` with nothing remembered of earlier analyses (a fresh process)."""
    analyze.cache_clear()
    return fn()


def _one_cell_changed(nb: nbformat.NotebookNode, edit: int) -> nbformat.NotebookNode:
    """``nb`` with one code cell in the middle edited (a new line at its end)."""
    changed = nbformat.from_dict(nb)
    code = [c for c in changed.cells if c.cell_type == "code"]
    cell = code[len(code) // 2]
    cell.source = f"{cell.source}\nedit_{edit} = {edit}"
    return changed


if __name__ == "__main__":
    text, ok = run()
    print(text)
    sys.exit(0 if ok else 1)
