"""Notebook -> :class:`PipelineSpec`: steps, what each reads and defines, the dependency graph,
the run order and every problem found on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import nbformat

from jupyter_promote.core import graph
from jupyter_promote.core.assemble import Assembly, assemble
from jupyter_promote.core.expectation_checks import check_expectations
from jupyter_promote.core.names import BUILTIN_NAMES, CodeSyntaxError, Usage, analyze
from jupyter_promote.core.parameters import parse_parameters
from jupyter_promote.core.spec import Diagnostic, Edge, Parameter, PipelineSpec, Step
from jupyter_promote.core.tags import did_you_mean

PARAMETERS, SETUP = "parameters", "setup"


@dataclass
class _Definer:
    cell: int
    owner: str  # a step name, or "skip" / "unassigned"
    kind: str  # "step" | "skip" | "unassigned"


@dataclass
class _Context:
    asm: Assembly
    usages: dict[int, Usage]
    params: dict[str, Parameter]
    setup_names: set[str]
    definers: dict[str, list[_Definer]] = field(default_factory=dict)
    star_import: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def problem(
        self, code: str, message: str, hint: str, cell: int | None, step: str | None
    ) -> None:
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


def analyze_notebook(nb: nbformat.NotebookNode, path: str = "<notebook>") -> PipelineSpec:
    """Build the pipeline spec of a (validated, nbformat 4) notebook.

    Args:
        nb: The notebook.
        path: How to name the notebook in the spec.

    Returns:
        The spec; ``spec.ok`` is False when ``spec.errors`` lists problems.

    Example:
        >>> from nbformat.v4 import new_notebook, new_code_cell
        >>> nb = new_notebook(cells=[
        ...     new_code_cell("raw = [1, 2]", metadata={"tags": ["step:load"]}),
        ...     new_code_cell("total = sum(raw)", metadata={"tags": ["step:sum"]})])
        >>> analyze_notebook(nb).step("sum").depends_on
        ['load']
    """
    asm = assemble(nb)
    ctx = _Context(asm=asm, usages={}, params={}, setup_names=set())
    ctx.diagnostics += asm.diagnostics
    parameters = _read_parameters(ctx, nb)
    _analyze_cells(ctx)
    _collect_definers(ctx)
    _check_setup(ctx)
    steps = [_resolve_step(ctx, raw.name) for raw in asm.steps.values()]
    _check_reopened(ctx, steps)
    edges = _edges(ctx, steps)
    order = graph.run_order(steps, edges, ctx.diagnostics)
    _warn_shape(ctx, steps)
    spec = PipelineSpec(
        notebook=path,
        kernel=str((nb.metadata.get("kernelspec") or {}).get("name") or "python3"),
        parameters=parameters,
        parameters_cell=asm.parameters_cell,
        setup_cells=asm.setup_cells,
        steps=steps,
        order=order,
        edges=edges,
        skipped_cells=asm.skipped_cells,
        unassigned_cells=asm.unassigned_cells,
        diagnostics=ctx.diagnostics,
    )
    check_expectations(nb, spec)
    spec.diagnostics.sort(key=_diagnostic_order)
    return spec


def _diagnostic_order(d: Diagnostic) -> tuple[int, int]:
    return (0 if d.severity == "error" else 1, -1 if d.cell_index is None else d.cell_index)


def _read_parameters(ctx: _Context, nb: nbformat.NotebookNode) -> list[Parameter]:
    index = ctx.asm.parameters_cell
    if index is None:
        return []
    params, problems = parse_parameters(nb.cells[index].source, index)
    ctx.diagnostics += problems
    ctx.params = {p.name: p for p in params}
    return params


def _analyze_cells(ctx: _Context) -> None:
    for index, cell in ctx.asm.cells.items():
        if index == ctx.asm.parameters_cell:
            continue
        try:
            ctx.usages[index] = analyze(cell.source)
        except CodeSyntaxError as exc:
            if cell.role.value == "skip":
                continue
            ctx.problem(
                "syntax-error",
                f"line {exc.line}: the code is not valid Python ({exc})",
                "fix the code, or tag the cell skip if it is not part of the pipeline",
                index,
                cell.step,
            )
            continue
        ctx.star_import |= ctx.usages[index].star_import and cell.role.value != "skip"


def _collect_definers(ctx: _Context) -> None:
    for index, cell in sorted(ctx.asm.cells.items()):
        usage = ctx.usages.get(index)
        if usage is None:
            continue
        if cell.role.value == "setup":
            ctx.setup_names |= set(usage.defines)
            continue
        if cell.role.value == "skip":
            definer = _Definer(index, "skip", "skip")
        elif cell.step is None:
            definer = _Definer(index, "unassigned", "unassigned")
        else:
            definer = _Definer(index, cell.step, "step")
        for name in usage.defines:
            ctx.definers.setdefault(name, []).append(definer)


def _check_setup(ctx: _Context) -> None:
    bound = set(ctx.params)
    for index in ctx.asm.setup_cells:
        usage = ctx.usages.get(index)
        if usage is None:
            continue
        for name, line in usage.reads.items():
            if name not in bound:
                _report_unresolved(ctx, name, line, index, None, late=False)
        bound |= set(usage.defines)
    for index in ctx.asm.setup_cells:
        usage = ctx.usages.get(index)
        for name, line in (usage.late_reads if usage else {}).items():
            if name not in bound and name not in ctx.definers:
                _report_unresolved(ctx, name, line, index, None, late=True)


def _resolve_step(ctx: _Context, name: str) -> Step:
    raw = ctx.asm.steps[name]
    bound: set[str] = set()
    reads: dict[str, str] = {}
    late: dict[str, tuple[int, int]] = {}
    imports: set[str] = set()
    for index in raw.cells:
        usage = ctx.usages.get(index)
        if usage is None:
            continue
        for var, line in usage.reads.items():
            if var not in bound and var not in reads:
                reads[var] = _source_of(ctx, var, line, index, name)
        for var, line in usage.late_reads.items():
            late.setdefault(var, (index, line))
        bound = (bound | set(usage.defines)) - usage.deleted
        imports |= usage.imports
    last = raw.cells[-1] if raw.cells else 0
    for var, (index, line) in late.items():
        if var not in bound and var not in reads:
            source = _late_source(ctx, var, line, index, last, name)
            if source:
                reads[var] = source
    return Step(
        name=name,
        cells=raw.cells,
        cell_ids=raw.cell_ids,
        after=raw.after,
        reads=dict(sorted(reads.items())),
        defines=sorted(bound),
        imports=sorted(imports),
    )


def _latest_step_definer(ctx: _Context, var: str, before: int, step: str) -> str | None:
    found = [
        d
        for d in ctx.definers.get(var, [])
        if d.kind == "step" and d.cell < before and d.owner != step
    ]
    return found[-1].owner if found else None


def _provider(ctx: _Context, var: str, before: int, step: str) -> str | None:
    """Where a read of ``var`` at cell ``before`` comes from: the latest earlier step that
    defines it, else the parameters, else setup; None when nothing provides it."""
    upstream = _latest_step_definer(ctx, var, before, step)
    if upstream:
        return upstream
    if var in ctx.params:
        return PARAMETERS
    return SETUP if var in ctx.setup_names else None


def _source_of(ctx: _Context, var: str, line: int, index: int, step: str) -> str:
    source = _provider(ctx, var, index, step)
    if source:
        return source
    _report_unresolved(ctx, var, line, index, step, late=False)
    return "undefined"


def _late_source(ctx: _Context, var: str, line: int, index: int, last: int, step: str) -> str:
    source = _provider(ctx, var, last + 1, step)
    if source:
        return source
    if any(d.kind == "step" for d in ctx.definers.get(var, [])):
        return ""  # defined by a later step: fine for a function called later
    _report_unresolved(ctx, var, line, index, step, late=True)
    return ""


def _report_unresolved(
    ctx: _Context, var: str, line: int, index: int, step: str | None, *, late: bool
) -> None:
    where = f"line {line}: " if line > 1 else ""
    used = "used inside a function" if late else "used"
    definers = ctx.definers.get(var, [])
    later = [d for d in definers if d.kind == "step" and d.cell > index]
    skips = [d for d in definers if d.kind == "skip"]
    loose = [d for d in definers if d.kind == "unassigned"]
    if step is None:
        owners = ", ".join(sorted({d.owner for d in definers if d.kind == "step"}))
        inside = " (inside a function)" if late else ""
        message = f"{where}setup code uses name {var!r}{inside}, which " + (
            f"only step {owners} defines" if owners else "no setup or parameters cell defines"
        )
        hint = "setup runs before every step: define the name in a setup cell or pass it in"
        ctx.problem("setup-reads-step", message, hint, index, None)
    elif later:
        d = later[0]
        message = (
            f"{where}name {var!r} is {used} but only defined later, in step {d.owner!r}"
            f" (cell {d.cell + 1})"
        )
        hint = f"move its definition before this step, or move this code into step {d.owner!r}"
        ctx.problem("defined-later", message, hint, index, step)
    elif skips:
        cells = ", ".join(str(d.cell + 1) for d in skips)
        message = f"{where}name {var!r} is {used} but only defined in a skip cell (cell {cells})"
        hint = "move its definition into a step or remove the skip tag"
        ctx.problem("defined-in-skip", message, hint, index, step)
    elif loose:
        cells = ", ".join(str(d.cell + 1) for d in loose)
        message = (
            f"{where}name {var!r} is {used} but only defined in cell {cells}, which is before the"
            " first step and runs nowhere"
        )
        hint = "tag that cell setup (or start a step there)"
        ctx.problem("defined-in-unassigned", message, hint, index, step)
    else:
        known = sorted(set(ctx.definers) | set(ctx.params) | ctx.setup_names)
        message = f"{where}name {var!r} is {used} but defined nowhere in the notebook" + (
            did_you_mean(var, known, cutoff=0.8)
        )
        hint = "define it in the parameters or setup cell or in an earlier step"
        if ctx.star_import:
            hint += " (a `from ... import *` may define it: import names explicitly to be sure)"
        ctx.problem("undefined-name", message, hint, index, step)


def _edges(ctx: _Context, steps: list[Step]) -> list[Edge]:
    names = [s.name for s in steps]
    by_pair: dict[tuple[str, str], Edge] = {}
    for step in steps:
        for var, source in step.reads.items():
            if source in names:
                edge = by_pair.setdefault(
                    (source, step.name), Edge(upstream=source, step=step.name)
                )
                edge.names.append(var)
        raw = ctx.asm.steps[step.name]
        for target in step.after:
            cell = raw.after_cells.get(target)
            if target == step.name:
                ctx.problem(
                    "after-self",
                    f"step {step.name!r} has after:{target}, naming itself",
                    "remove the tag",
                    cell,
                    step.name,
                )
            elif target not in names:
                ctx.problem(
                    "unknown-after",
                    f"after:{target} names a step that does not exist"
                    + did_you_mean(target, names),
                    "use the name of a step: " + ", ".join(names),
                    cell,
                    step.name,
                )
            else:
                by_pair.setdefault(
                    (target, step.name), Edge(upstream=target, step=step.name)
                ).explicit = True
    for step in steps:
        step.depends_on = sorted(e.upstream for e in by_pair.values() if e.step == step.name)
    return list(by_pair.values())


def _check_reopened(ctx: _Context, steps: list[Step]) -> None:
    """A step tagged again after other steps: one step only if those steps are independent."""
    by_name = {s.name: s for s in steps}
    for step in steps:
        chunks = [c for c in ctx.asm.steps[step.name].chunks if c]
        for before, again in pairwise(chunks):
            between = {
                c.step
                for i, c in ctx.asm.cells.items()
                if before[-1] < i < again[0] and c.step and c.step != step.name
            }
            tangled = sorted(
                other
                for other in between
                if step.name in by_name[other].reads.values() or other in step.reads.values()
            )
            if tangled:
                ctx.problem(
                    "duplicate-step",
                    f"step {step.name!r} is tagged again at cell {again[0] + 1}, after step(s)"
                    f" {', '.join(tangled)} that exchange data with it, so its parts cannot run"
                    " as one step",
                    f"give this part its own name (e.g. step:{step.name}_2) or move its cells"
                    " next to the first part",
                    again[0],
                    step.name,
                )


def _warn_shape(ctx: _Context, steps: list[Step]) -> None:
    if not steps:
        ctx.diagnostics.append(
            Diagnostic(
                severity="error",
                code="no-steps",
                message="the notebook has no steps",
                hint='tag the first code cell of each step with "step:NAME" (e.g. step:load)',
            )
        )
    for step in steps:
        if not step.cells:
            ctx.problem(
                "empty-step",
                f"step {step.name!r} has no code",
                "add code or remove the tag",
                None,
                step.name,
            )
    if ctx.asm.unassigned_cells:
        cells = ", ".join(str(i + 1) for i in ctx.asm.unassigned_cells)
        ctx.diagnostics.append(
            Diagnostic(
                severity="warning",
                code="unassigned-cells",
                message=f"cell(s) {cells} come before the first step and have no tag, so they run"
                " nowhere in production",
                hint="tag them setup (imports, helpers), parameters, skip, or start a step there",
                cell_index=ctx.asm.unassigned_cells[0],
            )
        )


__all__ = ["BUILTIN_NAMES", "analyze_notebook"]
