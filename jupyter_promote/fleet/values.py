"""What string an expression of notebook code evaluates to, when that is known statically.

Resolves literals, f-strings, ``+``, ``%``, ``os.path.join``, ``Path(...)``, ``p / "x"``,
``.joinpath``, ``.parent``, ``.with_suffix``, ``.as_posix()``, ``str(...)``, ``.format(...)``,
``"/".join([...])`` and names bound to such values earlier (a :class:`Scope`). Nothing is
evaluated: anything else resolves to ``None``.

Papermill parameters change from run to run, so a parameter is not its default: it resolves
to a marker (:func:`marker`) that :func:`finish` turns into a ``{name}`` placeholder, except at
the start of a location (``os.path.join(output_dir, ...)``), where the default says where the
data lives. An f-string's part that cannot be resolved becomes ``{its source}``.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

Value = str | int | float
MAX_CHARS = 10_000  # longer strings are no dataset names (and must not grow without bound)
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_MARKED = re.compile(f"{_MARK_OPEN}([^{_MARK_CLOSE}]*){_MARK_CLOSE}")
_PATH_TYPES = frozenset(
    {"Path", "PurePath", "PurePosixPath", "PosixPath", "PureWindowsPath", "WindowsPath"}
)
_JOINS = frozenset({"os.path.join", "posixpath.join", "ntpath.join"})
_SAME = frozenset({"as_posix", "resolve", "absolute", "expanduser", "strip", "__fspath__"})
_STRINGS = frozenset({"str", "os.fspath", "text", "sqlalchemy.text", "sqlalchemy.sql.text"})


@dataclass
class Scope:
    """What the code has bound so far, in notebook order.

    Attributes:
        values: Names bound to a resolved value (parameters to their marker).
        params: Parameter name -> default value.
        imports: Local name -> what it imports (``pd`` -> ``pandas``, ``P`` -> ``pathlib.Path``).
        connections: Name -> connection URL (:data:`.connections.MEMORY` for in-memory ones).
    """

    values: dict[str, Value] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)
    connections: dict[str, str] = field(default_factory=dict)

    def child(self, hidden: set[str]) -> Scope:
        """A copy for a function body: its own names (``hidden``) are unknown in it."""
        values = {k: v for k, v in self.values.items() if k not in hidden}
        conns = {k: v for k, v in self.connections.items() if k not in hidden}
        return Scope(values, self.params, dict(self.imports), conns)

    def forget(self, names: set[str]) -> None:
        for name in names:
            self.values.pop(name, None)
            self.connections.pop(name, None)


def marker(name: str) -> str:
    """The text a parameter resolves to inside a larger string."""
    return f"{_MARK_OPEN}{name}{_MARK_CLOSE}"


def qualified(node: ast.expr, imports: dict[str, str]) -> str:
    """The dotted name of ``node`` with its head resolved through the imports, or ``""``.

    >>> qualified(ast.parse("osp.join", mode="eval").body, {"osp": "os.path"})
    'os.path.join'
    """
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([imports.get(node.id, node.id), *reversed(parts)])


def finish(text: str, params: dict[str, Any]) -> str | None:
    """The location a resolved string names, or ``None`` when it is not known where it lives.

    A leading parameter becomes its default (when a string); other parameters become
    ``{name}`` placeholders. A location that starts with a placeholder, or is nothing but
    placeholders and punctuation, is not known.

    >>> params = {"out": "output", "as_of": "2026-11-01"}
    >>> finish(marker("out") + "/loans_" + marker("as_of") + ".csv", params)
    'output/loans_{as_of}.csv'
    >>> finish("{folder}/x.csv", params) is None
    True
    """
    lead = _MARKED.match(text)
    if lead and isinstance(params.get(lead.group(1)), str):
        text = params[lead.group(1)] + text[lead.end() :]
    text = _MARKED.sub(lambda m: "{" + m.group(1) + "}", text).strip()
    literal = re.sub(r"\{[^{}]*\}", "", text)
    if not text or text.startswith("{") or not re.search(r"\w", literal):
        return None
    return text


def resolve(node: ast.expr, scope: Scope) -> Value | None:
    """The value of ``node`` when it is known statically (see the module docstring).

    >>> scope = Scope(values={"root": "data"}, imports={"os": "os"})
    >>> resolve(ast.parse("os.path.join(root, f'x_{n}.csv')", mode="eval").body, scope)
    'data/x_{n}.csv'
    """
    try:
        value = _resolve(node, scope)
    except (RecursionError, ValueError, TypeError, IndexError, KeyError, OverflowError):
        return None
    if isinstance(value, str) and len(value) > MAX_CHARS:
        return None
    return value


def resolve_str(node: ast.expr, scope: Scope) -> str | None:
    """Like :func:`resolve`, for strings only."""
    value = resolve(node, scope)
    return value if isinstance(value, str) else None


def _resolve(node: ast.expr, scope: Scope) -> Value | None:
    if isinstance(node, ast.Constant):
        value = node.value
        return (
            value if isinstance(value, str | int | float) and not isinstance(value, bool) else None
        )
    if isinstance(node, ast.Name):
        return scope.values.get(node.id)
    if isinstance(node, ast.JoinedStr):
        return "".join(_fstring_part(part, scope) for part in node.values)
    if isinstance(node, ast.BinOp):
        return _binop(node, scope)
    if isinstance(node, ast.Call):
        return _call(node, scope)
    if isinstance(node, ast.Attribute) and node.attr in ("parent", "name", "stem"):
        inner = _path(node.value, scope)
        return None if inner is None else _path_attribute(inner, node.attr)
    return None


def _fstring_part(part: ast.expr, scope: Scope) -> str:
    if isinstance(part, ast.Constant):
        return str(part.value)
    assert isinstance(part, ast.FormattedValue)
    value = _resolve(part.value, scope)
    spec = _resolve(part.format_spec, scope) if part.format_spec else ""
    plain = part.conversion in (-1, ord("s")) and isinstance(spec, str) and not _huge(spec)
    if value is not None and plain and not (spec and _MARK_OPEN in str(value)):
        try:
            return format(value, str(spec))
        except (ValueError, TypeError):
            pass
    return "{" + ast.unparse(part.value) + "}"


def _binop(node: ast.BinOp, scope: Scope) -> Value | None:
    left, right = _resolve(node.left, scope), _resolve(node.right, scope)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Div) and isinstance(left, str) and isinstance(right, str):
        return posixpath.join(left, right)  # Path / "x"
    if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(node.op, ast.Mod) and isinstance(left, str) and not _huge(left):
        args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        values = [_resolve(arg, scope) for arg in args]
        return None if None in values else left % tuple(values)
    return None


def _huge(spec: str) -> bool:
    """Whether a format asks for a width that would build an enormous string (``:>99999``)."""
    return re.search(r"\d{5}|\*", spec) is not None  # "%*d" takes its width from the values


def _call(node: ast.Call, scope: Scope) -> Value | None:
    name = qualified(node.func, scope.imports)
    if isinstance(node.func, ast.Attribute) and name not in _JOINS:
        if node.func.attr == "join":  # "/".join([...])
            return _str_join(node.func.value, node.args, scope)
        if node.func.attr == "format":
            return _format(node.func.value, node, scope)
    args = [_resolve(arg, scope) for arg in node.args]
    if any(isinstance(arg, ast.Starred) for arg in node.args) or None in args:
        return None
    if name.rsplit(".", 1)[-1] in _PATH_TYPES or name in _JOINS:
        parts = [str(a) for a in args]
        return posixpath.join(*parts) if parts else "."
    if name in _STRINGS and len(args) == 1:
        return str(args[0])
    if isinstance(node.func, ast.Attribute):
        return _method(node, [str(a) for a in args], scope)
    return None


def _method(node: ast.Call, args: list[str], scope: Scope) -> str | None:
    assert isinstance(node.func, ast.Attribute)
    method, receiver = node.func.attr, node.func.value
    base = _path(receiver, scope)
    if base is None:
        return None
    if method == "joinpath":
        return posixpath.join(base, *args)
    if method in _SAME and not args:
        return base
    if method == "with_suffix" and len(args) == 1:
        return posixpath.splitext(base)[0] + args[0]
    if method == "with_name" and len(args) == 1:
        return posixpath.join(posixpath.dirname(base), args[0])
    return None


def _str_join(receiver: ast.expr, args: list[ast.expr], scope: Scope) -> str | None:
    sep = _path(receiver, scope)
    if sep is None or len(args) != 1 or not isinstance(args[0], ast.List | ast.Tuple):
        return None
    parts = [_path(item, scope) for item in args[0].elts]
    return None if None in parts else sep.join(p for p in parts if p is not None)


def _path(node: ast.expr, scope: Scope) -> str | None:
    value = _resolve(node, scope)
    return value if isinstance(value, str) else None


def _path_attribute(path: str, attr: str) -> str:
    if attr == "parent":
        return posixpath.dirname(path.rstrip("/")) or "."
    name = posixpath.basename(path.rstrip("/"))
    return name if attr == "name" else posixpath.splitext(name)[0]


def _format(receiver: ast.expr, node: ast.Call, scope: Scope) -> str | None:
    """``"loans_{as_of}.csv".format(as_of=x)``: known keyword values filled in, the rest kept."""
    template = _path(receiver, scope)
    if template is None:
        return None
    for keyword in node.keywords:
        value = _resolve(keyword.value, scope) if keyword.arg else None
        if keyword.arg and value is not None:
            text = str(value)
            if _MARK_OPEN not in text:
                template = template.replace("{" + keyword.arg + "}", text)
    return template
