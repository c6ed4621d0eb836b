"""The state the passes of :func:`~jupyter_promote.analysis.pipeline.analyze_notebook` share: the
assembled cells, what each cell reads and defines, which cells define each name, and the
problems found so far.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jupyter_promote.analysis.assemble import Assembly
from jupyter_promote.analysis.name_visitor import Usage
from jupyter_promote.analysis.spec import Diagnostic, Parameter


@dataclass
class Definer:
    """A cell that defines a name."""

    cell: int
    owner: str  # a step name, or "skip" / "unassigned"
    kind: str  # "step" | "skip" | "unassigned"


@dataclass
class Context:
    """What the passes know so far, and the problems they found."""

    asm: Assembly
    usages: dict[int, Usage]
    params: dict[str, Parameter]
    setup_names: set[str]
    definers: dict[str, list[Definer]] = field(default_factory=dict)
    star_import: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def problem(
        self, code: str, message: str, hint: str, cell: int | None, step: str | None
    ) -> None:
        """Record a problem (an undefined name is only a warning after ``import *``)."""
        self.diagnostics.append(
            Diagnostic(
                severity="warning" if self.star_import and code == "undefined-name" else "error",
                code=code,
                message=message,
                hint=hint,
                cell_index=cell,
                cell_id=self.asm.cells[cell].id if cell in self.asm.cells else None,
                step=step,
            )
        )
