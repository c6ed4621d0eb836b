"""Group a notebook's code cells into parameters, setup, steps, skip and unassigned cells.

Rules (README "How cells become steps"):
- ``step:NAME`` starts step NAME; untagged code cells after it belong to it until the next
  ``step:`` tag. ``parameters``, ``setup`` and ``skip`` cells do not end the current step.
- A step name may be used again later in the notebook ("reopened"); the parts form one step
  only when the steps in between are independent of it (checked in :mod:`pipeline`).
- Untagged code cells before the first step run nowhere: a warning names them.
- A notebook with no step tags at all runs as one step named after the notebook
  (:func:`one_step`): every papermill notebook promotes as it is.
- Empty code cells and markdown/raw cells are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from jupyter_promote.analysis.spec import Diagnostic
from jupyter_promote.analysis.tags import Role, parse_cell_tags

if TYPE_CHECKING:
    import nbformat


@dataclass
class CellInfo:
    """One code cell and its place in the pipeline."""

    index: int
    id: str | None
    source: str
    role: Role
    step: str | None = None  # the step the cell belongs to (STEP and PLAIN cells)


@dataclass
class RawStep:
    """A step as tagged, before its dependencies are known."""

    name: str
    cells: list[int] = field(default_factory=list)
    cell_ids: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    after_cells: dict[str, int] = field(default_factory=dict)  # after-name -> cell of the tag
    chunks: list[list[int]] = field(default_factory=list)  # runs of adjacent cells


@dataclass
class Assembly:
    """The notebook's code cells by role."""

    cells: dict[int, CellInfo] = field(default_factory=dict)
    steps: dict[str, RawStep] = field(default_factory=dict)
    parameters_cell: int | None = None
    setup_cells: list[int] = field(default_factory=list)
    skipped_cells: list[int] = field(default_factory=list)
    unassigned_cells: list[int] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def assemble(nb: nbformat.NotebookNode) -> Assembly:
    """Assign every code cell a role and every step its cells.

    Example:
        >>> from nbformat.v4 import new_notebook, new_code_cell
        >>> nb = new_notebook(cells=[new_code_cell("a = 1", metadata={"tags": ["step:load"]}),
        ...                          new_code_cell("b = a")])
        >>> assemble(nb).steps["load"].cells
        [0, 1]
    """
    out = Assembly()
    current: str | None = None
    for index, cell in enumerate(nb.cells):
        tags = list(cell.get("metadata", {}).get("tags") or [])
        if cell.cell_type != "code":
            _warn_tags_on_text_cell(out, tags, index, cell)
            continue
        parsed = parse_cell_tags(tags, index, cell.get("id"))
        out.diagnostics += parsed.diagnostics
        info = CellInfo(index=index, id=cell.get("id"), source=cell.source, role=parsed.role)
        if parsed.role is Role.STEP and parsed.step:
            current = _start_step(out, parsed.step, current, index)
        if parsed.after and parsed.role in (Role.SKIP, Role.SETUP, Role.PARAMETERS):
            _warn_ignored_after(out, parsed.after_tags, parsed.role, index, info.id)
        elif parsed.after:
            _attach_after(out, parsed.after, current, index, info.id)
        if not cell.source.strip() and parsed.role in (Role.PLAIN, Role.SKIP, Role.STEP):
            continue
        out.cells[index] = info
        _place(out, info, current)
    return out


def _start_step(out: Assembly, name: str, current: str | None, index: int) -> str:
    step = out.steps.get(name)
    if step is None:
        out.steps[name] = RawStep(name=name, chunks=[[]])
    elif current != name:
        step.chunks.append([])
    return name


def _attach_after(
    out: Assembly, names: list[str], current: str | None, index: int, cell_id: str | None
) -> None:
    if current is None:
        out.diagnostics.append(
            Diagnostic(
                severity="error",
                code="after-outside-step",
                message="the cell has an after: tag but is not part of any step",
                hint="put the after: tag on the cell that starts the step (the step: cell)",
                cell_index=index,
                cell_id=cell_id,
            )
        )
        return
    step = out.steps[current]
    for name in names:
        if name not in step.after:
            step.after.append(name)
            step.after_cells[name] = index


def _warn_ignored_after(
    out: Assembly, written: list[str], role: Role, index: int, cell_id: str | None
) -> None:
    tags = ", ".join(written)
    why = {
        Role.SKIP: "a skip cell never runs in production",
        Role.SETUP: "setup cells run before every step",
        Role.PARAMETERS: "the parameters cell runs first",
    }[role]
    out.diagnostics.append(
        Diagnostic(
            severity="warning",
            code="ignored-after",
            message=f"the {role.value} cell has {tags}, which is ignored: {why}",
            hint=f"remove {tags}, or move it to the cell that starts the step that must wait",
            cell_index=index,
            cell_id=cell_id,
        )
    )


def notebook_step_name(path: str) -> str:
    """The step name of a notebook run as one step: its file name, as a valid step name.

    >>> notebook_step_name("reports/2026 Daily Sales.ipynb")
    'step_2026_daily_sales'
    """
    stem = PurePath(path).name.removesuffix(".ipynb").lower()
    name = re.sub(r"[^a-z0-9_-]+", "_", stem).strip("_-")
    if not name:
        return "notebook"
    return name if re.match(r"[a-z_]", name) else f"step_{name}"


def one_step(out: Assembly, name: str) -> bool:
    """A notebook with no step tags runs as one step called ``name`` made of every cell that
    would otherwise run nowhere (papermill's way: the whole notebook). True when applied."""
    if out.steps or not out.unassigned_cells:
        return False
    cells = out.unassigned_cells
    out.steps[name] = RawStep(
        name=name,
        cells=list(cells),
        cell_ids=[out.cells[i].id or "" for i in cells],
        chunks=[list(cells)],
    )
    for index in cells:
        out.cells[index].step = name
    out.unassigned_cells = []
    return True


def _place(out: Assembly, info: CellInfo, current: str | None) -> None:
    if info.role is Role.PARAMETERS:
        _place_parameters(out, info)
    elif info.role is Role.SETUP:
        out.setup_cells.append(info.index)
    elif info.role is Role.SKIP:
        out.skipped_cells.append(info.index)
    elif info.role is Role.INJECTED:
        out.diagnostics.append(
            Diagnostic(
                severity="warning",
                code="injected-parameters",
                message="papermill injected this cell (tag injected-parameters); it is ignored",
                hint="delete it: promoted runs inject their own parameters",
                cell_index=info.index,
                cell_id=info.id,
            )
        )
    elif current is None:
        out.unassigned_cells.append(info.index)
    else:
        info.step = current
        step = out.steps[current]
        step.cells.append(info.index)
        step.cell_ids.append(info.id or "")
        step.chunks[-1].append(info.index)


def _place_parameters(out: Assembly, info: CellInfo) -> None:
    if out.parameters_cell is None:
        out.parameters_cell = info.index
        return
    out.diagnostics.append(
        Diagnostic(
            severity="error",
            code="several-parameters-cells",
            message=f"a second parameters cell (the first is cell {out.parameters_cell + 1})",
            hint="merge the two into one parameters cell, as papermill uses only one",
            cell_index=info.index,
            cell_id=info.id,
        )
    )


def _warn_tags_on_text_cell(
    out: Assembly, tags: list[str], index: int, cell: nbformat.NotebookNode
) -> None:
    parsed = parse_cell_tags(tags, index, cell.get("id"))
    if parsed.role is not Role.PLAIN or parsed.after:
        out.diagnostics.append(
            Diagnostic(
                severity="warning",
                code="tag-on-text-cell",
                message=f"the {cell.cell_type} cell has pipeline tags ({', '.join(tags)}),"
                " which only code cells can carry",
                hint="move the tags to the code cell below it",
                cell_index=index,
                cell_id=cell.get("id"),
            )
        )
