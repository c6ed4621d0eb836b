"""Schedules in words and times: cron checks, timezone lookup, next runs, the SLA deadline.

Pure helpers behind :class:`~jupyter_promote.release.settings.PromotionSettings`: its validators
ask :func:`cron_problem` and :func:`timezone_problem` what is wrong (each answer names the fix),
and previews and runbooks describe the schedule with :func:`describe_schedule`,
:func:`next_runs` and :func:`sla_deadline_text`. ``croniter`` and ``cron_descriptor`` load on
first use.
"""

from __future__ import annotations

import difflib
import zoneinfo
from datetime import datetime, timedelta
from typing import Protocol


class Scheduled(Protocol):
    """What the schedule helpers read of a pipeline's settings (``PromotionSettings`` has it)."""

    @property
    def schedule(self) -> str | None: ...
    @property
    def interval_seconds(self) -> int | None: ...
    @property
    def timezone(self) -> str: ...
    @property
    def sla(self) -> str | None: ...


_CRON_FIELDS = (  # name and allowed values, in cron order
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31"),
    ("month", "1-12 / JAN-DEC"),
    ("day of week", "0-6 / MON-SUN"),
)
_CRON_NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_CRON_FIX = (
    'write minute hour day-of-month month day-of-week, e.g. "0 6 * * 1-5" (06:00 on weekdays)'
)


def cron_problem(expression: str) -> str:
    """What is wrong with a 5-field cron expression, with the fix; ``""`` when it is valid.

    >>> cron_problem("0 6 * * 8")
    '"0 6 * * 8" is not a valid cron expression (day of week must be 0-6 / MON-SUN); write ...'
    """
    from croniter import CroniterBadDateError, croniter  # type: ignore[import-untyped]

    fields = expression.split()
    if expression in _CRON_NICKNAMES:
        return (
            f'"{expression}" is a nickname; write it as 5 fields: "{_CRON_NICKNAMES[expression]}"'
        )
    if len(fields) != 5:
        return f'"{expression}" has {len(fields)} fields, not 5; {_CRON_FIX}'
    if croniter.is_valid(expression):
        try:
            croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
        except CroniterBadDateError:
            return f'"{expression}" never runs (no such date); check day of month and month'
        return ""
    for position, (label, allowed) in enumerate(_CRON_FIELDS):
        alone = ["*"] * 5
        alone[position] = fields[position]
        if not croniter.is_valid(" ".join(alone)):
            return (
                f'"{expression}" is not a valid cron expression '
                f"({label} must be {allowed}); {_CRON_FIX}"
            )
    return f'"{expression}" is not a valid cron expression; {_CRON_FIX}'


def timezone_problem(name: str) -> str:
    """What is wrong with an IANA timezone name, with the fix; ``""`` when it is known.

    >>> timezone_problem("Europe/London")
    ''
    >>> timezone_problem("europe/london")
    'unknown timezone "europe/london" (did you mean "Europe/London"?); use an IANA name ...'
    """
    if _zone(name) is not None:
        return ""
    guess = _closest_timezone(name)
    did_you_mean = f' (did you mean "{guess}"?)' if guess else ""
    return (
        f'unknown timezone "{name}"{did_you_mean}; use an IANA name such as '
        '"Europe/London" or "UTC"'
    )


def describe_schedule(settings: Scheduled) -> str:
    """The schedule in words, for previews and runbooks.

    >>> from jupyter_promote.release.settings import PromotionSettings
    >>> describe_schedule(PromotionSettings(name="a", owner="b", schedule="0 6 * * 1-5",
    ...                                     timezone="America/New_York"))
    'at 06:00, Monday to Friday, America/New_York'
    >>> describe_schedule(PromotionSettings(name="a", owner="b", interval_seconds=300))
    'every 5 minutes'
    """
    if settings.interval_seconds is not None:
        return describe_interval(settings.interval_seconds)
    if settings.schedule is None:
        return "not scheduled (runs only when started by hand)"
    from cron_descriptor import ExpressionDescriptor, Options  # type: ignore[import-untyped]

    options = Options(locale_code="en_US", use_24hour_time_format=True)
    text = ExpressionDescriptor(settings.schedule, options).get_description()
    text = text.replace(" through ", " to ")
    return f"{text[0].lower()}{text[1:]}, {settings.timezone}"


def describe_interval(seconds: int) -> str:
    """``300`` -> ``"every 5 minutes"``, ``3600`` -> ``"every hour"``, in the largest even unit."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    raise AssertionError("unreachable: every int is a whole number of seconds")


def next_runs(settings: Scheduled, count: int = 3, after: datetime | None = None) -> list[datetime]:
    """The next ``count`` scheduled run times, timezone-aware in the settings' timezone.

    Args:
        settings: Validated settings.
        count: How many run times.
        after: Start strictly after this moment (naive: read in the settings' timezone);
            default now.

    Returns:
        Run times in order; empty when the pipeline has no schedule. Interval schedules run
        at ``after + k * interval`` for k = 1, 2, ...
    """
    tz = zoneinfo.ZoneInfo(settings.timezone)
    start = datetime.now(tz) if after is None else after
    start = start.replace(tzinfo=tz) if start.tzinfo is None else start.astimezone(tz)
    if settings.interval_seconds is not None:
        step = timedelta(seconds=settings.interval_seconds)
        return [(start + k * step).astimezone(tz) for k in range(1, count + 1)]
    if settings.schedule is None:
        return []
    from croniter import croniter

    cron = croniter(settings.schedule, start)
    return [cron.get_next(datetime).astimezone(tz) for _ in range(count)]


def sla_deadline_text(settings: Scheduled) -> str:
    """``"ready by 17:00 America/New_York"``, or ``"no deadline"`` without an SLA."""
    return f"ready by {settings.sla} {settings.timezone}" if settings.sla else "no deadline"


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _closest_timezone(name: str) -> str | None:
    zones = zoneinfo.available_timezones()
    by_lower = {zone.lower(): zone for zone in zones}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name, sorted(zones), n=1, cutoff=0.6)
    return close[0] if close else None
