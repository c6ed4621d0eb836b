"""Who reads what whom writes: the fleet's lineage as indexes, built once in O(edges).

A pipeline writes datasets; pipelines reading them are downstream of it. Datasets join by key;
a key holding ``{...}`` placeholders (``file:data/loans_{as_of}.csv``) also joins the keys it
matches. Exact keys join through one dict lookup; only placeholder keys are compared with
others, and only with the keys sharing their literal prefix (a binary search in the sorted
keys), so a fleet of 100,000 pipelines without placeholders builds in one pass.

:func:`effective_tiers` gives every pipeline the highest tier among itself and everything
downstream, for the whole fleet at once in O(pipelines + datasets + edges): one reverse
breadth-first pass per tier, most important first (only four tiers, so this beats a general
strongly-connected-components pass, and a cycle still shares one value).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import cast

from jupyter_promote.fleet.datasets import matches, parse_dataset
from jupyter_promote.fleet.model import Fleet, FleetPipeline, highest_tier
from jupyter_promote.release.settings import TIERS, Tier

PLACEHOLDER = "{"


def _joins(reader_key: str, writer_key: str) -> bool:
    """Whether a pipeline reading ``reader_key`` reads what one writing ``writer_key`` writes.

    The one join rule of the graph (and of the catalog's links): equal keys, or a name with
    ``{placeholders}`` matching the other (``file:data/x_{as_of}.csv`` joins
    ``file:data/x_2026-11-01.csv``).

    >>> _joins("file:a.csv", "file:a.csv"), _joins("file:a.csv", "file:b.csv")
    (True, False)
    >>> _joins("file:d/x_2026.csv", "file:d/x_{as_of}.csv")
    True
    """
    if reader_key == writer_key:
        return True
    if PLACEHOLDER not in reader_key and PLACEHOLDER not in writer_key:
        return False
    return matches(parse_dataset(reader_key), parse_dataset(writer_key))


@dataclass
class FleetGraph:
    """The lineage of a fleet: pipelines, and for each dataset key who writes and reads it.

    Build it with :meth:`build`; the walks (:mod:`.impact`) and views (:mod:`.graph_json`)
    read these indexes and never scan the fleet.

    Attributes:
        pipelines: name -> pipeline.
        writers: dataset key -> names of the pipelines writing it (sorted).
        readers: dataset key -> names of the pipelines reading it (sorted).
        feeds: written key -> the *other* read keys it joins through placeholders.
        fed_by: read key -> the *other* written keys joining it (``feeds`` reversed).
        datasets: every dataset key, sorted.
    """

    pipelines: dict[str, FleetPipeline]
    writers: dict[str, list[str]]
    readers: dict[str, list[str]]
    feeds: dict[str, list[str]]
    fed_by: dict[str, list[str]]
    datasets: list[str]
    _tiers: tuple[dict[str, Tier], dict[str, Tier | None]] | None = field(
        default=None, repr=False, compare=False
    )

    @classmethod
    def build(cls, fleet: Fleet) -> FleetGraph:
        """Index ``fleet`` (pipelines are not copied: the graph shares them).

        Example:
            >>> from jupyter_promote.fleet.model import FleetPipeline
            >>> fleet = Fleet()
            >>> fleet.add(FleetPipeline("extract", "ana", writes=["file:x.csv"]))
            >>> fleet.add(FleetPipeline("report", "ben", reads=["file:x.csv"]))
            >>> graph = FleetGraph.build(fleet)
            >>> graph.readers["file:x.csv"], graph.datasets
            (['report'], ['file:x.csv'])
        """
        writers: dict[str, list[str]] = {}
        readers: dict[str, list[str]] = {}
        for name in sorted(fleet.pipelines):
            pipeline = fleet.pipelines[name]
            for key in dict.fromkeys(pipeline.writes):
                writers.setdefault(key, []).append(name)
            for key in dict.fromkeys(pipeline.reads):
                readers.setdefault(key, []).append(name)
        keys = sorted(writers.keys() | readers.keys())
        feeds, fed_by = _placeholder_joins(keys, writers, readers)
        return cls(dict(fleet.pipelines), writers, readers, feeds, fed_by, keys)

    def is_dataset(self, key: str) -> bool:
        """Whether some pipeline reads or writes ``key``."""
        return key in self.writers or key in self.readers

    def flows_to(self, written_key: str) -> Iterator[str]:
        """The read keys that ``written_key`` reaches: itself and those it joins."""
        yield written_key
        yield from self.feeds.get(written_key, ())

    def flows_from(self, read_key: str) -> Iterator[str]:
        """The written keys that reach ``read_key``: itself and those joining it."""
        yield read_key
        yield from self.fed_by.get(read_key, ())

    def readers_of(self, key: str) -> list[str]:
        """Pipelines reading what is written to ``key`` (placeholder joins included), sorted."""
        return sorted({q for r in self.flows_to(key) for q in self.readers.get(r, ())})

    def writers_of(self, key: str) -> list[str]:
        """Pipelines whose writes reach a reader of ``key``, sorted."""
        return sorted({q for w in self.flows_from(key) for q in self.writers.get(w, ())})

    def after(self, name: str) -> list[str]:
        """Pipelines reading an output of ``name`` (itself excluded), sorted."""
        found = {q for w in self.pipelines[name].writes for q in self.readers_of(w)}
        return sorted(found - {name})

    def before(self, name: str) -> list[str]:
        """Pipelines writing an input of ``name`` (itself excluded), sorted."""
        found = {q for r in self.pipelines[name].reads for q in self.writers_of(r)}
        return sorted(found - {name})


def _placeholder_joins(
    keys: list[str], writers: dict[str, list[str]], readers: dict[str, list[str]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Joins between *different* keys, found only from the keys holding placeholders.

    A key matching a pattern starts with the pattern's literal prefix, so each pattern is
    compared only with the run of sorted keys sharing that prefix.
    """
    feeds: dict[str, set[str]] = {}
    fed_by: dict[str, set[str]] = {}

    def link(written: str, read: str) -> None:
        if written in writers and read in readers and _joins(read, written):
            feeds.setdefault(written, set()).add(read)
            fed_by.setdefault(read, set()).add(written)

    for key in keys:
        if PLACEHOLDER not in key:
            continue
        prefix = key.split(PLACEHOLDER, 1)[0]
        index = bisect_left(keys, prefix)
        while index < len(keys) and keys[index].startswith(prefix):
            other = keys[index]
            if other != key:
                link(key, other)
                link(other, key)
            index += 1
    return _sorted_lists(feeds), _sorted_lists(fed_by)


def _sorted_lists(mapping: dict[str, set[str]]) -> dict[str, list[str]]:
    return {key: sorted(values) for key, values in mapping.items()}


def effective_tiers(graph: FleetGraph) -> dict[str, Tier]:
    """Each pipeline's effective tier: the highest among itself and everything downstream.

    Computed once per graph for all pipelines (then cached), in O(V + E).

    Example:
        >>> from jupyter_promote.fleet.model import FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("report", "ben", tier="critical", reads=["file:x.csv"]))
        >>> effective_tiers(FleetGraph.build(fleet))
        {'extract': 'critical', 'report': 'critical'}
    """
    return _all_tiers(graph)[0]


def dataset_tiers(graph: FleetGraph) -> dict[str, Tier | None]:
    """Each dataset's effective tier: the highest effective tier among the pipelines reading
    it (``None`` when nobody in the fleet reads it).

    Example:
        >>> from jupyter_promote.fleet.model import FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
        >>> dataset_tiers(FleetGraph.build(fleet))
        {'file:x.csv': None}
    """
    return _all_tiers(graph)[1]


def _all_tiers(graph: FleetGraph) -> tuple[dict[str, Tier], dict[str, Tier | None]]:
    if graph._tiers is None:
        graph._tiers = _compute_tiers(graph)
    return graph._tiers


def _compute_tiers(graph: FleetGraph) -> tuple[dict[str, Tier], dict[str, Tier | None]]:
    """One reverse breadth-first pass per tier, most important first: a pass marks whatever
    can reach a pipeline of its tier and is not marked yet. What a pass stops at was marked
    by an earlier pass, and so was everything upstream of it, so each pipeline and dataset is
    expanded once over all passes (O(V + E)) and the members of a cycle, which reach each
    other, get one value."""
    pipelines: dict[str, Tier] = {}
    datasets: dict[str, Tier | None] = {}
    expanded: set[str] = set()  # read keys whose writers were visited
    own = {name: highest_tier(p.tier) for name, p in graph.pipelines.items()}  # unknown: normal
    for tier in cast(tuple[Tier, ...], TIERS):
        queue = deque(name for name, mine in own.items() if mine == tier and name not in pipelines)
        pipelines.update(dict.fromkeys(queue, tier))
        while queue:
            for read in graph.pipelines[queue.popleft()].reads:
                if read not in expanded:
                    expanded.add(read)
                    queue.extend(_mark_writers(graph, read, tier, pipelines, datasets))
    pipeline_tiers = {name: pipelines[name] for name in graph.pipelines}
    return pipeline_tiers, {key: datasets.get(key) for key in graph.datasets}


def _mark_writers(
    graph: FleetGraph,
    read: str,
    tier: Tier,
    pipelines: dict[str, Tier],
    datasets: dict[str, Tier | None],
) -> list[str]:
    """Mark the keys reaching ``read`` and their writers with ``tier``; the writers newly
    marked (to expand next)."""
    found = []
    for written in graph.flows_from(read):
        if written in datasets:
            continue
        datasets[written] = tier
        for writer in graph.writers.get(written, ()):
            if writer not in pipelines:
                pipelines[writer] = tier
                found.append(writer)
    return found
