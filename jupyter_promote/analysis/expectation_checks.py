"""Static checks of the quality expectations recorded in a notebook's metadata: list them per
step, and report those that cannot work (unknown step, a variable the step does not define, a
column the notebook's code never mentions)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_promote.analysis.spec import Diagnostic, ExpectationEntry, PipelineSpec
from jupyter_promote.expectations import MetadataError, all_expectations
from jupyter_promote.util.spelling import did_you_mean

if TYPE_CHECKING:
    import nbformat

_READERS = ("read_csv", "read_parquet", "read_sql", "read_excel", "read_json", "read_table")


def check_expectations(nb: nbformat.NotebookNode, spec: PipelineSpec) -> None:
    """Fill ``spec.expectations`` and add diagnostics for expectations that cannot work."""
    try:
        recorded = all_expectations(nb)
    except MetadataError as exc:
        spec.diagnostics.append(
            Diagnostic(severity="error", code="bad-metadata", message=exc.message, hint=exc.hint)
        )
        return
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for step, variable, index, config in recorded:
        spec.expectations.append(
            ExpectationEntry(
                step=step,
                variable=variable,
                index=index,
                type=config.type,
                kwargs=config.kwargs,
                level=config.level,
                text=config.describe(),
            )
        )
        problem = _problem(spec, step, variable)
        if problem is None and config.column and _column_unseen(code, config.column):
            problem = Diagnostic(
                severity="warning",
                code="unknown-expectation-column",
                message=f"expectation on {variable}.{config.column}: the notebook's code never"
                f" mentions a column {config.column!r} and reads no data file",
                hint=f"check the column name, or remove it: %expect --remove {variable} {index}",
                step=step,
            )
        if problem is not None:
            spec.diagnostics.append(problem)


def _problem(spec: PipelineSpec, step: str, variable: str) -> Diagnostic | None:
    names = [s.name for s in spec.steps]
    if step not in names:
        return Diagnostic(
            severity="error",
            code="expectation-unknown-step",
            message=f"expectations on {variable!r} are recorded under step {step!r}, which does"
            " not exist" + did_you_mean(step, names),
            hint="rename the step back, or record them again with %expect",
        )
    if variable in spec.step(step).defines:
        return None
    owners = [s.name for s in spec.steps if variable in s.defines]
    where = f"; step(s) {', '.join(owners)} define it" if owners else "; no step defines it"
    return Diagnostic(
        severity="error",
        code="expectation-unknown-variable",
        message=f"expectations on {variable!r} are recorded under step {step!r}, which does not"
        f" define it{where}",
        hint=f"record them under a step that defines it (%expect --step {owners[-1]} ...)"
        if owners
        else "define the variable in a step, or remove them: %expect --remove " + variable,
        step=step,
    )


def _column_unseen(code: str, column: str) -> bool:
    """True when no string in the code names the column and no data file is read (then the
    column cannot come from the data either)."""
    if any(reader in code for reader in _READERS):
        return False
    return column not in code
