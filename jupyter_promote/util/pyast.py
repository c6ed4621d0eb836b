"""``ast.parse`` that survives a CPython 3.11 race.

CPython 3.11 keeps the AST converter's recursion counter per interpreter, not per thread: when
another thread builds an AST at the same moment (Prefect does, in a flow run), ``ast.parse`` can
fail with ``SystemError: AST constructor recursion depth mismatch`` on perfectly valid code
(CPython gh-106905). Parsing the same text again succeeds, so this module retries.
"""

from __future__ import annotations

import ast

_RACE = "AST constructor recursion depth mismatch"
ATTEMPTS = 5


def parse_module(source: str) -> ast.Module:
    """A module's AST (``ast.parse(source)``), retried on the thread race."""
    tree = _parse(source, "exec")
    assert isinstance(tree, ast.Module)
    return tree


def parse_expression(source: str) -> ast.Expression:
    """An expression's AST (``ast.parse(source, mode="eval")``), retried on the thread race."""
    tree = _parse(source, "eval")
    assert isinstance(tree, ast.Expression)
    return tree


def _parse(source: str, mode: str) -> ast.AST:
    """``ast.parse(source, mode=mode)``, retried on the interpreter's thread race only.

    Raises:
        SyntaxError: the source is not valid Python (never retried).

    Example:
        >>> type(_parse("x = 1", "exec")).__name__, type(_parse("1 + 2", "eval")).__name__
        ('Module', 'Expression')
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return ast.parse(source, mode=mode)
        except SystemError as exc:
            if _RACE not in str(exc) or attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
