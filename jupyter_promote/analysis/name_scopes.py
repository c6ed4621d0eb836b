"""What a nested scope (function, lambda, class, comprehension) reads from the code around it.

:mod:`jupyter_promote.analysis.name_visitor` walks a cell's module-level statements in order; when
it meets a new scope it asks this module which names the scope reads from its enclosing scopes
(its free names, with the line of their first read) and which names it declares ``global`` and
sets.
"""

from __future__ import annotations

import ast

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


def arg_defaults(args: ast.arguments) -> list[ast.expr]:
    """The default values of a signature (evaluated where the function or lambda is defined)."""
    return [d for d in [*args.defaults, *args.kw_defaults] if d is not None]


def signature_annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """The annotations of a function's parameters and return (evaluated where it is defined)."""
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


def free_names(scope: ScopeNode) -> tuple[dict[str, int], set[str]]:
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
                stack.extend(arg_defaults(node.args))
            if not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            ):
                stack.append(node.generators[0].iter)
            inner, inner_globals = free_names(node)
            for name, line in inner.items():
                _first(loads, name, line)
            nested_globals |= inner_globals
            continue
        stack.extend(ast.iter_child_nodes(node))
    local |= stores - declared_global - declared_nonlocal
    free = {n: line for n, line in loads.items() if n not in local}
    return free, (declared_global & stores) | nested_globals


def walrus_targets(node: ast.AST) -> list[ast.Name]:
    """Names bound with ``:=`` anywhere in ``node`` (in a comprehension: the enclosing scope's)."""
    return [
        n.target
        for n in ast.walk(node)
        if isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name)
    ]


def _first(loads: dict[str, int], name: str, line: int) -> None:
    """Keep the earliest line of ``name`` (scopes are walked out of source order)."""
    loads[name] = min(line, loads.get(name, line))
