"""The notebook analysis's checks and their messages: a name read but provided by nothing
(defined later, in a skip cell, before the first step, or nowhere), setup code that reads step
names, a step tagged again around steps it exchanges data with, and a pipeline with no steps,
empty steps or cells that run nowhere.
"""

from __future__ import annotations

from itertools import pairwise

from jupyter_promote.analysis.context import Context
from jupyter_promote.analysis.spec import Diagnostic, Step, SuggestedStep
from jupyter_promote.util.spelling import did_you_mean


def check_setup(ctx: Context) -> None:
    """Setup cells may read only the parameters and earlier setup cells' names."""
    bound = set(ctx.params)
    for index in ctx.asm.setup_cells:
        usage = ctx.usages.get(index)
        if usage is None:
            continue
        for name, line in usage.reads.items():
            if name not in bound:
                report_unresolved(ctx, name, line, index, None, late=False)
        bound |= set(usage.defines)
    for index in ctx.asm.setup_cells:
        usage = ctx.usages.get(index)
        for name, line in (usage.late_reads if usage else {}).items():
            if name not in bound and name not in ctx.definers:
                report_unresolved(ctx, name, line, index, None, late=True)


def report_unresolved(
    ctx: Context, var: str, line: int, index: int, step: str | None, *, late: bool
) -> None:
    """Report that ``var``, read at ``line`` of cell ``index`` (of ``step``; None: a setup
    cell), comes from nowhere the code can see, saying where it is defined if anywhere."""
    where = f"line {line}: " if line > 1 else ""
    used = "used inside a function" if late else "used"
    definers = ctx.definers.get(var, [])
    later = [d for d in definers if d.kind == "step" and d.cell > index]
    skips = [d for d in definers if d.kind == "skip"]
    loose = [d for d in definers if d.kind == "unassigned"]
    if step is None:
        _setup_reads_step(ctx, var, where, index, late=late)
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
        _undefined(ctx, var, f"{where}name {var!r} is {used}", index, step)


def _setup_reads_step(ctx: Context, var: str, where: str, index: int, *, late: bool) -> None:
    definers = ctx.definers.get(var, [])
    owners = ", ".join(sorted({d.owner for d in definers if d.kind == "step"}))
    inside = " (inside a function)" if late else ""
    message = f"{where}setup code uses name {var!r}{inside}, which " + (
        f"only step {owners} defines" if owners else "no setup or parameters cell defines"
    )
    hint = "setup runs before every step: define the name in a setup cell or pass it in"
    ctx.problem("setup-reads-step", message, hint, index, None)


def _undefined(ctx: Context, var: str, what: str, index: int, step: str) -> None:
    known = sorted(set(ctx.definers) | set(ctx.params) | ctx.setup_names)
    message = f"{what} but defined nowhere in the notebook" + did_you_mean(var, known, cutoff=0.8)
    hint = "define it in the parameters or setup cell or in an earlier step"
    if ctx.star_import:
        hint += " (a `from ... import *` may define it: import names explicitly to be sure)"
    ctx.problem("undefined-name", message, hint, index, step)


def check_reopened(ctx: Context, steps: list[Step]) -> None:
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


def warn_shape(
    ctx: Context,
    steps: list[Step],
    implicit: str | None = None,
    suggested: list[SuggestedStep] | None = None,
) -> None:
    """No code, no steps, the whole notebook as one step, a step with no code, cells before
    the first step that run nowhere."""
    hint_tags = 'tag the first code cell of each step with "step:NAME" (e.g. step:load)'
    if suggested:
        names = ", ".join(s.name for s in suggested)
        hint_tags = (
            f"its headings suggest {len(suggested)} steps ({names}): apply them with"
            " `jupyter promote tag --from-headings` or the panel's *Tag steps from headings*"
        )
    if not steps and not ctx.asm.cells:
        ctx.diagnostics.append(
            Diagnostic(
                severity="error",
                code="no-code",
                message="the notebook has no code cells: there is nothing to run",
                hint="add the code to run, or check that this is the notebook you meant",
            )
        )
    elif not steps:
        ctx.diagnostics.append(
            Diagnostic(
                severity="error",
                code="no-steps",
                message="the notebook has no code to run in production: its code cells are"
                " all parameters, setup or skip cells",
                hint=hint_tags,
            )
        )
    if implicit is not None:
        ctx.diagnostics.append(
            Diagnostic(
                severity="warning",
                code="one-step",
                message=f"the notebook has no step tags, so it runs as one step {implicit!r}"
                " (all its code cells, in order)",
                hint=f"{hint_tags}; steps give per-step runs, retries and quality gates",
                step=implicit,
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
