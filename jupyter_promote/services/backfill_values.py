"""Backfill values: the run-per-value list for ``jupyter promote backfill`` (pure).

A backfill runs a promoted pipeline once per value of one parameter: every day (or ``--every``
N days) of a date range for a ``str`` parameter holding ISO dates, every integer of a range for
an ``int`` parameter.
"""

from __future__ import annotations

from datetime import date, timedelta

from jupyter_promote.errors import PromoteError
from jupyter_promote.release.manifest import ParameterInfo

MAX_RUNS = 1000


class BackfillInvalid(PromoteError):
    """The backfill range or parameter does not work."""

    http_status = 422


def backfill_values(
    parameter: ParameterInfo, start: str, end: str, every: int = 1
) -> list[str | int]:
    """One value per run, from ``start`` to ``end`` inclusive.

    Args:
        parameter: The deployment parameter to vary (from the release manifest).
        start: First value: an ISO date (``2026-10-01``) or an integer, as text.
        end: Last value, same kind as ``start``.
        every: Step between values (days for dates).

    Raises:
        BackfillInvalid: the values do not parse, the range is empty or over 1,000 runs, or the
            parameter is neither a date string nor an int.

    Example:
        >>> p = ParameterInfo(name="as_of", type="str", default="2026-11-01")
        >>> backfill_values(p, "2026-10-30", "2026-11-02")
        ['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']
        >>> backfill_values(ParameterInfo(name="n", type="int", default=1), "1", "7", every=3)
        [1, 4, 7]
    """
    if every < 1:
        raise BackfillInvalid(f"--every must be 1 or more, not {every}", hint="e.g. --every 7")
    if parameter.type == "int":
        first, last = _int(parameter, start), _int(parameter, end)
        values: list[str | int] = list(range(first, last + 1, every))
    elif parameter.type == "str":
        day, until = _date(parameter, start), _date(parameter, end)
        count = (until - day).days // every + 1 if until >= day else 0
        values = [(day + timedelta(days=k * every)).isoformat() for k in range(count)]
    else:
        raise BackfillInvalid(
            f"parameter {parameter.name!r} is of type {parameter.type}: a backfill varies a"
            " date (str holding an ISO date) or an int parameter",
            hint="pick another parameter with --param, or trigger runs one by one with"
            " `jupyter promote trigger NAME -p NAME=VALUE`",
        )
    if not values:
        raise BackfillInvalid(
            f"the range {start} .. {end} of {parameter.name!r} is empty",
            hint="--from must not be after --to",
        )
    if len(values) > MAX_RUNS:
        raise BackfillInvalid(
            f"the range {start} .. {end} means {len(values)} runs (at most {MAX_RUNS})",
            hint="split it, or use --every to take fewer values",
        )
    return values


def _int(parameter: ParameterInfo, text: str) -> int:
    try:
        return int(text.replace("_", ""))
    except ValueError:
        raise BackfillInvalid(
            f"{text!r} is not an integer, as parameter {parameter.name!r} (int) needs",
            hint="give whole numbers to --from and --to",
        ) from None


def _date(parameter: ParameterInfo, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BackfillInvalid(
            f"{text!r} is not an ISO date (YYYY-MM-DD), as backfilling {parameter.name!r} needs",
            hint="give dates like 2026-10-01 to --from and --to",
        ) from None


def find_parameter(parameters: list[ParameterInfo], name: str, pipeline: str) -> ParameterInfo:
    """The parameter called ``name``, or a clear error listing the ones there are.

    Raises:
        BackfillInvalid: no such parameter.
    """
    for parameter in parameters:
        if parameter.name == name:
            return parameter
    known = ", ".join(p.name for p in parameters) or "none"
    raise BackfillInvalid(
        f"pipeline {pipeline!r} has no parameter {name!r} (its parameters: {known})",
        hint="name one of them with --param",
    )
