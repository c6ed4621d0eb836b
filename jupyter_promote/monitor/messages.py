"""The words of alerts: headlines per kind, and the body every alert carries (what happened,
the blast radius with datasets and consumers, the owner, and the first thing to look at).

Times are shown in the pipeline's own timezone, the way its owner set its schedule and SLA.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.history import minutes
from jupyter_promote.monitor.model import Incident
from jupyter_promote.monitor.slots import zone
from jupyter_promote.monitor.timeline import Event

LIST_LIMIT = 8
_LOOK_ORDER = ("step", "cell", "expectation", "observed", "executed_notebook", "url", "run")
_LOOK_LABELS = {"executed_notebook": "executed notebook", "url": "run link"}


def when(at: datetime, tz: str) -> str:
    """``'2026-11-02 06:00 Europe/London'``."""
    return f"{at.astimezone(zone(tz)):%Y-%m-%d %H:%M} {tz or 'UTC'}"


def clock(at: datetime, tz: str) -> str:
    """``'06:00 Europe/London'`` (the time of day only)."""
    return f"{at.astimezone(zone(tz)):%H:%M} {tz or 'UTC'}"


def names_text(names: Sequence[str], limit: int = LIST_LIMIT) -> str:
    """A list for people, cut after ``limit`` names.

    >>> names_text(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown


def first_look_of(event: Event) -> dict[str, Any]:
    """The facts of a run event to look at first (its detail, step and run).

    >>> from datetime import timezone
    >>> first_look_of(Event(at=datetime(2026, 11, 2, tzinfo=timezone.utc), event="failed",
    ...                     pipeline="p", run="r1", step="clean", detail={"cell": 7}))
    {'run': 'r1', 'step': 'clean', 'cell': 7}
    """
    look: dict[str, Any] = {"run": event.run}
    if event.step:
        look["step"] = event.step
    if isinstance(event.detail, dict):
        look.update({k: v for k, v in event.detail.items() if k != "step" or "step" not in look})
    elif event.detail:
        look["detail"] = event.detail
    return look


def look_text(look: dict[str, Any]) -> str:
    """The first-look facts as a sentence.

    >>> look_text({"run": "r1", "step": "clean", "cell": 7, "observed": "2 of 1,000 outside"})
    'First look: step clean; cell 7; observed: 2 of 1,000 outside; run r1.'
    """
    parts = []
    for key in (*_LOOK_ORDER, *sorted(set(look) - set(_LOOK_ORDER))):
        value = look.get(key)
        if value is None or value == "":
            continue
        label = _LOOK_LABELS.get(key, key.replace("_", " "))
        joined = f"{label} {value}" if key in ("step", "cell", "run") else f"{label}: {value}"
        parts.append(joined)
    return f"First look: {'; '.join(parts)}." if parts else ""


def blast_text(view: FleetView, incident: Incident) -> str:
    """The blast radius: downstream pipelines (and those affected so far), datasets, consumers."""
    if incident.kind == "orphaned":
        return f"Pipelines without an owner: {names_text(incident.blast_radius)}."
    impact = view.impact(incident.root_cause)
    if not incident.blast_radius:
        consumers = _consumers_text(impact.consumers)
        return f"Blast radius: nothing downstream{consumers}."
    count = len(incident.blast_radius)
    noun = "pipeline" if count == 1 else "pipelines"
    text = f"Blast radius: {count} downstream {noun}: {names_text(incident.blast_radius)}"
    affected = [n for n in incident.affected if n != incident.root_cause]
    if affected:
        text += f" (affected so far: {names_text(affected)})"
    if impact.datasets:
        text += f"; datasets: {names_text(impact.datasets)}"
    return text + _consumers_text(impact.consumers) + "."


def _consumers_text(consumers: Sequence[Any]) -> str:
    if not consumers:
        return ""
    shown = [f"{c.consumer} (via {c.pipeline})" for c in consumers]
    return f"; consumers: {names_text(shown)}"


def owner_text(view: FleetView, names: Sequence[str]) -> str:
    """``'Owner: ana (team risk).'``; for several pipelines, each owner with their pipeline."""
    parts = []
    unique = list(dict.fromkeys(names))
    for name in unique:
        pipeline = view.pipeline(name)
        team = f" (team {pipeline.team})" if pipeline.team else ""
        parts.append(f"{pipeline.owner}{team}" + (f" for {name}" if len(unique) > 1 else ""))
    return f"{'Owner' if len(parts) == 1 else 'Owners'}: {'; '.join(parts)}."


def compose(
    view: FleetView,
    incident: Incident,
    headline: str,
    pipeline: str,
    notes: Sequence[str] = (),
    look: dict[str, Any] | None = None,
) -> str:
    """The whole message: headline, incident line, blast radius, owners, notes, first look."""
    tier = incident.effective_tier
    opened = when(incident.opened_at, view.pipeline(incident.root_cause).timezone)
    lines = [
        headline,
        f"Incident {incident.id} ({tier}; root cause {incident.root_cause}; opened {opened}).",
        blast_text(view, incident),
    ]
    owners = (
        [incident.root_cause] if incident.kind == "orphaned" else [incident.root_cause, pipeline]
    )
    lines.append(owner_text(view, owners))
    lines.extend(f"Note: {note}." for note in notes)
    first = look_text(incident.first_look if look is None else look)
    if first:
        lines.append(first)
    return "\n".join(lines)


def failure_headline(event: Event) -> str:
    """``'extract: the quality gate of step clean failed (run r1)'`` and the like."""
    step = f" at step {event.step}" if event.step else ""
    if event.event == "gate-failed":
        where = f" of step {event.step}" if event.step else ""
        return f"{event.pipeline}: the quality gate{where} failed (run {event.run})"
    if event.event == "crashed":
        return f"{event.pipeline}: the kernel crashed{step} (run {event.run})"
    return f"{event.pipeline}: run {event.run} failed{step}"


def late_headline(pipeline: str, slot: datetime, now: datetime, tz: str) -> str:
    """``'report: the run due at 06:00 UTC has not started (10 min late)'``."""
    return (
        f"{pipeline}: the run due at {clock(slot, tz)} has not started ({minutes(now - slot)} late)"
    )


def resolution_headline(
    incident: Incident, now: datetime, tz: str, recovered: Sequence[str]
) -> str:
    """What a resolution by the root's completed run says: when it ran, who caught up (or
    had not, when the wait is over), the SLAs that recovered, and what to check."""
    ran = incident.root_ran_at or now
    text = f"{incident.root_cause}: run {incident.root_run} completed at {when(ran, tz)}"
    if incident.caught_up:
        text += f"; {names_text(incident.caught_up)} caught up by {clock(now, tz)}"
    if incident.waiting:
        text += f"; {names_text(incident.waiting)} had not caught up by {clock(now, tz)}"
    text += f"; incident {incident.id} resolved after {minutes(now - incident.opened_at)}"
    if recovered:
        text += f"; SLA recovered: {', '.join(dict.fromkeys(recovered))}"
    done = {incident.root_cause, *incident.caught_up}
    check = [p for p in (*incident.waiting, *incident.affected) if p not in done]
    return text + (f"; check that {', '.join(dict.fromkeys(check))} ran since" if check else "")


def orphan_headline(member: str, owned: Sequence[str]) -> str:
    """``'ben left the roster: 2 pipelines without an owner (a, b); hand them over ...'``."""
    count = f"{len(owned)} pipeline{'s' if len(owned) > 1 else ''}"
    return (
        f"{member} left the roster: {count} without an owner ({names_text(owned)}); hand them"
        f" over with `jupyter promote transfer --from {member} --to MEMBER`"
    )
