"""Dataset names with ``{...}`` placeholders, as patterns.

A placeholder stands for a part of a name only known at run time (``loans_{as_of}.csv``): any
run of characters without ``/``, so a pattern never reaches into another folder. Two names
*overlap* when some concrete name matches both; this is how a pipeline writing
``loans_{as_of}.csv`` feeds one reading ``loans_2026-11-01.csv`` or ``loans_{date}.csv``.
"""

from __future__ import annotations

import re

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
MAX_CHARS = 2_000  # longer names are compared literally (the search is quadratic)


def names_overlap(a: str, b: str) -> bool:
    """Whether some name matches both patterns ``a`` and ``b``.

    >>> names_overlap("{a}_2026.csv", "loans_{b}.csv"), names_overlap("x/{d}.csv", "x/1/2.csv")
    (True, False)
    """
    if a == b:
        return True
    if ("{" not in a and "{" not in b) or len(a) > MAX_CHARS or len(b) > MAX_CHARS:
        return False
    return _overlap(_tokens(a), _tokens(b))


def _tokens(name: str) -> tuple[str | None, ...]:
    """Characters of ``name``, each placeholder as ``None`` (a wildcard)."""
    out: list[str | None] = []
    at = 0
    for found in PLACEHOLDER.finditer(name):
        out += [*name[at : found.start()], None]
        at = found.end()
    return (*out, *name[at:])


def _overlap(a: tuple[str | None, ...], b: tuple[str | None, ...]) -> bool:
    """Whether two wildcard patterns share a string: a search over pairs of positions."""
    todo, seen = [(0, 0)], set()
    while todo:
        i, j = todo.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        x = a[i] if i < len(a) else ""  # "" once a pattern is used up
        y = b[j] if j < len(b) else ""
        if x is None:  # a's wildcard ends here, or swallows b's next character
            todo += [(i + 1, j)] + ([(i, j + 1)] if y not in ("", "/") else [])
        if y is None:
            todo += [(i, j + 1)] + ([(i + 1, j)] if x not in ("", "/") else [])
        if x and x == y:
            todo.append((i + 1, j + 1))
    return False
