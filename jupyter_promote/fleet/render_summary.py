"""What the lineage page shows instead of a drawing when the fleet is too big to draw: how
many pipelines each team has per effective tier, and the most important pipelines first."""

from __future__ import annotations

from html import escape

from jupyter_promote.fleet.links import FleetGraph, effective_tiers
from jupyter_promote.fleet.model import TIER_RANK
from jupyter_promote.release.settings import TIERS

LISTED = 500


def summary_tables(graph: FleetGraph, total: int, max_nodes: int, listed: int = LISTED) -> str:
    """The note saying why there is no drawing, then the team and pipeline tables.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("a", "ana", "risk"))
        >>> html = summary_tables(FleetGraph.build(fleet), 2500, 2000)
        >>> "2,500 nodes" in html, html.count("<table")
        (True, 2)
    """
    note = (
        f'<p class="note">This fleet has {total:,} nodes (pipelines, datasets and consumers):'
        f" more than the {max_nodes:,} a drawing stays readable with, so this page summarises"
        " it instead. For one pipeline, run <code>jupyter promote impact NAME</code> or open"
        " its lineage in the panel.</p>"
    )
    return note + _teams_table(graph) + _pipelines_table(graph, listed)


def _teams_table(graph: FleetGraph) -> str:
    tiers = effective_tiers(graph)
    counts: dict[str, dict[str, int]] = {}
    for name, pipeline in graph.pipelines.items():
        row = counts.setdefault(pipeline.team or "(no team)", dict.fromkeys(TIERS, 0))
        row[tiers[name]] += 1
    head = "".join(f"<th>{tier}</th>" for tier in TIERS)
    rows = "".join(
        f"<tr><td>{escape(team)}</td><td>{sum(row.values()):,}</td>"
        + "".join(f"<td>{row[tier]:,}</td>" for tier in TIERS)
        + "</tr>"
        for team, row in sorted(counts.items())
    )
    return (
        "<h2>Pipelines by team and effective tier</h2>"
        f"<table><tr><th>team</th><th>pipelines</th>{head}</tr>{rows}</table>"
    )


def _pipelines_table(graph: FleetGraph, listed: int) -> str:
    tiers = effective_tiers(graph)
    order = sorted(graph.pipelines, key=lambda name: (TIER_RANK[tiers[name]], name))
    rows = "".join(_pipeline_row(graph, name, tiers[name]) for name in order[:listed])
    shown = f"the first {listed:,} of {len(order):,}" if len(order) > listed else "all"
    return (
        f"<h2>Pipelines, most important first ({shown})</h2><table><tr><th>pipeline</th>"
        "<th>owner</th><th>team</th><th>tier</th><th>effective</th><th>reads</th>"
        f"<th>writes</th></tr>{rows}</table>"
    )


def _pipeline_row(graph: FleetGraph, name: str, effective: str) -> str:
    p = graph.pipelines[name]
    cells = (name, p.owner, p.team, p.tier, effective, f"{len(p.reads):,}", f"{len(p.writes):,}")
    return "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
