"""Offline replay: what would the monitor have said, with this policy, over this timeline?

``jupyter promote monitor --replay TIMELINE.jsonl --project-dir DIR --json`` reads the fleet of
``DIR`` (its releases and ``teams.yaml``), feeds the timeline's events to a fresh
:class:`~.policy.Monitor` in order, lets the clock run between them and to the end of the last
event's day (in that event's offset), and prints each alert as one JSON line. Nothing is sent;
no server is needed. The format is described in ``docs/monitor-replay.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from pathlib import Path

from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.policy import Monitor, MonitorConfig
from jupyter_promote.monitor.timeline import Event, TimelineError, iter_timeline
from jupyter_promote.util.spelling import did_you_mean


def replay(
    project_dir: str | Path,
    lines: Iterable[str],
    *,
    config: MonitorConfig | None = None,
    until: datetime | None = None,
    source: str = "timeline",
) -> list[Alert]:
    """Every alert the monitor would have sent over the timeline ``lines``.

    Args:
        project_dir: The project whose fleet is watched.
        lines: The timeline, one JSON event per line.
        config: The policy's settings (default: :class:`MonitorConfig`'s).
        until: Run the clock to this time after the last event (default: the end of the last
            event's day).
        source: The timeline's name in errors.

    Raises:
        TimelineError: A line is wrong, or names a pipeline the fleet does not have.
        ReleaseError, RosterInvalid: The project's files cannot be read.
    """
    view = FleetView.from_project(project_dir)
    numbered = iter_timeline(lines, source)
    return list(replay_events(view, numbered, config=config, until=until, source=source))


def replay_file(
    path: str | Path, project_dir: str | Path, *, config: MonitorConfig | None = None
) -> Iterator[Alert]:
    """The alerts of replaying the timeline file ``path``, as they come (for the CLI).

    Raises:
        TimelineError, ReleaseError, RosterInvalid: As :func:`replay` (when reached).
        OSError: The file cannot be read.
    """
    view = FleetView.from_project(project_dir)
    with open(path, encoding="utf-8") as handle:
        numbered = iter_timeline(handle, Path(path).name)
        yield from replay_events(view, numbered, config=config, source=Path(path).name)


def replay_events(
    view: FleetView,
    numbered: Iterable[tuple[int, Event]],
    *,
    config: MonitorConfig | None = None,
    until: datetime | None = None,
    source: str = "timeline",
    monitor: Monitor | None = None,
) -> Iterator[Alert]:
    """Feed (line number, event) pairs to a fresh monitor over ``view`` (or to ``monitor``, to
    look at its incidents afterwards); yield its alerts.

    Example:
        >>> from jupyter_promote.fleet.model import FleetPipeline
        >>> view = FleetView.build([FleetPipeline("extract", "ana", tier="normal")])
        >>> lines = ['{"at": "2026-11-02T06:00:00+00:00", "event": "failed",'
        ...          ' "pipeline": "extract", "run": "r1"}']
        >>> [(a.kind, a.to) for a in replay_events(view, iter_timeline(lines))]
        [('failed', ['ana'])]
    """
    monitor = monitor or Monitor(view, config)
    last: datetime | None = None
    for number, event in numbered:
        _check_names(view, event, number, source)
        yield from monitor.feed(event)
        last = event.at
    if last is not None:
        yield from monitor.advance(until or end_of_day(last))


def end_of_day(at: datetime) -> datetime:
    """Midnight after ``at``, in ``at``'s own offset.

    >>> end_of_day(datetime.fromisoformat("2026-11-02T06:00:00+01:00")).isoformat()
    '2026-11-03T00:00:00+01:00'
    """
    return datetime.combine(at.date() + timedelta(days=1), time(0), tzinfo=at.tzinfo)


def _check_names(view: FleetView, event: Event, number: int, source: str) -> None:
    if event.pipeline is not None and event.pipeline not in view:
        guess = did_you_mean(event.pipeline, list(view.pipelines))
        raise TimelineError(
            source,
            number,
            f'no pipeline "{event.pipeline}" in the fleet{guess}',
            "replay against the project that holds it (--project-dir), or drop its lines",
        )
