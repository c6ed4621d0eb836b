"""A layered left-to-right layout for drawing a directed graph (Sugiyama's method, lightly).

1. Cycles are broken deterministically: a depth-first search in the given node order reverses
   each edge that goes back to a node still on its path.
2. Longest-path layering: a node sits one layer right of its rightmost predecessor; then,
   from the right, each node with successors is pulled right next to its nearest successor
   (so a source dataset sits beside its reader, not in the first column).
3. Within each layer, nodes are ordered by the barycenter (mean relative position) of their
   neighbours, in a few sweeps down and up, which removes most crossings.
4. Rows (:func:`rows`): each node as level as it can be with its predecessors, below the node
   above it, so chains draw as straight lines.

Everything is O(V + E) per sweep, iterative (no recursion limit).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


def layered(nodes: list[str], edges: Iterable[tuple[str, str]], sweeps: int = 2) -> list[list[str]]:
    """The nodes in layers, left to right, each layer ordered top to bottom.

    Args:
        nodes: Every node, in the order that breaks ties (sorted ids give stable drawings).
        edges: (source, target) pairs; self-loops and unknown nodes are ignored.
        sweeps: Barycenter passes (each one down and one up).

    Example:
        >>> layered(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "a"), ("d", "c")])
        [['a'], ['b', 'd'], ['c']]
    """
    succ = _successors(nodes, edges)
    dag = _break_cycles(nodes, succ)
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for node, targets in dag.items():
        for target in targets:
            preds[target].append(node)
    layer = _longest_path(nodes, dag, preds)
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in nodes:
        columns[layer[node]].append(node)
    for _ in range(sweeps):
        _sweep(columns, preds, range(1, len(columns)))
        _sweep(columns, dag, range(len(columns) - 2, -1, -1))
    return columns


def _successors(nodes: list[str], edges: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    succ: dict[str, dict[str, None]] = {n: {} for n in nodes}
    for source, target in edges:
        if source != target and source in succ and target in succ:
            succ[source][target] = None
    return {n: list(targets) for n, targets in succ.items()}


def _break_cycles(nodes: list[str], succ: dict[str, list[str]]) -> dict[str, list[str]]:
    """The edges with each back edge of an iterative DFS reversed (the result is acyclic)."""
    state = dict.fromkeys(nodes, 0)  # 0 new, 1 on the path, 2 done
    dag: dict[str, list[str]] = {n: [] for n in nodes}
    for root in nodes:
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state[child] == 1:
                dag[child].append(node)  # a back edge: reversed
            else:
                dag[node].append(child)
                if state[child] == 0:
                    state[child] = 1
                    stack.append((child, iter(succ[child])))
    return {n: list(dict.fromkeys(targets)) for n, targets in dag.items()}


def _longest_path(
    nodes: list[str], dag: dict[str, list[str]], preds: dict[str, list[str]]
) -> dict[str, int]:
    """Layer of each node: longest path from a source (Kahn's order), then pulled right."""
    waiting = {n: len(preds[n]) for n in nodes}
    queue = deque(n for n in nodes if not waiting[n])
    layer = dict.fromkeys(nodes, 0)
    order: list[str] = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for target in dag[node]:
            layer[target] = max(layer[target], layer[node] + 1)
            waiting[target] -= 1
            if not waiting[target]:
                queue.append(target)
    for node in reversed(order):
        if dag[node]:
            layer[node] = min(layer[t] for t in dag[node]) - 1
    return layer


def _sweep(columns: list[list[str]], neighbours: dict[str, list[str]], indexes: range) -> None:
    """Reorder each layer of ``indexes`` by the mean relative position of its neighbours."""
    position: dict[str, float] = {}
    for column in columns:
        for index, node in enumerate(column):
            position[node] = index / max(1, len(column) - 1)
    for index in indexes:
        column = columns[index]

        def barycenter(node: str) -> float:
            near = [position[n] for n in neighbours[node]]
            return sum(near) / len(near) if near else position[node]

        column.sort(key=lambda node: (barycenter(node), position[node]))
        for rank, node in enumerate(column):
            position[node] = rank / max(1, len(column) - 1)


def rows(columns: list[list[str]], edges: Iterable[tuple[str, str]]) -> dict[str, float]:
    """The row of each node (0 at the top): level with the mean row of its predecessors in
    earlier layers where that leaves room, else just below the node above it.

    Example:
        >>> rows([["a", "b"], ["c"], ["d"]], [("b", "c"), ("c", "d")])
        {'a': 0.0, 'b': 1.0, 'c': 1.0, 'd': 1.0}
    """
    column_of = {node: index for index, column in enumerate(columns) for node in column}
    preds: dict[str, list[str]] = {node: [] for node in column_of}
    for source, target in edges:
        if column_of.get(source, len(columns)) < column_of.get(target, -1):
            preds[target].append(source)
    row: dict[str, float] = {}
    for column in columns:
        floor = 0.0
        for node in column:
            near = [row[p] for p in preds[node]]
            wanted = sum(near) / len(near) if near else floor
            row[node] = max(wanted, floor)
            floor = row[node] + 1
    return row
