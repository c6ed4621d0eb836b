"""Suggestions for near misses: the "did you mean" of every message that names a typo."""

from __future__ import annotations

import difflib


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str:
    """``' (did you mean "x"?)'`` for the closest candidate, or ``''``.

    >>> did_you_mean("laod", ["load", "clean"])
    ' (did you mean "load"?)'
    """
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return f' (did you mean "{close[0]}"?)' if close else ""
