"""Which names a piece of notebook code reads from outside and which it defines, in order.

A step depends on an earlier step when it reads a name that step defines. This module answers
"reads" and "defines" for one cell with :mod:`ast`, following Python's scoping rules: reads
before a local definition count, comprehension and function scopes keep their own names,
``df["x"] = ...`` and ``df.x = ...`` change ``df`` (a read and a definition), ``del`` removes,
``global`` in a function defines at module level, and names used inside function bodies are
resolved when the step ends (the function is called later).

The walk itself is :mod:`jupyter_promote.core.name_visitor` (module-level statements) and
:mod:`jupyter_promote.core.name_scopes` (nested scopes).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from jupyter_promote.core import pyast
from jupyter_promote.core.name_visitor import ModuleVisitor
from jupyter_promote.core.source import to_python

# Lines that may hold IPython-only syntax: a cheap test that spares a failing parse.
_IPYTHON_SYNTAX = re.compile(r"^\s*[%!]|\?\s*$|=\s*[!%]", re.MULTILINE)


@dataclass
class Usage:
    """Names of one cell (or several, folded in order).

    Attributes:
        reads: name -> 1-based line of its first read before any local definition.
        late_reads: names read inside function bodies that the code does not define itself.
        defines: name -> 1-based line of its last definition or change.
        deleted: names removed with ``del`` and not defined again afterwards.
        imports: top-level module names imported.
        star_import: the code has ``from x import *`` (its names cannot be known).
    """

    reads: dict[str, int] = field(default_factory=dict)
    late_reads: dict[str, int] = field(default_factory=dict)
    defines: dict[str, int] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)
    star_import: bool = False


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


def analyze(source: str) -> Usage:
    """Analyze one cell's source.

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
