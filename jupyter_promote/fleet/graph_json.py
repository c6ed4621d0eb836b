"""The lineage graph as plain JSON-ready dicts: the whole fleet, or the neighbourhood of one
pipeline (what the panel draws).

Node ids carry their kind (``pipeline:extract``, ``dataset:file:x.csv``,
``consumer:regulator``) so names never collide across kinds. Edge kinds: ``writes``
(pipeline -> dataset), ``reads`` (dataset -> pipeline), ``consumes`` (pipeline -> consumer)
and ``matches`` (a written dataset -> a different read key it joins through placeholders).
Output is sorted, so the same fleet always gives the same JSON.
"""

from __future__ import annotations

from typing import Any

from jupyter_promote.fleet.impact import downstream, node_kind, upstream
from jupyter_promote.fleet.links import FleetGraph, dataset_tiers, effective_tiers

Node = dict[str, Any]
Edge = dict[str, str]


def node_id(kind: str, name: str) -> str:
    """The id of a node in the JSON views.

    >>> node_id("dataset", "file:x.csv")
    'dataset:file:x.csv'
    """
    return f"{kind}:{name}"


def to_json(graph: FleetGraph) -> dict[str, list[dict[str, Any]]]:
    """The whole graph: pipelines, datasets, consumers and edges, with effective tiers.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("report", "ben", tier="high", consumers=["cfo"],
        ...                         reads=["file:x.csv"]))
        >>> data = to_json(FleetGraph.build(fleet))
        >>> data["pipelines"][0]["effective_tier"], data["datasets"][0]["readers"]
        ('high', ['report'])
        >>> [e["kind"] for e in data["edges"]]
        ['reads', 'writes', 'consumes']
    """
    tiers = effective_tiers(graph)
    pipelines = [_pipeline_record(graph, name, tiers[name]) for name in sorted(graph.pipelines)]
    consumed: dict[str, set[str]] = {}
    for name, pipeline in graph.pipelines.items():
        for consumer in pipeline.consumers:
            consumed.setdefault(consumer, set()).add(name)
    consumers = [{"name": c, "pipelines": sorted(consumed[c])} for c in sorted(consumed)]
    return {
        "pipelines": pipelines,
        "datasets": [_dataset_record(graph, key) for key in graph.datasets],
        "consumers": consumers,
        "edges": _sorted_edges(_all_edges(graph)),
    }


def _pipeline_record(graph: FleetGraph, name: str, effective: str) -> dict[str, Any]:
    pipeline = graph.pipelines[name]
    return {
        "name": name,
        "owner": pipeline.owner,
        "team": pipeline.team,
        "tier": pipeline.tier,
        "effective_tier": effective,
        "reads": sorted(set(pipeline.reads)),
        "writes": sorted(set(pipeline.writes)),
        "consumers": sorted(set(pipeline.consumers)),
    }


def _dataset_record(graph: FleetGraph, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "pattern": "{" in key,
        "effective_tier": dataset_tiers(graph)[key],
        "writers": graph.writers.get(key, []),
        "readers": graph.readers.get(key, []),
    }


def _all_edges(graph: FleetGraph) -> set[tuple[str, str, str]]:
    edges: set[tuple[str, str, str]] = set()
    for key, names in graph.writers.items():
        edges.update((node_id("pipeline", n), node_id("dataset", key), "writes") for n in names)
        for read in graph.feeds.get(key, ()):
            edges.add((node_id("dataset", key), node_id("dataset", read), "matches"))
    for key, names in graph.readers.items():
        edges.update((node_id("dataset", key), node_id("pipeline", n), "reads") for n in names)
    for name, pipeline in graph.pipelines.items():
        edges.update(_consumer_edges(name, pipeline.consumers))
    return edges


def _consumer_edges(name: str, consumers: list[str]) -> set[tuple[str, str, str]]:
    return {(node_id("pipeline", name), node_id("consumer", c), "consumes") for c in consumers}


def _sorted_edges(edges: set[tuple[str, str, str]]) -> list[Edge]:
    return [{"source": s, "target": t, "kind": k} for s, t, k in sorted(edges)]


def neighbourhood(graph: FleetGraph, name: str, depth: int = 2) -> tuple[list[Node], list[Edge]]:
    """The subgraph around one pipeline (or dataset): what lies up to ``depth`` pipelines up-
    and downstream of it, the datasets linking them, the centre's own datasets, and the
    consumers of the centre and of what is downstream.

    Returns:
        (nodes, edges); nodes ``{id, kind, label}`` plus ``tier``, ``effective_tier`` and
        ``owner`` for pipelines and ``effective_tier`` for datasets read in the fleet; edges
        ``{source, target, kind}``. Both sorted by id.

    Raises:
        UnknownNode: ``name`` is neither a pipeline nor a dataset of the fleet.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("a", "ana", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("b", "ben", reads=["file:x.csv"], writes=["file:y.csv"]))
        >>> fleet.add(FleetPipeline("c", "cy", reads=["file:y.csv"]))
        >>> nodes, edges = neighbourhood(FleetGraph.build(fleet), "a", depth=1)
        >>> [n["id"] for n in nodes]
        ['dataset:file:x.csv', 'pipeline:a', 'pipeline:b']
    """
    kind = node_kind(graph, name)
    below = downstream(graph, name, depth).names()
    included = {*below, *upstream(graph, name, depth).names()}
    if kind == "pipeline":
        included.add(name)
    edges = _edges_between(graph, included)
    if kind == "pipeline":
        pipeline = graph.pipelines[name]
        edges.update(
            (node_id("pipeline", name), node_id("dataset", k), "writes") for k in pipeline.writes
        )
        edges.update(
            (node_id("dataset", k), node_id("pipeline", name), "reads") for k in pipeline.reads
        )
    else:
        edges.update(_dataset_edges(graph, name, included))
    for fed in ([name] if kind == "pipeline" else []) + below:
        edges.update(_consumer_edges(fed, graph.pipelines[fed].consumers))
    ids = {s for s, _, _ in edges} | {t for _, t, _ in edges}
    if kind == "dataset":
        ids.add(node_id("dataset", name))
    return [_node(graph, i) for i in sorted(ids)], _sorted_edges(edges)


def _edges_between(graph: FleetGraph, included: set[str]) -> set[tuple[str, str, str]]:
    """Edges through which one included pipeline feeds another."""
    edges: set[tuple[str, str, str]] = set()
    for name in included:
        for written in graph.pipelines[name].writes:
            for read in graph.flows_to(written):
                for reader in graph.readers.get(read, ()):
                    if reader in included:
                        edges.update(_hop(name, written, read, reader))
    return edges


def _dataset_edges(graph: FleetGraph, key: str, included: set[str]) -> set[tuple[str, str, str]]:
    """Edges from the centre dataset's writers and to its readers."""
    edges: set[tuple[str, str, str]] = set()
    for written in graph.flows_from(key):
        for writer in graph.writers.get(written, ()):
            if writer in included:
                edges.update(_hop(writer, written, key, None))
    for read in graph.flows_to(key):
        for reader in graph.readers.get(read, ()):
            if reader in included:
                edges.update(_hop(None, key, read, reader))
    return edges


def _hop(
    writer: str | None, written: str, read: str, reader: str | None
) -> set[tuple[str, str, str]]:
    edges: set[tuple[str, str, str]] = set()
    if writer is not None:
        edges.add((node_id("pipeline", writer), node_id("dataset", written), "writes"))
    if read != written:
        edges.add((node_id("dataset", written), node_id("dataset", read), "matches"))
    if reader is not None:
        edges.add((node_id("dataset", read), node_id("pipeline", reader), "reads"))
    return edges


def _node(graph: FleetGraph, ident: str) -> Node:
    kind, label = ident.split(":", 1)
    node: Node = {"id": ident, "kind": kind, "label": label}
    if kind == "pipeline":
        pipeline = graph.pipelines[label]
        node |= {
            "tier": pipeline.tier,
            "effective_tier": effective_tiers(graph)[label],
            "owner": pipeline.owner,
        }
    elif kind == "dataset" and dataset_tiers(graph)[label] is not None:
        node["effective_tier"] = dataset_tiers(graph)[label]
    return node
