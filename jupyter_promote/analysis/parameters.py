"""The ``parameters`` cell: literal assignments become typed pipeline parameters.

Follows papermill: the cell holds the defaults, a run injects new values in a cell after it.
Each assignment must be a literal (``as_of = "2026-11-01"``, ``limits = {"A": 0.3}``),
optionally annotated (``threshold: float = 1``); a trailing comment becomes its description.
"""

from __future__ import annotations

import ast
import io
import tokenize
from typing import Any

from jupyter_promote.analysis.spec import Diagnostic, Parameter, ParamType
from jupyter_promote.util import pyast

_TYPES: dict[type, ParamType] = {
    bool: "bool",
    int: "int",
    float: "float",
    str: "str",
    list: "list",
    dict: "dict",
    type(None): "None",
}
_ANNOTATIONS: dict[str, ParamType] = {
    "int": "int",
    "float": "float",
    "str": "str",
    "bool": "bool",
    "list": "list",
    "List": "list",
    "dict": "dict",
    "Dict": "dict",
    "None": "None",
}


def parse_parameters(source: str, cell_index: int) -> tuple[list[Parameter], list[Diagnostic]]:
    """Read the parameters cell.

    Args:
        source: The cell's source (plain Python; magics are not allowed here).
        cell_index: 0-based index of the cell, for diagnostics.

    Returns:
        The parameters in order, and a diagnostic for every line that is not a literal
        assignment.

    Example:
        >>> params, problems = parse_parameters('min_score: int = 600  # lowest score', 1)
        >>> params[0].type, params[0].default, params[0].description
        ('int', 600, 'lowest score')
    """
    try:
        module = pyast.parse_module(source)
    except SyntaxError as exc:
        return [], [_problem(cell_index, exc.lineno, f"is not valid Python ({exc.msg})")]
    comments = _trailing_comments(source)
    params: list[Parameter] = []
    problems: list[Diagnostic] = []
    for stmt in module.body:
        param_or_problem = _parameter(stmt, cell_index, comments)
        if isinstance(param_or_problem, Diagnostic):
            problems.append(param_or_problem)
        else:
            params = [p for p in params if p.name != param_or_problem.name] + [param_or_problem]
    return params, problems


def _parameter(stmt: ast.stmt, cell_index: int, comments: dict[int, str]) -> Parameter | Diagnostic:
    line = stmt.lineno
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return _problem(cell_index, line, "is a bare value, not an assignment", "remove it")
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value, annotation = stmt.targets[0], stmt.value, None
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value, annotation = stmt.target, stmt.value, stmt.annotation
    else:
        return _problem(
            cell_index, line, f"`{_first_line(stmt)}` is not a single `name = value` assignment"
        )
    if not isinstance(target, ast.Name):
        return _problem(cell_index, line, "assigns to something other than a plain name")
    try:
        default = ast.literal_eval(value)
    except (ValueError, TypeError):  # TypeError: {[1]: 2} (unhashable key)
        code = ast.unparse(value)
        return _problem(
            cell_index,
            line,
            f"sets {target.id!r} to `{code}`, which is not a literal",
            "compute it in the setup cell or a step, and keep only its literal input here",
        )
    return _typed(target.id, default, annotation, cell_index, line, comments.get(line, ""))


def _typed(
    name: str,
    default: Any,
    annotation: ast.expr | None,
    cell_index: int,
    line: int,
    description: str,
) -> Parameter | Diagnostic:
    if isinstance(default, (tuple, set, frozenset, complex, bytes)):
        kind = type(default).__name__
        return _problem(
            cell_index, line, f"sets {name!r} to a {kind}", "use a list, dict, str or number"
        )
    value_type = _TYPES[type(default)]
    declared, nullable = _annotation_type(annotation)
    if declared is None:
        return Parameter(
            name=name,
            type=value_type,
            default=default,
            nullable=default is None,
            description=description,
            cell_index=cell_index,
            line=line,
        )
    if not _compatible(declared, default):
        return _problem(
            cell_index,
            line,
            f"annotates {name!r} as {declared} but its default {default!r} is a {value_type}",
            "make the default match the annotation",
        )
    return Parameter(
        name=name,
        type=declared,
        default=float(default) if declared == "float" and default is not None else default,
        nullable=nullable or default is None,
        description=description,
        cell_index=cell_index,
        line=line,
    )


def _annotation_type(annotation: ast.expr | None) -> tuple[ParamType | None, bool]:
    """(type, nullable) of ``int``, ``list[str]``, ``Optional[str]``, ``str | None``..."""
    if annotation is None:
        return None, False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left, _ = _annotation_type(annotation.left)
        right, _ = _annotation_type(annotation.right)
        inner = left if right == "None" else right if left == "None" else None
        return inner, "None" in (left, right)
    if isinstance(annotation, ast.Subscript):
        base = ast.unparse(annotation.value).split(".")[-1]
        if base == "Optional":
            inner, _ = _annotation_type(annotation.slice)
            return inner, True
        return _ANNOTATIONS.get(base), False
    if isinstance(annotation, ast.Constant) and annotation.value is None:
        return "None", True
    return _ANNOTATIONS.get(ast.unparse(annotation).split(".")[-1]), False


def _compatible(declared: ParamType, default: Any) -> bool:
    if default is None:
        return True
    if declared == "float":
        return isinstance(default, (int, float)) and not isinstance(default, bool)
    return _TYPES[type(default)] == declared


def _first_line(stmt: ast.stmt) -> str:
    text = ast.unparse(stmt).splitlines()[0]
    return text if len(text) <= 40 else text[:37] + "..."


def _trailing_comments(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments


def _problem(cell_index: int, line: int | None, what: str, hint: str = "") -> Diagnostic:
    return Diagnostic(
        severity="error",
        code="bad-parameter",
        message=f"parameters cell, line {line or '?'}: {what}",
        hint=hint
        or 'keep only literal assignments (`name = 42`, `name: str = "x"`) in the parameters cell',
        cell_index=cell_index,
    )
