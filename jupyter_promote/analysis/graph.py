"""The step graph: run order (topological, ties broken by notebook order) and cycle reports."""

from __future__ import annotations

import heapq
from graphlib import CycleError, TopologicalSorter
from itertools import pairwise

from jupyter_promote.analysis.spec import Diagnostic, Edge, Step


def run_order(steps: list[Step], edges: list[Edge], diagnostics: list[Diagnostic]) -> list[str]:
    """Order the steps so each runs after its upstreams, keeping notebook order where free.

    Args:
        steps: Steps in notebook order.
        edges: Dependencies between them.
        diagnostics: Where a cycle is reported (as an error naming every edge of it).

    Returns:
        Step names in run order; empty when the graph has a cycle.
    """
    position = {s.name: i for i, s in enumerate(steps)}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for step in steps:
        sorter.add(step.name, *[e.upstream for e in edges if e.step == step.name])
    try:
        sorter.prepare()
    except CycleError as exc:
        diagnostics.append(_cycle_diagnostic(list(exc.args[1]), edges))
        return []
    ready: list[tuple[int, str]] = []
    order: list[str] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(ready, (position.get(name, len(position)), name))
        _, name = heapq.heappop(ready)
        order.append(name)
        sorter.done(name)
    return order


def _cycle_diagnostic(cycle: list[str], edges: list[Edge]) -> Diagnostic:
    # graphlib lists the cycle as [a, b, ..., a], each node an upstream of the next one (it
    # walks from each step to the steps that wait for it), so the path reads in flow order.
    reasons = []
    for upstream, step in pairwise(cycle):
        edge = next((e for e in edges if e.upstream == upstream and e.step == step), None)
        if edge is None:  # cannot happen for a graph built from ``edges``; say it plainly
            why = "dependency"
        elif edge.explicit:
            why = f"after:{upstream} tag"
        else:
            why = "reads " + ", ".join(edge.names)
        reasons.append(f"{step} waits for {upstream} ({why})")
    return Diagnostic(
        severity="error",
        code="cycle",
        message="the steps form a cycle: " + " -> ".join(cycle) + "; " + "; ".join(reasons),
        hint="remove an after: tag or move the code that creates the loop into one step",
        step=cycle[0],
    )


def levels(order: list[str], edges: list[Edge]) -> dict[str, int]:
    """Depth of each step: 0 for steps with no upstream, else 1 + the deepest upstream."""
    depth: dict[str, int] = {}
    for name in order:
        ups = [depth[e.upstream] for e in edges if e.step == name and e.upstream in depth]
        depth[name] = 1 + max(ups) if ups else 0
    return depth
