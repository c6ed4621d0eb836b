"""Which names a piece of notebook code reads from outside and which it defines, in order.

A step depends on an earlier step when it reads a name that step defines. This module answers
"reads" and "defines" for one cell with :mod:`ast`, following Python's scoping rules: reads
before a local definition count, comprehension and function scopes keep their own names,
``df["x"] = ...`` and ``df.x = ...`` change ``df`` (a read and a definition), ``del`` removes,
``global`` in a function defines at module level, and names used inside function bodies are
resolved when the step ends (the function is called later).

The walk itself is :mod:`jupyter_promote.analysis.name_visitor` (module-level statements) and
:mod:`jupyter_promote.analysis.name_scopes` (nested scopes).
"""

from __future__ import annotations

import ast
import functools
import re

from jupyter_promote.analysis.name_visitor import ModuleVisitor, Usage
from jupyter_promote.analysis.source import to_python
from jupyter_promote.util import pyast

# Lines that may hold IPython-only syntax: a cheap test that spares a failing parse.
_IPYTHON_SYNTAX = re.compile(r"^\s*[%!]|\?\s*$|=\s*[!%]", re.MULTILINE)


class CodeSyntaxError(ValueError):
    """The cell is not valid Python, even after IPython syntax was turned into calls."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def parse(source: str) -> ast.Module:
    """Parse cell source, accepting IPython syntax (magics, ``!shell``, ``obj?``).

    Raises:
        CodeSyntaxError: with the line number, when the code is not valid Python.
    """
    if not _IPYTHON_SYNTAX.search(source):
        try:
            return pyast.parse_module(source)
        except SyntaxError:
            pass
    try:
        return pyast.parse_module(to_python(source))
    except SyntaxError as exc:
        raise CodeSyntaxError(exc.msg, exc.lineno) from None


@functools.lru_cache(maxsize=8192)
def analyze(source: str) -> Usage:
    """Analyze one cell's source. Remembered per source text (the panel re-checks the notebook
    as you type: only the cell that changed is parsed again); the result is shared, read it
    only.

    Raises:
        CodeSyntaxError: the code cannot be parsed.

    Example:
        >>> u = analyze("df = raw.dropna()\\ndf['x'] = df.a * rate")
        >>> sorted(u.reads), sorted(u.defines)
        (['rate', 'raw'], ['df'])
    """
    visitor = ModuleVisitor(Usage(), walrus=":=" in source)
    for stmt in parse(source).body:
        visitor.visit(stmt)
    return visitor.usage
