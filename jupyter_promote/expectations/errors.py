"""Errors of the expectation core: a bad ``%expect`` line, an unknown step or variable."""

from __future__ import annotations

from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations.models import LINE_FORM, describe_forms


class ExpectationError(PromoteError):
    """An expectation cannot be recorded: bad line, unknown step or variable name, ..."""

    http_status = 422


class ExpectationSyntaxError(ExpectationError):
    """An ``%expect`` line does not follow the grammar.

    Args:
        message: What is wrong at that place.
        token: The offending text as written, or None at the end of the line.
        column: 1-based column of the token in the line.
        line: The whole line, for surfaces that draw a caret.
        fix: A specific fix, shown before the accepted forms in :attr:`hint`.
    """

    def __init__(
        self, message: str, *, token: str | None, column: int, line: str = "", fix: str = ""
    ) -> None:
        where = "at the end of the line" if token is None else f"at {quote(token)}"
        hint = f"{fix}; " if fix else ""
        hint += f"write {LINE_FORM}, with PREDICATE one of:\n" + _indent(describe_forms())
        super().__init__(
            f"{where} (column {column}): {message}",
            hint=hint,
            details={"token": token, "column": column, "line": line},
        )
        self.token = token
        self.column = column
        self.line = line


class ExpectationNotFound(ExpectationError):
    """The step, variable or index names no recorded expectation."""

    http_status = 404


def quote(text: str) -> str:
    return f"'{text}'" if '"' in text else f'"{text}"'


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
