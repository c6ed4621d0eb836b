"""The walk over one cell's module-level statements, in execution order, that records in a
:class:`Usage` what the cell reads and defines.

Each statement is visited the way Python evaluates it (the value before the target, a loop's
iterable before its body); a new scope (function, lambda, class, comprehension) is handed to
:mod:`jupyter_promote.analysis.name_scopes` for the names it reads from outside.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_promote.analysis.name_scopes import (
    arg_defaults,
    free_names,
    signature_annotations,
    walrus_targets,
)

# Names every IPython kernel provides without a definition in the notebook.
KERNEL_NAMES = frozenset(
    {"get_ipython", "display", "In", "Out", "exit", "quit", "_", "__", "___", "_ih", "_oh", "_dh"}
)
BUILTIN_NAMES = frozenset(dir(builtins)) | KERNEL_NAMES


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


_DISPATCH: dict[type, Callable[[ModuleVisitor, Any], None]] = {}


class ModuleVisitor(ast.NodeVisitor):
    """Walks module-level statements in execution order."""

    def __init__(self, usage: Usage, walrus: bool = True) -> None:
        self.usage = usage
        self.bound: set[str] = set()
        self.walrus = walrus  # False when the code has no `:=`, to skip looking for one

    def visit(self, node: ast.AST) -> None:
        """Dispatch like :class:`ast.NodeVisitor`, with the method looked up once per class."""
        method = _DISPATCH.get(type(node))
        if method is None:
            method = getattr(type(self), "visit_" + type(node).__name__, None) or (
                ModuleVisitor.generic_visit
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
        for expr in [*node.decorator_list, *arg_defaults(node.args), *signature_annotations(node)]:
            self.visit(expr)
        self.define(node.name, node.lineno)
        free, globals_set = free_names(node)
        for name, line in free.items():
            if name not in BUILTIN_NAMES:
                self.usage.late_reads.setdefault(name, line)
        for name in globals_set:
            self.define(name, node.lineno)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expr in arg_defaults(node.args):
            self.visit(expr)
        free, _ = free_names(node)
        for name, line in free.items():
            self.read(name, line)  # lambdas are almost always called right away

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        free, globals_set = free_names(node)
        for name, line in free.items():
            self.read(name, line)  # a class body runs now; its methods' names are in `free` too
        for name in globals_set:
            self.define(name, node.lineno)
        self.define(node.name, node.lineno)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        free, _ = free_names(node)
        for name, line in free.items():
            self.read(name, line)
        for walrus in walrus_targets(node) if self.walrus else []:
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
