"""What breaks if a pipeline or dataset breaks (downstream), and what it depends on (upstream).

Breadth-first walks over the :class:`~.links.FleetGraph` indexes: each dataset key is expanded
once, each pipeline reached once (at its smallest depth), so a walk costs O(what it reaches)
and ends on cycles. Each pipeline reached keeps the pipeline it was reached from, so its path
of dataset keys is rebuilt on demand instead of copied at every depth (a chain of 100,000
pipelines would otherwise hold 5 billion keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from jupyter_promote.errors import PromoteError
from jupyter_promote.fleet.links import FleetGraph, dataset_tiers, effective_tiers
from jupyter_promote.release.settings import Tier
from jupyter_promote.util.spelling import did_you_mean

Kind = Literal["pipeline", "dataset"]
Direction = Literal["downstream", "upstream"]


class UnknownNode(PromoteError):
    """The name given is neither a pipeline nor a dataset of the fleet.

    Example:
        >>> print(UnknownNode("extrac", ["extract", "file:x.csv"]))
        no pipeline or dataset "extrac" in the fleet (did you mean "extract"?); run ...
    """

    http_status = 404

    def __init__(self, name: str, candidates: list[str]) -> None:
        super().__init__(
            f'no pipeline or dataset "{name}" in the fleet{did_you_mean(name, candidates)}',
            hint="run `jupyter promote lineage` to list the fleet's pipelines and datasets",
            details={"name": name},
        )
        self.name = name


@dataclass(frozen=True)
class Reached:
    """A pipeline reached by a walk.

    Attributes:
        depth: 1 for a pipeline one dataset away from the start, 2 for the next, ...
        via: The written dataset key through which it was reached.
        parent: The pipeline it was reached from (``None``: from the start itself).
    """

    name: str
    owner: str
    team: str
    tier: Tier
    effective_tier: Tier
    depth: int
    via: str
    parent: Reached | None = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> tuple[str, ...]:
        """The dataset keys walked from the start to this pipeline, in walking order."""
        keys: list[str] = []
        node: Reached | None = self
        while node is not None:
            keys.append(node.via)
            node = node.parent
        return tuple(reversed(keys))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the path."""
        fields = ("name", "owner", "team", "tier", "effective_tier", "depth", "via")
        return {name: getattr(self, name) for name in fields} | {"path": list(self.path)}


class FedConsumer(NamedTuple):
    """A consumer (a report, a person, a system) and the pipeline that feeds it."""

    consumer: str
    pipeline: str


@dataclass
class Impact:
    """The result of :func:`downstream` or :func:`upstream`.

    Attributes:
        start: The pipeline name or dataset key walked from.
        kind: Whether ``start`` is a pipeline or a dataset.
        direction: ``downstream`` or ``upstream``.
        effective_tier: The start's effective tier (a dataset's: the highest among its
            readers; ``None`` when nobody reads it).
        pipelines: Pipelines reached (the start excluded), by depth then name.
        datasets: Dataset keys walked through, sorted.
        consumers: Consumers fed by the start and the pipelines reached (downstream only).
    """

    start: str
    kind: Kind
    direction: Direction
    effective_tier: Tier | None
    pipelines: list[Reached]
    datasets: list[str]
    consumers: list[FedConsumer]

    def names(self) -> list[str]:
        """Names of the pipelines reached, by depth then name."""
        return [p.name for p in self.pipelines]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the REST and ``--json`` shape)."""
        return {
            "start": self.start,
            "kind": self.kind,
            "direction": self.direction,
            "effective_tier": self.effective_tier,
            "pipelines": [p.to_dict() for p in self.pipelines],
            "datasets": self.datasets,
            "consumers": [c._asdict() for c in self.consumers],
        }


def downstream(graph: FleetGraph, start: str, max_depth: int | None = None) -> Impact:
    """What reads the outputs of ``start`` (a pipeline name or a dataset key), transitively.

    Args:
        graph: The fleet's graph.
        start: A pipeline name, or a dataset key (its readers are at depth 1).
        max_depth: Stop after this many pipelines away (``None``: everything).

    Returns:
        The pipelines, datasets and consumers downstream.

    Raises:
        UnknownNode: ``start`` is neither a pipeline nor a dataset of the fleet.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("clean", "ben", reads=["file:x.csv"], writes=["sql:t"]))
        >>> fleet.add(FleetPipeline("report", "cy", "risk", "critical", ["regulator"],
        ...                         reads=["sql:t"]))
        >>> impact = downstream(FleetGraph.build(fleet), "extract")
        >>> impact.names(), impact.effective_tier, impact.pipelines[-1].path
        (['clean', 'report'], 'critical', ('file:x.csv', 'sql:t'))
        >>> impact.consumers
        [FedConsumer(consumer='regulator', pipeline='report')]
    """
    return _walk(graph, start, "downstream", max_depth)


def upstream(graph: FleetGraph, start: str, max_depth: int | None = None) -> Impact:
    """What ``start`` (a pipeline name or a dataset key) depends on, transitively.

    Arguments, result and errors as :func:`downstream`; paths list the keys walked from the
    start backwards, and ``consumers`` is empty.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("report", "ben", reads=["file:x.csv"]))
        >>> upstream(FleetGraph.build(fleet), "report").names()
        ['extract']
    """
    return _walk(graph, start, "upstream", max_depth)


def _walk(graph: FleetGraph, start: str, direction: Direction, max_depth: int | None) -> Impact:
    kind = node_kind(graph, start)
    down = direction == "downstream"
    first = _keys_of(graph, start, down) if kind == "pipeline" else [start]
    reached: dict[str, Reached] = {}
    seen = _Seen()
    frontier: list[tuple[Reached | None, list[str]]] = [(None, first)]
    depth = 0
    while frontier and (max_depth is None or depth < max_depth):
        depth += 1
        following: list[tuple[Reached | None, list[str]]] = []
        for parent, keys in frontier:
            for key in keys:
                for name, via in _step(graph, key, down, seen):
                    if name != start and name not in reached:
                        item = _reached(graph, name, depth, via, parent)
                        reached[name] = item
                        following.append((item, _keys_of(graph, name, down)))
        frontier = following
    datasets = seen.sources | seen.targets | {key for _, keys in frontier for key in keys}
    return Impact(
        start=start,
        kind=kind,
        direction=direction,
        effective_tier=_start_tier(graph, start, kind),
        pipelines=sorted(reached.values(), key=lambda p: (p.depth, p.name)),
        datasets=sorted(datasets),
        consumers=_consumers(graph, start, kind, reached) if down else [],
    )


def node_kind(graph: FleetGraph, start: str) -> Kind:
    """Whether ``start`` names a pipeline or a dataset of the fleet (pipelines first).

    Raises:
        UnknownNode: It names neither; the message suggests the closest name.
    """
    if start in graph.pipelines:
        return "pipeline"
    if graph.is_dataset(start):
        return "dataset"
    raise UnknownNode(start, [*graph.pipelines, *graph.datasets])


def _keys_of(graph: FleetGraph, name: str, down: bool) -> list[str]:
    pipeline = graph.pipelines[name]
    return pipeline.writes if down else pipeline.reads


def _step(graph: FleetGraph, key: str, down: bool, seen: _Seen) -> list[tuple[str, str]]:
    """(pipeline, written key) one dataset hop from ``key``; each key is expanded once from
    each side (as the key walked from, and as the key whose readers or writers are listed)."""
    if key in seen.sources:
        return []
    seen.sources.add(key)
    hops: list[tuple[str, str]] = []
    for other in graph.flows_to(key) if down else graph.flows_from(key):
        if other not in seen.targets:
            seen.targets.add(other)
            if down:
                hops.extend((name, key) for name in graph.readers.get(other, ()))
            else:
                hops.extend((name, other) for name in graph.writers.get(other, ()))
    return hops


@dataclass
class _Seen:
    sources: set[str] = field(default_factory=set)
    targets: set[str] = field(default_factory=set)


def _reached(graph: FleetGraph, name: str, depth: int, via: str, parent: Reached | None) -> Reached:
    pipeline = graph.pipelines[name]
    effective = effective_tiers(graph)[name]
    return Reached(
        name, pipeline.owner, pipeline.team, pipeline.tier, effective, depth, via, parent
    )


def _start_tier(graph: FleetGraph, start: str, kind: Kind) -> Tier | None:
    if kind == "pipeline":
        return effective_tiers(graph)[start]
    return dataset_tiers(graph)[start]


def _consumers(
    graph: FleetGraph, start: str, kind: Kind, reached: dict[str, Reached]
) -> list[FedConsumer]:
    names = [start, *reached] if kind == "pipeline" else list(reached)
    found = {
        FedConsumer(consumer, name)
        for name in names
        for consumer in graph.pipelines[name].consumers
    }
    return sorted(found)
