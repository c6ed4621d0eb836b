"""Errors that reach a user: each says what went wrong, where, and how to fix it.

Every user-facing failure is a :class:`PromoteError`. Subclasses group failures by family and
carry the fields a surface needs to point at the problem (cell, step, expectation, observed and
expected values). Surfaces render :meth:`PromoteError.render` and map :attr:`http_status` to a
response; nothing else decides how an error looks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class PromoteError(Exception):
    """Base class of every error jupyter-promote shows to a user.

    Args:
        message: What went wrong, naming the thing it went wrong with.
        hint: How to fix it, as an instruction ("tag the cell ...").
        cell_index: 0-based index of the notebook cell concerned, if any.
        step: Name of the pipeline step concerned, if any.
        details: Extra structured fields for machine consumers (JSON, REST).

    Example:
        >>> err = PromoteError("name 'df' is undefined", hint="define it in a step", cell_index=6)
        >>> err.render()
        "cell 7: name 'df' is undefined; define it in a step"
    """

    http_status = 400
    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        cell_index: int | None = None,
        step: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.cell_index = cell_index
        self.step = step
        self.details = details or {}

    def location(self) -> str:
        """Where the problem is, in the words a notebook user sees ("cell 7 (step "clean")")."""
        return describe_location(self.cell_index, self.step)

    def render(self) -> str:
        """One sentence: where, what, and the fix."""
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}; {self.hint}" if self.hint else text

    def __str__(self) -> str:
        return self.render()

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready mapping (the REST and ``--json`` error shape)."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "cell_index": self.cell_index,
            "step": self.step,
            "text": self.render(),
            **self.details,
        }


def describe_location(cell_index: int | None, step: str | None) -> str:
    """Render a cell/step location; cells are numbered from 1 for people, as a notebook reads.

    >>> describe_location(6, "clean")
    'cell 7 (step "clean")'
    """
    if cell_index is not None and step:
        return f'cell {cell_index + 1} (step "{step}")'
    if cell_index is not None:
        return f"cell {cell_index + 1}"
    if step:
        return f'step "{step}"'
    return ""


class NotebookError(PromoteError):
    """The notebook file cannot be used: missing, unreadable, invalid, or not Python."""

    http_status = 422


class NotebookNotFound(NotebookError):
    """The notebook path does not exist (or lies outside the allowed root)."""

    http_status = 404


class PipelineInvalid(PromoteError):
    """Static checks found errors; :attr:`diagnostics` lists every one of them."""

    http_status = 422

    def __init__(self, notebook: str, diagnostics: list[Any]) -> None:
        errors = [d for d in diagnostics if getattr(d, "severity", "error") == "error"]
        first = errors[0].render() if errors else "the pipeline has errors"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"{notebook}: {first}{more}",
            hint="run `jupyter promote check` on the notebook to see every problem",
        )
        self.notebook = notebook
        self.diagnostics = diagnostics

    def render(self) -> str:
        return self.message


class PrefectUnavailable(PromoteError):
    """The Prefect API did not answer (before or during a run)."""

    http_status = 502


class StackError(PromoteError):
    """The embedded Prefect stack cannot be started, stopped or read.

    Args:
        message: What failed, in one line.
        hint: How to fix it.
        log: The log file the tail comes from.
        log_tail: The last lines of that log, appended to :attr:`message`.
    """

    http_status = 502

    def __init__(
        self, message: str, *, hint: str = "", log: Path | str | None = None, log_tail: str = ""
    ) -> None:
        full = message
        if log_tail:
            lines = "\n".join(f"    {line}".rstrip() for line in log_tail.splitlines())
            full = f"{message}\nlast lines of {log or 'the output'}:\n{lines}"
        super().__init__(full, hint=hint, details={"log": str(log) if log else None})
        self.headline = message

    def render(self) -> str:
        """The headline and the fix on the first line, then the log tail."""
        first = f"{self.headline}; {self.hint}" if self.hint else self.headline
        return first + self.message[len(self.headline) :]


class PrefectNotInstalled(PromoteError):
    """This Python environment has no Prefect: running and promoting need the ``run`` extra."""

    http_status = 409

    def __init__(self, what: str = "this", extra: str = "run") -> None:
        super().__init__(
            f"Prefect is not installed here, so {what} cannot work",
            hint=f"pip install 'jupyter-promote[{extra}]' in this environment (see the README's"
            " Install section: the JupyterLab server's environment for the panel, a worker's"
            " for scheduled runs)",
        )


class NoPrefectServer(PromoteError):
    """Neither a configured Prefect API nor a running embedded stack is available."""

    http_status = 409

    def __init__(self) -> None:
        super().__init__(
            "no Prefect server to talk to",
            hint="run `jupyter promote up` to start the local one, "
            "or set PREFECT_API_URL to an existing server",
        )


class QualityGateFailed(PromoteError):
    """A step's data broke an expectation of severity ``error``: the step fails, nothing
    downstream runs."""

    http_status = 422
