"""Steps suggested from a notebook's own structure: its markdown headings.

People already cut their work into sections (``## Load``, ``## Clean``, ``## Model``). For a
notebook with no ``step:`` tags yet, each section at the notebook's section level becomes a
suggested step, tagged on the section's first code cell that runs in production (not a
``parameters``, ``setup`` or ``skip`` cell). The section level is the highest heading level
(fewest ``#``) that occurs at least twice with code under it, so a single ``# Title`` above
``## Load`` and ``## Clean`` does not count as a section. Sections without code suggest
nothing; a notebook with fewer than two sections gets no suggestion (it runs as one step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jupyter_promote.analysis.spec import SuggestedStep
from jupyter_promote.analysis.tags import Role, parse_cell_tags

if TYPE_CHECKING:
    import nbformat

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_NUMBERING = re.compile(
    r"^(?:(?:step|part|section)\s*)?(?:\d+(?:\.\d+)*[.):]?|[ivxlc]+[.):])\s+", re.IGNORECASE
)
_STOP_WORDS = {"the", "a", "an", "of", "and", "to", "for", "in", "on", "with", "data"}
_MAX_WORDS = 3


@dataclass
class _Heading:
    level: int
    text: str
    cell: int


def suggest_steps(nb: nbformat.NotebookNode) -> list[SuggestedStep]:
    """The ``step:`` tags the headings suggest, in notebook order (empty when the notebook has
    step tags already, or fewer than two sections with code).

    Example:
        >>> from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell
        >>> nb = new_notebook(cells=[
        ...     new_markdown_cell("# Loan book"), new_markdown_cell("## Load the data"),
        ...     new_code_cell("raw = [1, 2]"), new_markdown_cell("## Clean"),
        ...     new_code_cell("clean = [x for x in raw if x]")])
        >>> [(s.cell_index, s.tag) for s in suggest_steps(nb)]
        [(2, 'step:load'), (4, 'step:clean')]
    """
    if _has_step_tags(nb):
        return []
    headings = [h for index, cell in enumerate(nb.cells) for h in _headings(cell, index)]
    sections = _sections(nb, headings)
    if len(sections) < 2:
        return []
    taken: set[str] = set()
    suggested = []
    for heading, code_cell in sections:
        name = _unique(step_name_from(heading.text), taken)
        suggested.append(
            SuggestedStep(
                cell_index=code_cell,
                cell_id=nb.cells[code_cell].get("id"),
                name=name,
                heading=heading.text,
                tag=f"step:{name}",
            )
        )
    return suggested


def step_name_from(text: str) -> str:
    """A short step name from a heading: ``"1. Load the raw data"`` -> ``"load_raw"``.

    >>> step_name_from("Step 2: Feature engineering!")
    'feature_engineering'
    """
    plain = re.sub(r"[`*_~\[\]()]", " ", text)
    plain = _NUMBERING.sub("", plain.strip())
    words = re.findall(r"[a-z0-9]+", plain.lower())
    kept = [w for w in words if w not in _STOP_WORDS] or words
    name = "_".join(kept[:_MAX_WORDS]) or "step"
    return name if re.match(r"[a-z_]", name) else f"step_{name}"


def _has_step_tags(nb: nbformat.NotebookNode) -> bool:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            parsed = parse_cell_tags(list(cell.get("metadata", {}).get("tags") or []), index)
            if parsed.role is Role.STEP:
                return True
    return False


def _headings(cell: nbformat.NotebookNode, index: int) -> list[_Heading]:
    if cell.cell_type != "markdown":
        return []
    found = []
    lines = cell.source.splitlines()
    fenced = False
    for number, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if fenced:
            continue
        match = _ATX.match(line)
        if match:
            found.append(_Heading(len(match[1]), match[2].strip(), index))
        elif number > 0 and _SETEXT.match(line) and lines[number - 1].strip():
            level = 1 if line.strip().startswith("=") else 2
            found.append(_Heading(level, lines[number - 1].strip(), index))
    return found


def _sections(nb: nbformat.NotebookNode, headings: list[_Heading]) -> list[tuple[_Heading, int]]:
    """(heading, first production code cell under it) for each section at the section level."""
    for level in sorted({h.level for h in headings}):
        starts = [h for h in headings if h.level == level]
        sections = []
        for number, heading in enumerate(starts):
            end = starts[number + 1].cell if number + 1 < len(starts) else len(nb.cells)
            code = _first_code_cell(nb, heading.cell + 1, end)
            if code is not None:
                sections.append((heading, code))
        if len(sections) >= 2:
            return sections
    return []


def _first_code_cell(nb: nbformat.NotebookNode, start: int, end: int) -> int | None:
    for index in range(start, end):
        cell = nb.cells[index]
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        role = parse_cell_tags(list(cell.get("metadata", {}).get("tags") or []), index).role
        if role is Role.PLAIN:
            return index
    return None


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    taken.add(candidate)
    return candidate
