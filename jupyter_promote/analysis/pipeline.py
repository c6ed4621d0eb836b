"""Notebook -> :class:`PipelineSpec`: steps, what each reads and defines, the dependency graph,
the run order and every problem found on the way (most worded by
:mod:`jupyter_promote.analysis.checks`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_promote.analysis import graph
from jupyter_promote.analysis.assemble import assemble, notebook_step_name, one_step
from jupyter_promote.analysis.checks import (
    check_reopened,
    check_setup,
    report_unresolved,
    warn_shape,
)
from jupyter_promote.analysis.context import Context, Definer
from jupyter_promote.analysis.expectation_checks import check_expectations
from jupyter_promote.analysis.headings import suggest_steps
from jupyter_promote.analysis.names import CodeSyntaxError, analyze
from jupyter_promote.analysis.parameters import parse_parameters
from jupyter_promote.analysis.spec import Diagnostic, Edge, Parameter, PipelineSpec, Step
from jupyter_promote.util.spelling import did_you_mean

if TYPE_CHECKING:
    import nbformat

PARAMETERS, SETUP = "parameters", "setup"


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
    implicit = notebook_step_name(path) if one_step(asm, notebook_step_name(path)) else None
    ctx = Context(asm=asm, usages={}, params={}, setup_names=set())
    ctx.diagnostics += asm.diagnostics
    parameters = _read_parameters(ctx, nb)
    _analyze_cells(ctx)
    _collect_definers(ctx)
    check_setup(ctx)
    steps = [_resolve_step(ctx, raw.name) for raw in asm.steps.values()]
    check_reopened(ctx, steps)
    edges = _edges(ctx, steps)
    order = graph.run_order(steps, edges, ctx.diagnostics)
    suggested = suggest_steps(nb) if not steps or implicit else []
    warn_shape(ctx, steps, implicit, suggested)
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
        implicit_step=implicit,
        suggested_steps=suggested,
    )
    check_expectations(nb, spec)
    spec.diagnostics.sort(key=_diagnostic_order)
    return spec


def _diagnostic_order(d: Diagnostic) -> tuple[int, int]:
    return (0 if d.severity == "error" else 1, -1 if d.cell_index is None else d.cell_index)


def _read_parameters(ctx: Context, nb: nbformat.NotebookNode) -> list[Parameter]:
    index = ctx.asm.parameters_cell
    if index is None:
        return []
    params, problems = parse_parameters(nb.cells[index].source, index)
    ctx.diagnostics += problems
    ctx.params = {p.name: p for p in params}
    return params


def _analyze_cells(ctx: Context) -> None:
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


def _collect_definers(ctx: Context) -> None:
    for index, cell in sorted(ctx.asm.cells.items()):
        usage = ctx.usages.get(index)
        if usage is None:
            continue
        if cell.role.value == "setup":
            ctx.setup_names |= set(usage.defines)
            continue
        if cell.role.value == "skip":
            definer = Definer(index, "skip", "skip")
        elif cell.step is None:
            definer = Definer(index, "unassigned", "unassigned")
        else:
            definer = Definer(index, cell.step, "step")
        for name in usage.defines:
            ctx.definers.setdefault(name, []).append(definer)


def _resolve_step(ctx: Context, name: str) -> Step:
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


def _latest_step_definer(ctx: Context, var: str, before: int, step: str) -> str | None:
    found = [
        d
        for d in ctx.definers.get(var, [])
        if d.kind == "step" and d.cell < before and d.owner != step
    ]
    return found[-1].owner if found else None


def _provider(ctx: Context, var: str, before: int, step: str) -> str | None:
    """Where a read of ``var`` at cell ``before`` comes from: the latest earlier step that
    defines it, else the parameters, else setup; None when nothing provides it."""
    upstream = _latest_step_definer(ctx, var, before, step)
    if upstream:
        return upstream
    if var in ctx.params:
        return PARAMETERS
    return SETUP if var in ctx.setup_names else None


def _source_of(ctx: Context, var: str, line: int, index: int, step: str) -> str:
    source = _provider(ctx, var, index, step)
    if source:
        return source
    report_unresolved(ctx, var, line, index, step, late=False)
    return "undefined"


def _late_source(ctx: Context, var: str, line: int, index: int, last: int, step: str) -> str:
    source = _provider(ctx, var, last + 1, step)
    if source:
        return source
    if any(d.kind == "step" for d in ctx.definers.get(var, [])):
        return ""  # defined by a later step: fine for a function called later
    report_unresolved(ctx, var, line, index, step, late=True)
    return ""


def _edges(ctx: Context, steps: list[Step]) -> list[Edge]:
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


__all__ = ["analyze_notebook"]
