"""The fleet's lineage as one self-contained HTML page (no scripts, fonts or links to fetch: it
is opened offline, attached to tickets, archived).

Up to :data:`MAX_DRAWN` nodes it is an SVG drawing, laid out in layers left to right
(:mod:`.layout`): pipelines as rectangles filled with their effective tier's colour (a band on
the left shows their own tier), datasets as white pills outlined in the colour of what reads
them, consumers as small end dots; hovering shows owner, tiers and keys. Bigger fleets get
summary tables instead, and the page says so.
"""

from __future__ import annotations

from html import escape
from typing import Any

from jupyter_promote.fleet.graph_json import to_json
from jupyter_promote.fleet.layout import layered, rows
from jupyter_promote.fleet.links import FleetGraph
from jupyter_promote.fleet.render_summary import summary_tables

MAX_DRAWN = 2000
COLOURS = {"critical": "#b91c1c", "high": "#c2410c", "normal": "#1d4ed8", "low": "#6b7280"}
UNREAD = "#9ca3af"
COLUMN, ROW, WIDTH, HEIGHT, MARGIN = 250, 46, 190, 30, 24
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5rem;color:#111827}
h1{font-size:1.3rem;margin:0 0 .3rem}p{margin:.3rem 0}.canvas{overflow:auto;max-height:82vh;
border:1px solid #e5e7eb;border-radius:8px;background:#fafafa}.legend span{display:inline-block;
margin-right:1rem}.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;
vertical-align:middle;margin-right:.3rem}svg text{font-size:12px;dominant-baseline:middle}
.node:hover rect,.node:hover circle{stroke-width:3}table{border-collapse:collapse;margin:.8rem 0}
td,th{border:1px solid #e5e7eb;padding:.2rem .6rem;text-align:left}th{background:#f3f4f6}
"""


def lineage_html(graph: FleetGraph, title: str, max_nodes: int = MAX_DRAWN) -> str:
    """The page: a drawing, or summary tables above ``max_nodes`` nodes.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", writes=["file:x.csv"]))
        >>> page = lineage_html(FleetGraph.build(fleet), "Risk & co")
        >>> page.startswith("<!DOCTYPE html>"), page.count("<svg"), "Risk &amp; co" in page
        (True, 1, True)
    """
    consumers = {c for p in graph.pipelines.values() for c in p.consumers}
    total = len(graph.pipelines) + len(graph.datasets) + len(consumers)
    counts = (
        f"{len(graph.pipelines):,} pipelines · {len(graph.datasets):,} datasets · "
        f"{len(consumers):,} consumers"
    )
    if total > max_nodes:
        body = summary_tables(graph, total, max_nodes)
    else:
        body = _legend() + f'<div class="canvas">{_svg(graph)}</div>'
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>\n<body>"
        f"<h1>{escape(title)}</h1><p>{counts}</p>\n{body}\n</body></html>\n"
    )


def _legend() -> str:
    items = "".join(
        f'<span><i class="swatch" style="background:{colour}"></i>{tier}</span>'
        for tier, colour in COLOURS.items()
    )
    return (
        f'<p class="legend">Effective tier: {items} Rectangles are pipelines (left band: own'
        " tier), pills datasets, dots consumers; hover for details.</p>"
    )


def _svg(graph: FleetGraph) -> str:
    data = to_json(graph)
    nodes = _nodes(data)
    edges = [(e["source"], e["target"], e["kind"]) for e in data["edges"]]
    pairs = [(s, t) for s, t, _ in edges]
    columns = layered(sorted(nodes), pairs)
    row = rows(columns, pairs)
    where = {
        node: (MARGIN + c * COLUMN, MARGIN + round(row[node] * ROW))
        for c, column in enumerate(columns)
        for node in column
    }
    width = MARGIN * 2 + max(len(columns) - 1, 0) * COLUMN + WIDTH
    height = MARGIN * 2 + round((max(row.values(), default=-1) + 1) * ROW)
    parts = [_defs()]
    parts += [_edge(where[s], where[t], kind, nodes[t]["kind"]) for s, t, kind in edges]
    parts += [_node(nodes[n], *where[n]) for n in sorted(nodes)]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="lineage">{"".join(parts)}</svg>'
    )


def _nodes(data: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {}
    for p in data["pipelines"]:
        nodes[f"pipeline:{p['name']}"] = {"kind": "pipeline", "label": p["name"], **p}
    for d in data["datasets"]:
        nodes[f"dataset:{d['key']}"] = {"kind": "dataset", "label": d["key"], **d}
    for c in data["consumers"]:
        nodes[f"consumer:{c['name']}"] = {"kind": "consumer", "label": c["name"], **c}
    return nodes


def _defs() -> str:
    return (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#6b7280"/>'
        "</marker></defs>"
    )


def _edge(source: tuple[int, int], target: tuple[int, int], kind: str, to: str) -> str:
    x1, y1 = source[0] + WIDTH, source[1] + HEIGHT // 2
    x2, y2 = target[0], target[1] + HEIGHT // 2
    if x2 > x1:
        bend = (x2 - x1) // 2
        d = f"M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}"
    else:  # an edge going back (a cycle): loop below the nodes
        low = max(y1, y2) + ROW
        d = f"M{x1},{y1} C{x1 + 80},{low} {x2 - 80},{low} {x2},{y2}"
    dash = ' stroke-dasharray="4 3"' if kind == "matches" else ""
    return (
        f'<path class="edge {kind}" d="{d}" fill="none" stroke="#9ca3af" stroke-width="1.3"'
        f'{dash} marker-end="url(#arrow)"/>'
    )


def _node(node: dict[str, Any], x: int, y: int) -> str:
    kind = node["kind"]
    ident = escape(f"{kind}:{node['label']}")
    title = f"<title>{escape(_hover(node))}</title>"
    if kind == "pipeline":
        shape = _pipeline_shape(node, x, y)
    elif kind == "dataset":
        colour = COLOURS.get(node["effective_tier"] or "", UNREAD)
        shape = (
            f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="15" fill="#fff" '
            f'stroke="{colour}" stroke-width="1.6"/>{_text(node["label"], x + 12, y, "#111827")}'
        )
    else:
        shape = (
            f'<circle cx="{x + 8}" cy="{y + HEIGHT // 2}" r="7" fill="#374151"/>'
            f"{_text(node['label'], x + 20, y, '#374151')}"
        )
    return f'<g class="node {kind}" data-id="{ident}">{title}{shape}</g>'


def _pipeline_shape(node: dict[str, Any], x: int, y: int) -> str:
    fill = COLOURS[node["effective_tier"]]
    own = COLOURS.get(node["tier"], UNREAD)
    return (
        f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="5" fill="{fill}" '
        f'stroke="{own}"/><rect x="{x}" y="{y}" width="7" height="{HEIGHT}" rx="2" '
        f'fill="{own}" stroke="#fff"/>{_text(node["label"], x + 14, y, "#fff")}'
    )


def _text(label: str, x: int, y: int, colour: str) -> str:
    return f'<text x="{x}" y="{y + HEIGHT // 2}" fill="{colour}">{escape(_short(label))}</text>'


def _short(label: str, limit: int = 27) -> str:
    """``label`` cut in the middle to ``limit`` characters.

    >>> _short("s3://bucket/very/long/path/to/the/loans.parquet")
    's3://bucket/v…loans.parquet'
    """
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return f"{label[:head]}…{label[len(label) - (limit - 1 - head) :]}"


def _hover(node: dict[str, Any]) -> str:
    if node["kind"] == "pipeline":
        team = f", team {node['team']}" if node["team"] else ""
        return (
            f"pipeline {node['name']}\nowner {node['owner']}{team}\n"
            f"tier {node['tier']}, effective {node['effective_tier']}"
        )
    if node["kind"] == "dataset":
        tier = node["effective_tier"] or "none (no pipeline reads it)"
        return f"dataset {node['key']}\neffective tier {tier}"
    return f"consumer {node['name']}\nfed by {', '.join(node['pipelines'])}"
