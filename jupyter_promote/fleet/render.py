"""The lineage for people: terminal text (``jupyter promote lineage``, ``impact``) and the
self-contained HTML page (:func:`lineage_html`, from :mod:`.render_html`)."""

from __future__ import annotations

from jupyter_promote.fleet.impact import Impact, Reached
from jupyter_promote.fleet.links import FleetGraph, effective_tiers
from jupyter_promote.fleet.model import FleetPipeline
from jupyter_promote.fleet.render_html import lineage_html

NAMES_SHOWN = 8

__all__ = ["impact_text", "lineage_html", "lineage_text"]


def lineage_text(graph: FleetGraph) -> str:
    """Each pipeline, by name: owner, tiers, what it reads from whom, writes to whom, feeds.

    Example:
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("report", "ben", "risk", "high", ["cfo"],
        ...                         reads=["file:x.csv"]))
        >>> print(lineage_text(FleetGraph.build(fleet)))
        2 pipelines, 1 dataset, 1 consumer
        <BLANKLINE>
        extract  owner ana, tier low (effective high)
          writes  file:x.csv -> report
        <BLANKLINE>
        report  owner ben, team risk, tier high
          reads   file:x.csv <- extract
          feeds   cfo
    """
    if not graph.pipelines:
        return "no pipelines in the fleet yet"
    consumers = {c for p in graph.pipelines.values() for c in p.consumers}
    head = ", ".join(
        (
            _count(len(graph.pipelines), "pipeline"),
            _count(len(graph.datasets), "dataset"),
            _count(len(consumers), "consumer"),
        )
    )
    blocks = [_pipeline_block(graph, name) for name in sorted(graph.pipelines)]
    return "\n\n".join([head, *blocks])


def _pipeline_block(graph: FleetGraph, name: str) -> str:
    pipeline = graph.pipelines[name]
    lines = [f"{name}  {_who(pipeline)}, {_tiers(pipeline.tier, effective_tiers(graph)[name])}"]
    for key in sorted(set(pipeline.reads)):
        writers = graph.writers_of(key)
        lines.append(f"  reads   {key} " + (f"<- {_names(writers)}" if writers else "(no writer)"))
    for key in sorted(set(pipeline.writes)):
        readers = graph.readers_of(key)
        lines.append(f"  writes  {key} " + (f"-> {_names(readers)}" if readers else "(no reader)"))
    if pipeline.consumers:
        lines.append(f"  feeds   {_names(sorted(set(pipeline.consumers)))}")
    return "\n".join(lines)


def impact_text(impact: Impact) -> str:
    """An :class:`Impact` as a headline and a table of the pipelines reached.

    Example:
        >>> from jupyter_promote.fleet.impact import downstream
        >>> from jupyter_promote.fleet.model import Fleet, FleetPipeline
        >>> fleet = Fleet()
        >>> fleet.add(FleetPipeline("extract", "ana", tier="low", writes=["file:x.csv"]))
        >>> fleet.add(FleetPipeline("report", "ben", "risk", "high", ["cfo"],
        ...                         reads=["file:x.csv"]))
        >>> print(impact_text(downstream(FleetGraph.build(fleet), "extract")))
        downstream of extract (pipeline, effective tier high): 1 pipeline, 1 dataset, 1 consumer
          depth  pipeline  owner  team  tier  from     via
          1      report    ben    risk  high  extract  file:x.csv
        consumers:
          cfo (fed by report)
    """
    tier = impact.effective_tier or "none, no pipeline reads it"
    counts = ", ".join(
        (
            _count(len(impact.pipelines), "pipeline"),
            _count(len(impact.datasets), "dataset"),
            _count(len(impact.consumers), "consumer"),
        )
    )
    head = f"{impact.direction} of {impact.start} ({impact.kind}, effective tier {tier}): {counts}"
    if not impact.pipelines:
        none = "reads its outputs" if impact.direction == "downstream" else "feeds it"
        return f"{head}\n  no pipeline in the fleet {none}" + _consumer_lines(impact)
    link = "from" if impact.direction == "downstream" else "feeds"
    rows: list[tuple[str, ...]] = [("depth", "pipeline", "owner", "team", "tier", link, "via")]
    rows += [_row(impact, reached) for reached in impact.pipelines]
    return f"{head}\n{_table(rows)}" + _consumer_lines(impact)


def _row(impact: Impact, reached: Reached) -> tuple[str, ...]:
    parent = reached.parent.name if reached.parent else impact.start
    tier = _tiers(reached.tier, reached.effective_tier).removeprefix("tier ")
    return (
        str(reached.depth),
        reached.name,
        reached.owner,
        reached.team,
        tier,
        parent,
        reached.via,
    )


def _consumer_lines(impact: Impact) -> str:
    if not impact.consumers:
        return ""
    return "\nconsumers:" + "".join(f"\n  {c} (fed by {p})" for c, p in impact.consumers)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _who(pipeline: FleetPipeline) -> str:
    return f"owner {pipeline.owner}" + (f", team {pipeline.team}" if pipeline.team else "")


def _tiers(tier: str, effective: str) -> str:
    """``tier low (effective critical)``, or ``tier high`` when both agree."""
    return f"tier {tier}" if tier == effective else f"tier {tier} (effective {effective})"


def _names(names: list[str]) -> str:
    """Up to :data:`NAMES_SHOWN` names, then how many more.

    >>> _names([f"p{i}" for i in range(10)])
    'p0, p1, p2, p3, p4, p5, p6, p7 and 2 more'
    """
    shown = ", ".join(names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
