"""The runbook's "Lineage and impact" section: where the data comes from and goes, who is
downstream, and how much the pipeline matters once that is counted (its effective tier).

The fleet catalog knows these facts; the runbook renders them as passed in (pure), so a page
regenerated after the fleet changed says what is true now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_NONE = "—"


@dataclass(frozen=True)
class DatasetLine:
    """A dataset the pipeline reads or writes, how we know, and the pipelines on the other side."""

    key: str
    origin: str  # found | declared | both
    others: tuple[str, ...] = ()  # writers of what it reads, readers of what it writes


@dataclass(frozen=True)
class Neighbour:
    """A pipeline upstream or downstream, with its owner and effective tier."""

    name: str
    owner: str
    effective_tier: str = ""
    depth: int = 1


@dataclass(frozen=True)
class FleetContext:
    """What the fleet catalog says about one pipeline when its runbook is written."""

    tier: str
    effective_tier: str
    reads: tuple[DatasetLine, ...] = ()
    writes: tuple[DatasetLine, ...] = ()
    upstream: tuple[Neighbour, ...] = ()
    downstream: tuple[Neighbour, ...] = ()
    consumers: tuple[str, ...] = field(default=())  # its own and those of downstream pipelines
    as_of: str = ""  # when the facts were read (ISO 8601), shown on the page


def lineage_section(context: FleetContext) -> list[str]:
    """Markdown lines of the section.

    >>> lines = lineage_section(FleetContext(tier="low", effective_tier="critical",
    ...     downstream=(Neighbour("report", "ben", "critical"),)))
    >>> lines[2]
    '- Effective tier: **critical** (its own tier is low; something downstream matters more)'
    """
    raised = context.effective_tier != context.tier
    why = (
        f" (its own tier is {context.tier}; something downstream matters more)"
        if raised
        else " (its own tier; nothing downstream matters more)"
    )
    lines = ["## Lineage and impact", "", f"- Effective tier: **{context.effective_tier}**{why}"]
    if context.as_of:
        lines.append(f"- As of {context.as_of} (regenerated when the fleet changes)")
    lines += ["", "Reads:", "", *_datasets(context.reads, "written by")]
    lines += ["", "Writes:", "", *_datasets(context.writes, "read by")]
    lines += ["", "Upstream pipelines (what it waits for):", "", *_neighbours(context.upstream)]
    lines += [
        "",
        "Downstream pipelines (the blast radius when it fails):",
        "",
        *_neighbours(context.downstream),
    ]
    lines += ["", "Consumers:", "", *([f"- {c}" for c in context.consumers] or [f"- {_NONE}"])]
    return lines


def _datasets(items: tuple[DatasetLine, ...], other: str) -> list[str]:
    if not items:
        return [f"- {_NONE}"]
    lines = []
    for item in items:
        side = f"; {other} {', '.join(item.others)}" if item.others else ""
        lines.append(f"- `{item.key}` ({item.origin}{side})")
    return lines


def _neighbours(items: tuple[Neighbour, ...]) -> list[str]:
    if not items:
        return [f"- {_NONE}"]
    out = []
    for n in items:
        tier = f", effective tier {n.effective_tier}" if n.effective_tier else ""
        hops = f", {n.depth} hops away" if n.depth > 1 else ""
        out.append(f"- {n.name} (owner {n.owner}{tier}{hops})")
    return out
