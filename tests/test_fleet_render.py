"""Lineage for people: terminal text (exact), the HTML page (parsed), the layout rules."""

from __future__ import annotations

import itertools
from html.parser import HTMLParser

import pytest

from jupyter_promote.fleet.impact import downstream, upstream
from jupyter_promote.fleet.layout import layered, rows
from jupyter_promote.fleet.links import FleetGraph
from jupyter_promote.fleet.model import Fleet, FleetPipeline
from jupyter_promote.fleet.render import impact_text, lineage_html, lineage_text


def graph_of(*pipelines: FleetPipeline) -> FleetGraph:
    fleet = Fleet()
    for pipeline in pipelines:
        fleet.add(pipeline)
    return FleetGraph.build(fleet)


def small() -> FleetGraph:
    return graph_of(
        FleetPipeline("extract", "ana", "cm", "low", reads=["s3://raw/loans.parquet"],
                      writes=["file:data/loans.csv"]),
        FleetPipeline("clean", "ben", "risk", "normal", reads=["file:data/loans.csv"],
                      writes=["sql:risk.loans"]),
        FleetPipeline("report", "cy", "risk", "critical", ["regulator", "cfo"],
                      reads=["sql:risk.loans"]),
        FleetPipeline("old", "dee", "", "low", writes=["file:old.csv"]),
    )  # fmt: skip


def test_lineage_text_of_a_small_fleet():
    assert lineage_text(small()) == (
        "4 pipelines, 4 datasets, 2 consumers\n"
        "\n"
        "clean  owner ben, team risk, tier normal (effective critical)\n"
        "  reads   file:data/loans.csv <- extract\n"
        "  writes  sql:risk.loans -> report\n"
        "\n"
        "extract  owner ana, team cm, tier low (effective critical)\n"
        "  reads   s3://raw/loans.parquet (no writer)\n"
        "  writes  file:data/loans.csv -> clean\n"
        "\n"
        "old  owner dee, tier low\n"
        "  writes  file:old.csv (no reader)\n"
        "\n"
        "report  owner cy, team risk, tier critical\n"
        "  reads   sql:risk.loans <- clean\n"
        "  feeds   cfo, regulator"
    )


def test_lineage_text_of_an_empty_fleet():
    assert lineage_text(graph_of()) == "no pipelines in the fleet yet"


def test_impact_text_downstream_and_upstream():
    graph = small()
    assert impact_text(downstream(graph, "extract")) == (
        "downstream of extract (pipeline, effective tier critical): 2 pipelines, 2 datasets,"
        " 2 consumers\n"
        "  depth  pipeline  owner  team  tier                         from     via\n"
        "  1      clean     ben    risk  normal (effective critical)  extract"
        "  file:data/loans.csv\n"
        "  2      report    cy     risk  critical                     clean    sql:risk.loans\n"
        "consumers:\n"
        "  cfo (fed by report)\n"
        "  regulator (fed by report)"
    )
    assert impact_text(upstream(graph, "report")) == (
        "upstream of report (pipeline, effective tier critical): 2 pipelines, 3 datasets,"
        " 0 consumers\n"
        "  depth  pipeline  owner  team  tier                         feeds   via\n"
        "  1      clean     ben    risk  normal (effective critical)  report  sql:risk.loans\n"
        "  2      extract   ana    cm    low (effective critical)     clean   file:data/loans.csv"
    )


def test_impact_text_when_nothing_is_reached():
    assert impact_text(downstream(small(), "file:old.csv")) == (
        "downstream of file:old.csv (dataset, effective tier none, no pipeline reads it):"
        " 0 pipelines, 1 dataset, 0 consumers\n"
        "  no pipeline in the fleet reads its outputs"
    )


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def of(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and (cls is None or a.get("class") == cls)]


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def test_html_draws_one_svg_with_a_node_per_pipeline_dataset_and_consumer():
    graph = small()
    page = lineage_html(graph, "Risk <lineage>")
    tags = parse(page)
    assert len(tags.of("svg")) == 1
    assert sorted(g["data-id"] for g in tags.of("g", "node pipeline")) == [
        f"pipeline:{name}" for name in sorted(graph.pipelines)
    ]
    assert sorted(g["data-id"] for g in tags.of("g", "node dataset")) == [
        f"dataset:{key}" for key in graph.datasets
    ]
    assert len(tags.of("g", "node consumer")) == 2
    assert len([a for t, a in tags.tags if t == "path" and "edge" in (a.get("class") or "")]) == 8
    assert "<title>Risk &lt;lineage&gt;</title>" in page
    assert "pipeline extract\nowner ana, team cm\ntier low, effective critical" in page


def test_html_is_self_contained():
    tags = parse(lineage_html(small(), "x"))
    assert not tags.of("script") and not tags.of("link") and not tags.of("img")
    assert all("src" not in attrs and "href" not in attrs for _, attrs in tags.tags)


def test_html_draws_cycles_and_a_few_hundred_pipelines():
    pipelines = [
        FleetPipeline(f"p{i:03}", "ana", tier="low", reads=[f"file:{i}"], writes=[f"file:{i + 1}"])
        for i in range(300)
    ]
    pipelines.append(FleetPipeline("back", "ben", tier="high", reads=["file:300"],
                                   writes=["file:0"]))  # fmt: skip
    tags = parse(lineage_html(graph_of(*pipelines), "chain"))
    (svg,) = tags.of("svg")
    assert len(tags.of("g", "node pipeline")) == 301
    assert int(svg["width"] or 0) > 10_000  # wide: the page scrolls it
    assert len(tags.of("path")) == 1 + 602  # the arrow marker, then every edge


def test_big_fleets_get_a_summary_table_instead_of_a_drawing():
    pipelines = [
        FleetPipeline(f"p{i:04}", "ana", f"team{i % 3}", "critical" if i == 7 else "low",
                      writes=[f"file:{i}"])
        for i in range(1001)
    ]  # fmt: skip
    page = lineage_html(graph_of(*pipelines), "big")
    tags = parse(page)
    assert tags.of("svg") == []
    assert (
        "This fleet has 2,002 nodes (pipelines, datasets and consumers): more than the 2,000"
        in page
    )
    assert len(tags.of("table")) == 2
    assert len(tags.of("tr")) == 1 + 3 + 1 + 500
    assert "Pipelines, most important first (the first 500 of 1,001)" in page
    assert page.index("<td>p0007</td>") < page.index("<td>p0000</td>")
    assert parse(lineage_html(small(), "x", max_nodes=5)).of("svg") == []


# -- layout --------------------------------------------------------------------------------------
def test_layers_go_left_to_right_and_break_cycles_deterministically():
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("x", "d")]
    columns = layered(["a", "b", "c", "d", "x"], edges)
    assert columns == [["a"], ["b"], ["c", "x"], ["d"]]
    assert columns == layered(["a", "b", "c", "d", "x"], list(reversed(edges)))


def crossings(columns: list[list[str]], edges: list[tuple[str, str]]) -> int:
    where = {n: (c, r) for c, column in enumerate(columns) for r, n in enumerate(column)}
    spans = [(where[s], where[t]) for s, t in edges]
    return sum(
        1
        for (a1, a2), (b1, b2) in itertools.combinations(spans, 2)
        if a1[0] == b1[0] and a2[0] == b2[0] and (a1[1] - b1[1]) * (a2[1] - b2[1]) < 0
    )


def test_barycenter_sweeps_remove_crossings():
    nodes = ["a", "b", "c", "x", "y", "z"]
    edges = [("a", "z"), ("b", "y"), ("c", "x")]  # sorted order crosses all three
    assert crossings([["a", "b", "c"], ["x", "y", "z"]], edges) == 3
    assert crossings(layered(nodes, edges), edges) == 0
    assert crossings(layered(nodes, edges, sweeps=0), edges) == 3


def test_rows_keep_chains_level():
    columns = [["a", "b"], ["c"], ["d", "e"]]
    assert rows(columns, [("b", "c"), ("c", "e"), ("a", "d")]) == {
        "a": 0.0, "b": 1.0, "c": 1.0, "d": 0.0, "e": 1.0,
    }  # fmt: skip


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_graphs(n):
    nodes = [f"n{i}" for i in range(n)]
    assert layered(nodes, []) == ([nodes] if nodes else [])
