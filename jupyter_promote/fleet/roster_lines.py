"""Where a problem of a YAML file is: paths like ``teams[0].members[1].id`` mapped to line
numbers, and pydantic's errors turned into sentences that name the fix.

Kept apart from :mod:`.roster` so the schema reads on its own; nothing here knows the roster
except through the ``allowed`` callback that names a model's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from pydantic_core import ErrorDetails

Path = tuple[str | int, ...]
Located = tuple[int, str, str]  # (line, path text, message)


def line_map(text: str) -> tuple[dict[Path, int], list[Located]]:
    """Line (1-based) of every key and list item, and the problems the composed tree shows
    (duplicate keys, which plain loading would silently drop).

    Example:
        >>> lines, problems = line_map("teams:\\n  - name: a\\n    name: b\\n")
        >>> lines[("teams", 0, "name")], problems
        (2, [(3, 'teams[0].name', 'duplicate key "name" (first on line 2); keep one')])
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[Path, int] = {(): 1}
    problems: list[Located] = []
    stack: list[tuple[Path, yaml.Node | None]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                child = (*path, str(key_node.value))
                line = key_node.start_mark.line + 1
                if child in lines and child != ():
                    msg = (
                        f'duplicate key "{key_node.value}" (first on line {lines[child]}); keep one'
                    )
                    problems.append((line, path_text(child), msg))
                    continue
                lines[child] = line
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                stack.append(((*path, index), item))
    return lines, problems


def path_text(path: Path) -> str:
    """``teams[0].members[1].id`` for ``("teams", 0, "members", 1, "id")``.

    >>> path_text(("teams", 0, "members", 1, "id"))
    'teams[0].members[1].id'
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def line_of(lines: dict[Path, int], path: Path) -> int:
    """The line of ``path``, or of its nearest ancestor present in the file."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def data_path(loc: tuple[str | int, ...], data: Any) -> Path:
    """A pydantic error location as a path in the data: union tags (``slack`` in
    ``channels.0.slack.url``) dropped, the missing or unknown field kept last.

    >>> data_path(("channels", 0, "slack", "url"), {"channels": [{"type": "slack"}]})
    ('channels', 0, 'url')
    """
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, dict):
            if not last and (part == current.get("type") or part not in current):
                continue  # the discriminated union's tag
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            current = None
        path.append(part)
    return tuple(path)


def describe(error: ErrorDetails, allowed: Callable[[tuple[str | int, ...]], list[str]]) -> str:
    """One pydantic error as a sentence; ``allowed(loc)`` names the fields of the model that
    holds the error (for unknown and missing fields, and wrong shapes).

    >>> describe({"type": "missing", "loc": ("to",), "msg": "", "input": {}},
    ...          lambda loc: ["type", "to"])
    'missing field "to" (fields: type, to)'
    """
    kind, loc, value = error["type"], error["loc"], error.get("input")
    fields = ", ".join(allowed(loc[:-1] if loc else loc))
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        return f'unknown field "{loc[-1]}"; allowed fields: {fields}'
    if kind == "missing":
        return f'missing field "{loc[-1]}" (fields: {fields})'
    if kind == "union_tag_invalid":
        tags = ctx.get("expected_tags", "").replace("'", "")
        return f'"{ctx.get("tag")}" is not a channel type; use one of: {tags}'
    if kind == "union_tag_not_found":
        return 'a channel needs a "type": slack, webhook or email'
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping with the fields: {', '.join(allowed(loc))}"
    if kind == "list_type":
        return "expected a list (items starting with -)"
    if kind == "string_type":
        return f"expected text, got {value!r}"
    return str(error["msg"])
