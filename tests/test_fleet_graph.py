"""The fleet's lineage graph: effective tiers, impact walks, JSON views (pure, no catalog)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_promote.fleet import links
from jupyter_promote.fleet.graph import (
    FleetGraph,
    UnknownNode,
    dataset_tiers,
    downstream,
    effective_tiers,
    neighbourhood,
    to_json,
    upstream,
)
from jupyter_promote.fleet.model import Fleet, FleetPipeline, highest_tier

TIERS = ["critical", "high", "normal", "low"]


def graph_of(*pipelines: FleetPipeline) -> FleetGraph:
    fleet = Fleet()
    for pipeline in pipelines:
        fleet.add(pipeline)
    return FleetGraph.build(fleet)


def pipe(name, tier="normal", reads=(), writes=(), consumers=(), owner="ana", team="risk"):
    return FleetPipeline(
        name, owner, team, tier, list(consumers), reads=list(reads), writes=list(writes)
    )


def placeholder_joins(reader: str, writer: str) -> bool:
    """A stand-in for datasets.matches: ``{...}`` matches one or more characters but ``/``."""

    def pattern(key: str) -> re.Pattern[str]:
        parts = re.split(r"\{[^}]*\}", key)
        return re.compile("[^/]+".join(re.escape(p) for p in parts))

    return (
        reader == writer
        or bool(pattern(writer).fullmatch(reader))
        or bool(pattern(reader).fullmatch(writer))
    )


# -- effective tier ------------------------------------------------------------------------
def test_a_low_job_feeding_a_critical_report_is_critical():
    graph = graph_of(
        pipe("extract", "low", writes=["file:raw.csv"]),
        pipe("clean", "normal", reads=["file:raw.csv"], writes=["sql:risk.loans"]),
        pipe("report", "critical", reads=["sql:risk.loans"]),
        pipe("other", "high"),
    )
    assert effective_tiers(graph) == {
        "clean": "critical",
        "extract": "critical",
        "other": "high",
        "report": "critical",
    }


def test_diamond_takes_the_highest_branch_only_where_it_flows():
    graph = graph_of(
        pipe("source", "low", writes=["file:a.csv"]),
        pipe("left", "low", reads=["file:a.csv"], writes=["file:l.csv"]),
        pipe("right", "low", reads=["file:a.csv"], writes=["file:r.csv"]),
        pipe("join", "normal", reads=["file:l.csv", "file:r.csv"], writes=["file:j.csv"]),
        pipe("regulator", "critical", reads=["file:l.csv"]),
    )
    tiers = effective_tiers(graph)
    assert tiers["source"] == tiers["left"] == "critical"
    assert tiers["right"] == tiers["join"] == "normal"
    assert dataset_tiers(graph) == {
        "file:a.csv": "critical",
        "file:j.csv": None,
        "file:l.csv": "critical",
        "file:r.csv": "normal",
    }


def test_long_chain_of_20000_is_computed_without_recursion_and_quickly():
    n = 20_000
    chain = [pipe(f"p{i:05}", "low", [f"file:{i}"], [f"file:{i + 1}"]) for i in range(n - 1)]
    chain.append(pipe("last", "critical", [f"file:{n - 1}"]))
    started = time.perf_counter()
    graph = graph_of(*chain)
    tiers = effective_tiers(graph)
    impact = downstream(graph, "p00000")
    assert time.perf_counter() - started < 10
    assert set(tiers.values()) == {"critical"}
    assert len(impact.pipelines) == n - 1
    assert impact.pipelines[-1].name == "last" and impact.pipelines[-1].depth == n - 1
    assert impact.pipelines[2].path == ("file:1", "file:2", "file:3")


def test_a_cycle_shares_one_tier_and_walks_terminate():
    graph = graph_of(
        pipe("p", "low", reads=["file:e"], writes=["file:d"]),
        pipe("q", "high", reads=["file:d"], writes=["file:e"]),
        pipe("feeder", "low", writes=["file:e"]),
    )
    assert effective_tiers(graph) == {"feeder": "high", "p": "high", "q": "high"}
    assert downstream(graph, "p").names() == ["q"]
    assert upstream(graph, "p").names() == ["feeder", "q"]
    assert downstream(graph, "feeder").names() == ["p", "q"]


def test_a_pipeline_reading_its_own_output_is_not_its_own_downstream():
    graph = graph_of(pipe("inc", "low", reads=["file:state"], writes=["file:state"]))
    assert downstream(graph, "inc").names() == []
    assert effective_tiers(graph) == {"inc": "low"}


# -- impact ----------------------------------------------------------------------------------
def test_impact_of_a_pipeline_lists_depths_paths_datasets_and_consumers():
    graph = graph_of(
        pipe("extract", "low", writes=["file:x.csv"], owner="ana", team="cm"),
        pipe("clean", reads=["file:x.csv"], writes=["sql:t"], owner="ben"),
        pipe("report", "critical", reads=["sql:t"], consumers=["regulator"], owner="cy"),
        pipe("audit", "low", reads=["file:x.csv"], consumers=["auditor"]),
    )
    impact = downstream(graph, "extract")
    assert impact.kind == "pipeline" and impact.direction == "downstream"
    assert impact.effective_tier == "critical"
    assert [(p.name, p.depth, p.path, p.owner) for p in impact.pipelines] == [
        ("audit", 1, ("file:x.csv",), "ana"),
        ("clean", 1, ("file:x.csv",), "ben"),
        ("report", 2, ("file:x.csv", "sql:t"), "cy"),
    ]
    assert impact.pipelines[2].parent is impact.pipelines[1]
    assert (impact.pipelines[1].tier, impact.pipelines[1].effective_tier) == ("normal", "critical")
    assert impact.datasets == ["file:x.csv", "sql:t"]
    assert [tuple(c) for c in impact.consumers] == [("auditor", "audit"), ("regulator", "report")]
    assert impact.to_dict()["pipelines"][2] == {
        "name": "report",
        "owner": "cy",
        "team": "risk",
        "tier": "critical",
        "effective_tier": "critical",
        "depth": 2,
        "via": "sql:t",
        "path": ["file:x.csv", "sql:t"],
    }


def test_impact_of_a_dataset_starts_with_its_readers():
    graph = graph_of(
        pipe("extract", "low", writes=["file:x.csv"]),
        pipe("clean", "normal", reads=["file:x.csv"], writes=["sql:t"]),
        pipe("report", "high", reads=["sql:t"], consumers=["cfo"]),
    )
    impact = downstream(graph, "file:x.csv")
    assert impact.kind == "dataset"
    assert impact.effective_tier == "high"
    assert [(p.name, p.depth) for p in impact.pipelines] == [("clean", 1), ("report", 2)]
    assert impact.consumers == [("cfo", "report")]
    assert upstream(graph, "sql:t").names() == ["clean", "extract"]
    assert downstream(graph, "sql:t", max_depth=1).names() == ["report"]


def test_a_dataset_nobody_reads_has_no_effective_tier():
    graph = graph_of(pipe("extract", "critical", writes=["file:x.csv"]))
    impact = downstream(graph, "file:x.csv")
    assert (impact.effective_tier, impact.pipelines, impact.consumers) == (None, [], [])


def test_a_dataset_read_by_many():
    readers = [
        pipe(f"r{i:04}", "critical" if i == 777 else "low", ["file:hub"]) for i in range(2000)
    ]
    graph = graph_of(pipe("hub", "low", writes=["file:hub"]), *readers)
    impact = downstream(graph, "hub")
    assert len(impact.pipelines) == 2000 and {p.depth for p in impact.pipelines} == {1}
    assert impact.effective_tier == "critical"
    assert effective_tiers(graph)["r0001"] == "low"


def test_max_depth_limits_the_walk_but_lists_the_last_outputs():
    graph = graph_of(
        pipe("a", writes=["file:1"]), pipe("b", reads=["file:1"], writes=["file:2"]),
        pipe("c", reads=["file:2"], writes=["file:3"]), pipe("d", reads=["file:3"]),
    )  # fmt: skip
    impact = downstream(graph, "a", max_depth=2)
    assert impact.names() == ["b", "c"]
    assert impact.datasets == ["file:1", "file:2", "file:3"]


def test_unknown_name_suggests_the_closest_pipeline_or_dataset():
    graph = graph_of(pipe("extract", writes=["file:data/loans.csv"]))
    with pytest.raises(UnknownNode) as caught:
        downstream(graph, "extrac")
    assert str(caught.value) == (
        'no pipeline or dataset "extrac" in the fleet (did you mean "extract"?); '
        "run `jupyter promote lineage` to list the fleet's pipelines and datasets"
    )
    assert caught.value.http_status == 404
    with pytest.raises(UnknownNode, match=r'did you mean "file:data/loans.csv"\?'):
        upstream(graph, "file:data/loan.csv")
    with pytest.raises(UnknownNode, match=r'"zzz" in the fleet; run'):
        neighbourhood(graph, "zzz")


# -- placeholder joins (datasets.matches stand-in) -----------------------------------------
def test_placeholder_keys_join_only_with_keys_sharing_their_prefix(monkeypatch):
    calls: list[tuple[str, str]] = []

    def counting(reader: str, writer: str) -> bool:
        calls.append((reader, writer))
        return placeholder_joins(reader, writer)

    monkeypatch.setattr(links, "_joins", counting)
    unrelated = [pipe(f"u{i}", writes=[f"sql:t{i}"]) for i in range(500)]
    graph = graph_of(
        pipe("daily", "low", writes=["file:loans_{as_of}.csv"]),
        pipe("report", "critical", reads=["file:loans_2026.csv"]),
        pipe("other", reads=["file:other.csv"]),
        *unrelated,
    )
    assert graph.feeds == {"file:loans_{as_of}.csv": ["file:loans_2026.csv"]}
    assert effective_tiers(graph)["daily"] == "critical"
    assert downstream(graph, "daily").pipelines[0].path == ("file:loans_{as_of}.csv",)
    assert upstream(graph, "report").names() == ["daily"]
    assert len(calls) <= 2  # only the key with the pattern's prefix was compared


# -- JSON views --------------------------------------------------------------------------------
def small_graph() -> FleetGraph:
    return graph_of(
        pipe("extract", "low", writes=["file:x.csv"]),
        pipe("clean", reads=["file:x.csv"], writes=["sql:t"], owner="ben"),
        pipe("report", "critical", reads=["sql:t"], consumers=["regulator"], owner="cy"),
        pipe("side", "low", reads=["file:raw"], writes=["file:side"]),
    )


def test_neighbourhood_of_one_pipeline():
    nodes, edges = neighbourhood(small_graph(), "clean", depth=1)
    assert nodes == [
        {"id": "consumer:regulator", "kind": "consumer", "label": "regulator"},
        {"id": "dataset:file:x.csv", "kind": "dataset", "label": "file:x.csv",
         "effective_tier": "critical"},
        {"id": "dataset:sql:t", "kind": "dataset", "label": "sql:t", "effective_tier": "critical"},
        {"id": "pipeline:clean", "kind": "pipeline", "label": "clean", "tier": "normal",
         "effective_tier": "critical", "owner": "ben"},
        {"id": "pipeline:extract", "kind": "pipeline", "label": "extract", "tier": "low",
         "effective_tier": "critical", "owner": "ana"},
        {"id": "pipeline:report", "kind": "pipeline", "label": "report", "tier": "critical",
         "effective_tier": "critical", "owner": "cy"},
    ]  # fmt: skip
    assert [(e["source"], e["target"], e["kind"]) for e in edges] == [
        ("dataset:file:x.csv", "pipeline:clean", "reads"),
        ("dataset:sql:t", "pipeline:report", "reads"),
        ("pipeline:clean", "dataset:sql:t", "writes"),
        ("pipeline:extract", "dataset:file:x.csv", "writes"),
        ("pipeline:report", "consumer:regulator", "consumes"),
    ]


def test_neighbourhood_of_a_dataset_with_no_writer():
    nodes, edges = neighbourhood(small_graph(), "file:raw")
    assert [n["id"] for n in nodes] == ["dataset:file:raw", "pipeline:side"]
    assert edges == [{"source": "dataset:file:raw", "target": "pipeline:side", "kind": "reads"}]


def test_to_json_is_complete_and_stable():
    data = to_json(small_graph())
    assert [p["name"] for p in data["pipelines"]] == ["clean", "extract", "report", "side"]
    assert data["pipelines"][1] == {
        "name": "extract", "owner": "ana", "team": "risk", "tier": "low",
        "effective_tier": "critical", "reads": [], "writes": ["file:x.csv"], "consumers": [],
    }  # fmt: skip
    assert data["datasets"][0] == {
        "key": "file:raw", "pattern": False, "effective_tier": "low",
        "writers": [], "readers": ["side"],
    }  # fmt: skip
    assert data["consumers"] == [{"name": "regulator", "pipelines": ["report"]}]
    assert len(data["edges"]) == 7
    assert data == to_json(small_graph())


# -- properties on random fleets -------------------------------------------------------------
KEYS = ["file:a", "file:b", "file:x_{d}.csv", "file:x_1.csv", "file:x_2.csv", "sql:t"]
fleets = st.lists(
    st.tuples(
        st.sampled_from(TIERS),
        st.lists(st.sampled_from(KEYS), max_size=3),
        st.lists(st.sampled_from(KEYS), max_size=3),
    ),
    max_size=10,
)


def random_graph(specs) -> FleetGraph:
    return graph_of(*(pipe(f"p{i}", t, r, w) for i, (t, r, w) in enumerate(specs)))


def naive_links(graph: FleetGraph) -> dict[str, set[str]]:
    return {
        p.name: {
            q.name
            for q in graph.pipelines.values()
            if any(links._joins(r, w) for w in p.writes for r in q.reads)
        }
        for p in graph.pipelines.values()
    }


def reachable(adjacency: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in adjacency[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def check_against_naive(graph: FleetGraph) -> None:
    adjacency = naive_links(graph)
    tiers = effective_tiers(graph)
    for name in graph.pipelines:
        down = reachable(adjacency, name)
        assert tiers[name] == highest_tier(*(graph.pipelines[q].tier for q in down))
        assert set(downstream(graph, name).names()) == down - {name}
        for other in graph.pipelines:
            assert (other in downstream(graph, name).names()) == (
                name in upstream(graph, other).names()
            )


@settings(max_examples=150, deadline=None)
@given(fleets)
def test_effective_tiers_and_walks_match_the_naive_definitions(specs):
    check_against_naive(random_graph(specs))


@settings(max_examples=150, deadline=None)
@given(fleets)
def test_with_placeholder_joins_too(specs):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(links, "_joins", placeholder_joins)
        check_against_naive(random_graph(specs))


@settings(max_examples=100, deadline=None)
@given(fleets)
def test_depths_are_shortest_distances(specs):
    graph = random_graph(specs)
    adjacency = naive_links(graph)
    for name in graph.pipelines:
        for reached in downstream(graph, name).pipelines:
            assert len(reached.path) == reached.depth
            frontier, depth = {name}, 0
            while reached.name not in frontier:
                frontier = {q for p in frontier for q in adjacency[p]}
                depth += 1
            assert depth == reached.depth
