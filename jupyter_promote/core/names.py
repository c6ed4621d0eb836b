"""Which names a piece of notebook code reads from outside and which it defines, in order.

A step depends on an earlier step when it reads a name that step defines. This module answers
"reads" and "defines" for one cell with :mod:`ast`, following Python's scoping rules: reads
before a local definition count, comprehension and function scopes keep their own names,
``df["x"] = ...`` and ``df.x = ...`` change ``df`` (a read and a definition), ``del`` removes,
``global`` in a function defines at module level, and names used inside function bodies are
resolved when the step ends (the function is called later).
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_promote.core import pyast
from jupyter_promote.core.source import to_python

# Names every IPython kernel provides without a definition in the notebook.
KERNEL_NAMES = frozenset(
    {"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___", "_ih", "_oh", "_dh"}
)
BUILTIN_NAMES = frozenset(dir(builtins)) | KERNEL_NAMES
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
    visitor = _ModuleVisitor(walrus=":=" in source)
    for stmt in parse(source).body:
        visitor.visit(stmt)
    return visitor.usage


_DISPATCH: dict[type, Callable[[_ModuleVisitor, Any], None]] = {}


class _ModuleVisitor(ast.NodeVisitor):
    """Walks module-level statements in execution order."""

    def __init__(self, walrus: bool = True) -> None:
        self.usage = Usage()
        self.bound: set[str] = set()
        self.walrus = walrus  # False when the code has no `:=`, to skip looking for one

    def visit(self, node: ast.AST) -> None:
        """Dispatch like :class:`ast.NodeVisitor`, with the method looked up once per class."""
        method = _DISPATCH.get(type(node))
        if method is None:
            method = getattr(type(self), "visit_" + type(node).__name__, None) or (
                _ModuleVisitor.generic_visit
            )
            _DISPATCH[type(node)] = method
        method(self, node)

    # -- primitive events ---------------------------------------------------------------
    def read(self, name: str, line: int) -> None:
        if name not in self.bound and name not in BUILTIN_NAMES:
            self.usage.reads.setdefault(name, line)

    def define(self, name: str, line: int) -> None:
        self.bound.add(name)
        self.usage.defines[name] = line
        self.usage.deleted.discard(name)

    def delete(self, name: str, line: int) -> None:
        self.read(name, line)
        self.bound.discard(name)
        self.usage.defines.pop(name, None)
        self.usage.deleted.add(name)

    # -- names and targets --------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.read(node.id, node.lineno)
        elif isinstance(node.ctx, ast.Store):
            self.define(node.id, node.lineno)
        else:
            self.delete(node.id, node.lineno)

    def _mutate(self, node: ast.Attribute | ast.Subscript) -> None:
        """``a.b = v``, ``a[k] = v``, ``del a[k]``: reads and changes the root name ``a``."""
        root: ast.expr = node
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            if isinstance(root, ast.Subscript):
                self.visit(root.slice)
            root = root.value
        if isinstance(root, ast.Name):
            self.read(root.id, root.lineno)
            self.define(root.id, root.lineno)
        else:
            self.visit(root)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self.visit(node.value)
        else:
            self._mutate(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load):
            self.visit(node.value)
            self.visit(node.slice)
        else:
            self._mutate(node)

    # -- statements whose evaluation order matters ----------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.read(node.target.id, node.lineno)
            self.define(node.target.id, node.lineno)
        else:
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.define(node.target.id, node.lineno)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.define(node.name, node.lineno)
        for stmt in node.body:
            self.visit(stmt)
        if node.name:  # Python deletes the name when the handler ends
            self.bound.discard(node.name)
            self.usage.defines.pop(node.name, None)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        module = getattr(node, "module", None)
        if module and not getattr(node, "level", 0):
            self.usage.imports.add(module.split(".")[0])
        for alias in node.names:
            if alias.name == "*":
                self.usage.star_import = True
                continue
            if isinstance(node, ast.Import):
                self.usage.imports.add(alias.name.split(".")[0])
            self.define(alias.asname or alias.name.split(".")[0], node.lineno)

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:
        """``global`` at module level changes nothing."""

    # -- new scopes -----------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expr in [*node.decorator_list, *_arg_defaults(node.args), *_annotations(node)]:
            self.visit(expr)
        self.define(node.name, node.lineno)
        free, globals_set = _free_names(node)
        for name, line in free.items():
            if name not in BUILTIN_NAMES:
                self.usage.late_reads.setdefault(name, line)
        for name in globals_set:
            self.define(name, node.lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in _arg_defaults(node.args):
            self.visit(expr)
        free, _ = _free_names(node)
        for name, line in free.items():
            self.read(name, line)  # lambdas are almost always called right away

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        free, globals_set = _free_names(node)
        for name, line in free.items():
            self.read(name, line)  # a class body runs now; its methods' names are in `free` too
        for name in globals_set:
            self.define(name, node.lineno)
        self.define(node.name, node.lineno)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        free, _ = _free_names(node)
        for name, line in free.items():
            self.read(name, line)
        for walrus in _walrus_targets(node) if self.walrus else []:
            self.define(walrus.id, walrus.lineno)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        if node.pattern is not None:
            self.visit(node.pattern)
        if node.name:
            self.define(node.name, node.lineno)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        if node.name:
            self.define(node.name, node.lineno)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self.define(node.rest, node.lineno)


ScopeNode = (
    ast.FunctionDef
    | ast.AsyncFunctionDef
    | ast.Lambda
    | ast.ClassDef
    | ast.ListComp
    | ast.SetComp
    | ast.GeneratorExp
    | ast.DictComp
)
_SCOPES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.DictComp,
)


def _arg_defaults(args: ast.arguments) -> list[ast.expr]:
    return [d for d in [*args.defaults, *args.kw_defaults] if d is not None]


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    found = [a.annotation for a in every if a is not None and a.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def _param_names(args: ast.arguments) -> set[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {a.arg for a in every if a is not None}


def _scope_children(node: ast.AST) -> list[ast.AST]:
    """What runs inside the scope ``node`` opens (not its decorators, defaults or first iter)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return list(node.body)
    if isinstance(node, ast.Lambda):
        return [node.body]
    assert isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp))
    parts: list[ast.AST] = []
    for i, gen in enumerate(node.generators):
        parts += ([gen.iter] if i else []) + [gen.target, *gen.ifs]
    if isinstance(node, ast.DictComp):
        return [*parts, node.key, node.value]
    return [*parts, node.elt]


def _free_names(scope: ScopeNode) -> tuple[dict[str, int], set[str]]:
    """Names a scope reads from its enclosing scopes, and names it declares ``global`` and sets."""
    local: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        local |= _param_names(scope.args)
    loads: dict[str, int] = {}
    declared_global: set[str] = set()
    declared_nonlocal: set[str] = set()
    nested_globals: set[str] = set()
    stores: set[str] = set()
    stack: list[ast.AST] = _scope_children(scope)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Global):
            declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            declared_nonlocal.update(node.names)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            _first(loads, node.target.id, node.lineno)  # `n += 1` reads n first
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                _first(loads, node.id, node.lineno)
            else:
                stores.add(node.id)
        elif isinstance(node, (ast.alias,)):
            stores.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            stores.add(node.name)
        if isinstance(node, _SCOPES):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stores.add(node.name)
                stack.extend([*node.decorator_list])
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.extend(_arg_defaults(node.args))
            if not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            ):
                stack.append(node.generators[0].iter)
            inner, inner_globals = _free_names(node)
            for name, line in inner.items():
                _first(loads, name, line)
            nested_globals |= inner_globals
            continue
        stack.extend(ast.iter_child_nodes(node))
    local |= stores - declared_global - declared_nonlocal
    free = {n: line for n, line in loads.items() if n not in local}
    return free, (declared_global & stores) | nested_globals


def _walrus_targets(node: ast.AST) -> list[ast.Name]:
    return [
        n.target
        for n in ast.walk(node)
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
    ]


def _first(loads: dict[str, int], name: str, line: int) -> None:
    """Keep the earliest line of ``name`` (scopes are walked out of source order)."""
    loads[name] = min(line, loads.get(name, line))
