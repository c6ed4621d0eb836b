"""Plain-text rendering of a pipeline spec, for terminals (``jupyter promote check``)."""

from __future__ import annotations

import json

from jupyter_promote.analysis.graph import levels
from jupyter_promote.analysis.spec import Diagnostic, PipelineSpec, Step


def cells_text(cells: list[int]) -> str:
    """``[4, 5, 6, 9]`` -> ``"5-7, 10"`` (1-based, as people count cells)."""
    runs: list[list[int]] = []
    for c in cells:
        if runs and c == runs[-1][-1] + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return ", ".join(f"{r[0] + 1}-{r[-1] + 1}" if len(r) > 1 else str(r[0] + 1) for r in runs)


def render_spec(spec: PipelineSpec) -> str:
    """The whole report: parameters, setup, steps with reads/defines, graph, problems."""
    parts = [f"Pipeline {spec.notebook} (kernel {spec.kernel})", ""]
    parts += _parameters(spec)
    if spec.setup_cells:
        parts += [f"Setup: cell {cells_text(spec.setup_cells)}", ""]
    parts += _steps(spec)
    if spec.order:
        parts += _graph(spec)
    if spec.skipped_cells:
        parts += [f"Skipped in production: cell {cells_text(spec.skipped_cells)}", ""]
    parts += _suggested(spec)
    parts += render_diagnostics(spec.diagnostics)
    return "\n".join(parts).rstrip() + "\n"


def _parameters(spec: PipelineSpec) -> list[str]:
    if not spec.parameters:
        return ["Parameters: none", ""]
    assert spec.parameters_cell is not None
    lines = [f"Parameters (cell {spec.parameters_cell + 1})"]
    width = max(len(p.name) for p in spec.parameters)
    for p in spec.parameters:
        kind = f"{p.type} | None" if p.nullable and p.type != "None" else p.type
        default = json.dumps(p.default)
        note = f"  # {p.description}" if p.description else ""
        lines.append(f"  {p.name:<{width}}  {kind:<12} = {default}{note}")
    return [*lines, ""]


def _steps(spec: PipelineSpec) -> list[str]:
    if not spec.steps:
        return []
    ordered = [spec.step(n) for n in spec.order] if spec.order else spec.steps
    title = "Steps (run order)" if spec.order else "Steps (notebook order; no run order)"
    lines = [title]
    for i, step in enumerate(ordered, 1):
        lines.append(f"  {i}. {step.name}  (cell {cells_text(step.cells)})")
        lines += _step_detail(step)
        lines += [
            f"       expects: {e.variable}: {e.text} ({e.level})"
            for e in spec.expectations
            if e.step == step.name
        ]
    return [*lines, ""]


def _suggested(spec: PipelineSpec) -> list[str]:
    if not spec.suggested_steps:
        return []
    lines = ["Steps the headings suggest (apply: jupyter promote tag --from-headings NOTEBOOK)"]
    lines += [
        f"  cell {s.cell_index + 1}: {s.tag:<24} from heading {s.heading!r}"
        for s in spec.suggested_steps
    ]
    return [*lines, ""]


def _step_detail(step: Step) -> list[str]:
    lines = []
    by_source: dict[str, list[str]] = {}
    for name, source in step.reads.items():
        by_source.setdefault(source, []).append(name)
    if by_source:
        reads = "; ".join(f"{', '.join(v)} ({k})" for k, v in by_source.items())
        lines.append(f"       reads:   {reads}")
    if step.defines:
        lines.append(f"       defines: {', '.join(step.defines)}")
    if step.depends_on:
        lines.append(f"       after:   {', '.join(step.depends_on)}")
    return lines


def _graph(spec: PipelineSpec) -> list[str]:
    depth = levels(spec.order, spec.edges)
    lines = ["Graph (each step waits for the steps after <-)"]
    for level in range(max(depth.values(), default=-1) + 1):
        row = []
        for name in (n for n in spec.order if depth[n] == level):
            ups = spec.step(name).depends_on
            row.append(f"{name} <- {', '.join(ups)}" if ups else name)
        lines.append(f"  [{level}] " + "   |   ".join(row))
    return [*lines, ""]


def render_diagnostics(diagnostics: list[Diagnostic]) -> list[str]:
    """``error: cell 7 (step "clean"): ...`` lines, errors first, then a count."""
    if not diagnostics:
        return ["No problems found."]
    lines = [f"{d.severity}: {d.render()}" for d in diagnostics]
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    return [*lines, "", f"{errors} error(s), {warnings} warning(s)"]
