"""Effective tier: the highest tier of a pipeline and of everything downstream of it.

A small upstream job that feeds the regulator's report is critical. Computed for a whole fleet
in O(tiers x (pipelines + links)): for each tier, most important first, one breadth-first walk
upstream from the pipelines of that tier marks everything that feeds them and has no tier yet.
Pipelines that feed each other (a cycle) end with the same value, as they should.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from jupyter_promote.release.settings import TIERS, Tier


def effective_tiers_of(
    tiers: Mapping[str, str], links: Iterable[tuple[str, str]]
) -> dict[str, Tier]:
    """Each pipeline's effective tier.

    Args:
        tiers: pipeline -> its own tier.
        links: (upstream, downstream) pairs; pipelines not in ``tiers`` are ignored.

    Example:
        >>> effective_tiers_of({"extract": "low", "clean": "normal", "report": "critical",
        ...                     "other": "high"},
        ...                    [("extract", "clean"), ("clean", "report")])
        {'extract': 'critical', 'clean': 'critical', 'report': 'critical', 'other': 'high'}
    """
    upstream: dict[str, list[str]] = {name: [] for name in tiers}
    for up, down in links:
        if up in upstream and down in upstream and up != down:
            upstream[down].append(up)
    result: dict[str, Tier] = {}
    for tier in TIERS:  # most important first: the first tier to reach a pipeline wins
        queue = deque(name for name, own in tiers.items() if own == tier and name not in result)
        for name in queue:
            result[name] = tier  # type: ignore[assignment]
        while queue:
            for up in upstream[queue.popleft()]:
                if up not in result:
                    result[up] = tier  # type: ignore[assignment]
                    queue.append(up)
    for name in tiers:  # an unknown tier counts as normal
        result.setdefault(name, "normal")
    return {name: result[name] for name in tiers}
