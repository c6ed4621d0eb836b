"""When pipelines are due and when their day's output is due: scheduled run times ("slots")
from the manifest's cron or interval, and SLA deadlines, all in the pipeline's timezone.

Every time returned is timezone-aware UTC. Days are local days of the pipeline's timezone
(zoneinfo), so a 06:00 Europe/London run is 06:00 UTC in winter and 05:00 UTC in summer,
and a day is 23 or 25 hours long across a DST change. A local time that does not exist
(the spring-forward gap) is read with the offset before the change, i.e. one hour later on
the wall clock; a local time that happens twice is the first of the two (once: a cron slot
in the repeated hour is one run, not two). Cron expressions are expanded once (croniter) and
matched day by day, which is also what makes a month of a large fleet cheap.

Interval schedules run every ``interval_seconds`` from the release's ``promoted_at`` (the
anchor Prefect's interval schedule takes when the deployment is made).
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from jupyter_promote.fleet.model import FleetPipeline
from jupyter_promote.monitor.model import MonitorState

UTC = timezone.utc
DAY = timedelta(days=1)


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA timezone called ``name``."""
    return zoneinfo.ZoneInfo(name or "UTC")


def local_day(at: datetime, tz: str) -> date:
    """The local date of ``at`` in ``tz``.

    >>> local_day(datetime(2026, 11, 2, 23, 30, tzinfo=UTC), "Europe/Berlin")
    datetime.date(2026, 11, 3)
    """
    return at.astimezone(zone(tz)).date()


def local_time(day: date, clock: time, tz: str) -> datetime:
    """The instant (UTC) of wall-clock ``clock`` on ``day`` in ``tz``.

    >>> local_time(date(2026, 7, 1), time(17), "Europe/London").isoformat()
    '2026-07-01T16:00:00+00:00'
    >>> local_time(date(2026, 3, 29), time(1, 30), "Europe/London").isoformat()  # in the gap
    '2026-03-29T01:30:00+00:00'
    """
    return datetime.combine(day, clock, tzinfo=zone(tz)).astimezone(UTC)


def day_start(day: date, tz: str) -> datetime:
    """Local midnight of ``day`` in ``tz``, as UTC."""
    return local_time(day, time(0), tz)


def deadline(sla: str, day: date, tz: str) -> datetime:
    """The SLA deadline ``"HH:MM"`` on ``day`` in ``tz``, as UTC.

    >>> deadline("09:00", date(2026, 11, 2), "America/New_York").isoformat()
    '2026-11-02T14:00:00+00:00'
    """
    hours, minutes = sla.split(":")
    return local_time(day, time(int(hours), int(minutes)), tz)


def slots_between(pipeline: FleetPipeline, start: datetime, end: datetime) -> list[datetime]:
    """Scheduled run times of ``pipeline`` in ``[start, end)`` (none when it is paused or has
    no schedule).

    >>> p = FleetPipeline("a", "ana", schedule="0 6 * * 1-5", timezone="Europe/London")
    >>> [t.isoformat() for t in slots_between(p, datetime(2026, 11, 6, tzinfo=UTC),
    ...                                       datetime(2026, 11, 10, tzinfo=UTC))]
    ['2026-11-06T06:00:00+00:00', '2026-11-09T06:00:00+00:00']
    """
    if pipeline.paused or not (pipeline.schedule or pipeline.interval_seconds):
        return []
    if pipeline.interval_seconds:
        return _interval_slots(pipeline, start, end)
    first, last = local_day(start, pipeline.timezone), local_day(end, pipeline.timezone)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [s for day in days for s in slots_on(pipeline, day) if start <= s < end]


def slots_on(pipeline: FleetPipeline, day: date) -> list[datetime]:
    """Scheduled run times of ``pipeline`` on its local ``day``.

    A cron expression's times of day are read on the local day (see the module docstring for
    DST); expressions with ``L`` or ``#`` are left to croniter.

    >>> p = FleetPipeline("a", "ana", schedule="30 1 * * *", timezone="Europe/London")
    >>> [t.isoformat() for t in slots_on(p, date(2026, 10, 25))]  # 01:30 happens twice
    ['2026-10-25T00:30:00+00:00']
    """
    if pipeline.paused or not (pipeline.schedule or pipeline.interval_seconds):
        return []
    tz = pipeline.timezone
    start, end = day_start(day, tz), day_start(day + DAY, tz)
    if pipeline.interval_seconds:
        return _interval_slots(pipeline, start, end)
    assert pipeline.schedule is not None
    fields = _cron_fields(pipeline.schedule)
    if fields is None:
        return _croniter_slots(pipeline.schedule, tz, start, end)
    minutes, hours, days_of_month, months, weekdays = fields
    if months is not None and day.month not in months:
        return []
    by_date = days_of_month is None or day.day in days_of_month
    by_weekday = weekdays is None or (day.weekday() + 1) % 7 in weekdays
    if days_of_month is not None and weekdays is not None:  # cron's rule: either will do
        by_date = by_weekday = by_date or by_weekday
    if not (by_date and by_weekday):
        return []
    found = {
        local_time(day, time(hour, minute), tz)
        for hour in hours or range(24)
        for minute in minutes or range(60)
    }
    return sorted(slot for slot in found if start <= slot < end)


CronFields = tuple[frozenset[int] | None, ...]


@lru_cache(maxsize=4096)
def _cron_fields(expression: str) -> CronFields | None:
    """minute, hour, day of month, month, day of week (0 = Sunday): the values each allows
    (``None``: any); ``None`` for expressions with ``L`` or ``#``."""
    from croniter import croniter  # type: ignore[import-untyped]

    expanded, nth_weekday = croniter.expand(expression)
    if nth_weekday or any(isinstance(v, str) and v != "*" for field in expanded for v in field):
        return None
    return tuple(None if field == ["*"] else frozenset(field) for field in expanded)


def _croniter_slots(expression: str, tz: str, start: datetime, end: datetime) -> list[datetime]:
    from croniter import croniter

    cron = croniter(expression, (start - timedelta(seconds=1)).astimezone(zone(tz)))
    found: list[datetime] = []
    while (slot := cron.get_next(datetime).astimezone(UTC)) < end:
        found.append(slot)
    return found


def _interval_slots(pipeline: FleetPipeline, start: datetime, end: datetime) -> list[datetime]:
    step = timedelta(seconds=pipeline.interval_seconds or 1)
    anchor = _anchor(pipeline)
    count = -((anchor - start) // step)  # ceil((start - anchor) / step)
    slot = anchor + count * step
    found = []
    while slot < end:
        found.append(slot)
        slot += step
    return found


def _anchor(pipeline: FleetPipeline) -> datetime:
    try:
        anchor = datetime.fromisoformat(pipeline.promoted_at)
    except ValueError:
        return datetime(2000, 1, 1, tzinfo=UTC)
    return anchor if anchor.tzinfo else anchor.replace(tzinfo=UTC)


class SlotBook:
    """Slots per pipeline and local day, cached, plus those ``scheduled`` events announced."""

    def __init__(self, pipelines: dict[str, FleetPipeline], state: MonitorState) -> None:
        self._pipelines = pipelines
        self._state = state
        self._days: dict[tuple[str, date], list[datetime]] = {}
        self._latest: dict[str, dict[datetime, datetime | None]] = {}

    def on_day(self, name: str, day: date) -> list[datetime]:
        """The slots of ``name`` on its local ``day``, sorted."""
        key = (name, day)
        cron = self._days.get(key)
        if cron is None:
            cron = self._days[key] = slots_on(self._pipelines[name], day)
            if len(self._days) > 100_000:  # a long live run: forget old days
                self._days, self._latest = {key: cron}, {}
        runs = self._state.pipelines.get(name)
        if runs is None or not runs.extra_slots:
            return cron
        tz = self._pipelines[name].timezone
        extra = [s for s in runs.extra_slots if local_day(s, tz) == day and s not in cron]
        return sorted([*cron, *extra]) if extra else cron

    def first_due(self, name: str, day: date, until: datetime) -> datetime | None:
        """The first slot of ``name`` on ``day`` at or before ``until``."""
        return next((s for s in self.on_day(name, day) if s <= until), None)

    def forget(self, name: str) -> None:
        """A ``scheduled`` event announced a slot of ``name``: forget what was derived."""
        self._latest.pop(name, None)

    def latest(self, name: str, at: datetime) -> datetime | None:
        """The latest slot of ``name`` at or before ``at``, within the day before it."""
        known = self._latest.setdefault(name, {})
        if at not in known:
            known[at] = self._latest_slot(name, at)
        return known[at]

    def _latest_slot(self, name: str, at: datetime) -> datetime | None:
        tz = self._pipelines[name].timezone
        today = local_day(at, tz)
        for day in (today, today - DAY):
            found = [s for s in self.on_day(name, day) if at - DAY < s <= at]
            if found:
                return found[-1]
        return None
