"""The pipeline spec: what a tagged notebook means, as a stable, versioned JSON document.

These pydantic models are the contract between the core and every surface (CLI ``--json``,
REST, the lab panel). Cell indices are 0-based positions in ``nb.cells`` (as nbformat counts);
rendered text numbers cells from 1, as people do.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jupyter_promote.errors import describe_location

SPEC_SCHEMA_VERSION = 1

Severity = Literal["error", "warning"]
ParamType = Literal["int", "float", "str", "bool", "list", "dict", "None"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Diagnostic(_Model):
    """One problem found by the static checks, with where it is and how to fix it."""

    severity: Severity = Field(description="'error' stops promotion; 'warning' is reported only.")
    code: str = Field(
        description="Stable identifier of the kind of problem, e.g. 'undefined-name'."
    )
    message: str = Field(description="What is wrong, naming the tag, name or step concerned.")
    hint: str = Field(default="", description="How to fix it, as an instruction.")
    cell_index: int | None = Field(default=None, description="0-based index of the cell concerned.")
    cell_id: str | None = Field(default=None, description="nbformat id of the cell concerned.")
    step: str | None = Field(default=None, description="The step concerned, if any.")

    def render(self) -> str:
        """``cell 7 (step "clean"): <message>; <hint>``."""
        where = describe_location(self.cell_index, self.step)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}; {self.hint}" if self.hint else text


class Parameter(_Model):
    """A typed parameter from the ``parameters`` cell (papermill's defaults cell)."""

    name: str = Field(description="Variable name, as assigned in the parameters cell.")
    type: ParamType = Field(description="Type of the default value (or of the annotation).")
    default: Any = Field(description="The literal default value (JSON-compatible).")
    nullable: bool = Field(default=False, description="True when None is an accepted value.")
    description: str = Field(default="", description="The trailing comment of the assignment.")
    cell_index: int = Field(description="0-based index of the parameters cell.")
    line: int = Field(description="1-based line of the assignment inside the cell.")


class Edge(_Model):
    """A dependency: ``step`` runs after ``upstream``."""

    upstream: str = Field(description="The step that must finish first.")
    step: str = Field(description="The step that waits.")
    names: list[str] = Field(
        default_factory=list, description="Names the step reads that the upstream defines."
    )
    explicit: bool = Field(default=False, description="True when declared with an after: tag.")


class Step(_Model):
    """A pipeline step: consecutive cells starting at a ``step:NAME`` (or Kale ``block:``) tag."""

    name: str = Field(description="Step name from the step: tag; also the Prefect task name.")
    cells: list[int] = Field(description="0-based indices of the step's code cells, in order.")
    cell_ids: list[str] = Field(default_factory=list, description="nbformat ids of those cells.")
    after: list[str] = Field(default_factory=list, description="Steps named by after: tags.")
    depends_on: list[str] = Field(
        default_factory=list, description="All upstream steps: inferred and after: tags merged."
    )
    reads: dict[str, str] = Field(
        default_factory=dict,
        description="Names read from outside the step -> where they come from: a step name, "
        "'parameters', 'setup' or 'builtins'.",
    )
    defines: list[str] = Field(
        default_factory=list, description="Names the step defines or changes, for later steps."
    )
    imports: list[str] = Field(default_factory=list, description="Top-level modules imported.")


class ExpectationEntry(_Model):
    """One recorded quality expectation, as ``check`` lists it."""

    step: str = Field(description="The step after which it is checked.")
    variable: str = Field(description="The DataFrame variable it checks.")
    index: int = Field(description="Position in the variable's suite (for --remove).")
    type: str = Field(description="Great Expectations expectation type.")
    kwargs: dict[str, Any] = Field(description="The expectation's arguments.")
    level: Literal["error", "warn"] = Field(description="'error' blocks the run; 'warn' reports.")
    text: str = Field(description="Human-readable form, e.g. 'amount between 0 and 5,000,000'.")


class SuggestedStep(_Model):
    """A ``step:`` tag the notebook's markdown headings suggest (for a notebook without steps)."""

    cell_index: int = Field(description="0-based index of the code cell to tag.")
    cell_id: str | None = Field(default=None, description="nbformat id of that cell.")
    name: str = Field(description="The suggested step name, e.g. 'load'.")
    heading: str = Field(description="The heading it comes from, e.g. 'Load the data'.")
    tag: str = Field(description="The tag to add, e.g. 'step:load'.")


class PipelineSpec(_Model):
    """Everything the checks found out about a tagged notebook."""

    schema_version: int = Field(
        default=SPEC_SCHEMA_VERSION, description="Version of this document's shape."
    )
    notebook: str = Field(description="Path of the notebook, as given.")
    kernel: str = Field(description="Kernel name from the notebook's kernelspec.")
    parameters: list[Parameter] = Field(default_factory=list, description="Typed parameters.")
    parameters_cell: int | None = Field(default=None, description="Index of the parameters cell.")
    setup_cells: list[int] = Field(default_factory=list, description="Indices of setup cells.")
    steps: list[Step] = Field(default_factory=list, description="Steps, in notebook order.")
    order: list[str] = Field(
        default_factory=list, description="Run order: topological, ties broken by notebook order."
    )
    edges: list[Edge] = Field(default_factory=list, description="Dependencies between steps.")
    skipped_cells: list[int] = Field(default_factory=list, description="Cells tagged skip.")
    unassigned_cells: list[int] = Field(
        default_factory=list, description="Untagged code cells before the first step (run nowhere)."
    )
    expectations: list[ExpectationEntry] = Field(
        default_factory=list, description="Quality expectations recorded in the notebook."
    )
    implicit_step: str | None = Field(
        default=None,
        description="Set when the notebook has no step tags: the name of the one step made of"
        " all its code (it runs as a whole, the papermill way).",
    )
    suggested_steps: list[SuggestedStep] = Field(
        default_factory=list,
        description="step: tags suggested by the markdown headings (only for a notebook with no"
        " step tags), in notebook order.",
    )
    diagnostics: list[Diagnostic] = Field(default_factory=list, description="Errors and warnings.")

    @property
    def errors(self) -> list[Diagnostic]:
        """Diagnostics that stop promotion."""
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        """Diagnostics that are only reported."""
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    def step(self, name: str) -> Step:
        """The step called ``name``.

        Raises:
            KeyError: no step has that name.
        """
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)
