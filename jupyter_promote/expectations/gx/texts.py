"""Check results as people read them: expected and observed texts, numbers.

``expected_text`` says what an expectation requires ("between 0 and 5,000,000"), ``observed_text``
what the data showed ("3 of 120,000 values outside [0, 5,000,000]: -12.0, ..."). The report of
a list of results is :mod:`.report`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from jupyter_promote.expectations.gx.errors import short_list

if TYPE_CHECKING:
    from jupyter_promote.expectations import ExpectationConfig

COLUMN_KWARGS = ("column", "column_A", "column_B")


# -- values ------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """A JSON-safe Python value: numpy scalars unwrapped, NaN/NA/NaT -> None, dates as ISO text.

    >>> plain(float("nan")) is None, plain(3)
    (True, 3)
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else str(value)
    kind = type(value).__name__
    if kind in ("NAType", "NaTType"):
        return None
    if hasattr(value, "isoformat"):  # datetime, date, pandas Timestamp / Timedelta
        return value.isoformat()
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return str(value) if kind in ("datetime64", "timedelta64") else plain(value.item())
    return str(value)


def number(value: Any) -> str:
    """A bound as people read it: ``5000000.0`` -> ``"5,000,000"``, ``0.5`` -> ``"0.5"``."""
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float):  # 12 significant digits: 999999.4000000000233 -> 999999.4
        value = float(f"{value:.12g}")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = repr(value)
    if "e" in text:
        return text
    return f"{value:,.{len(text.partition('.')[2])}f}"


def _show(value: Any, width: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _values(values: Any, limit: int = 10) -> str:
    items = [_show(plain(v)) for v in list(values or [])]
    more = [f"... (+{len(items) - limit} more)"] if len(items) > limit else []
    return "{" + ", ".join(items[:limit] + more) + "}"


def _bounds(kwargs: Mapping[str, Any], unit: str = "") -> str:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    above = ">" if kwargs.get("strict_min") else ">="
    below = "<" if kwargs.get("strict_max") else "<="
    suffix = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        if kwargs.get("strict_min") or kwargs.get("strict_max"):
            return f"{above} {number(lo)} and {below} {number(hi)}{suffix}"
        return f"between {number(lo)} and {number(hi)}{suffix}"
    if lo is not None:
        return f"{above} {number(lo)}{suffix}"
    return f"{below} {number(hi)}{suffix}" if hi is not None else "any value"


def _outside(kwargs: Mapping[str, Any]) -> str:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is not None and hi is not None:
        left = "(" if kwargs.get("strict_min") else "["
        right = ")" if kwargs.get("strict_max") else "]"
        return f"outside {left}{number(lo)}, {number(hi)}{right}"
    if lo is not None:
        return f"{'at or ' if kwargs.get('strict_min') else ''}below {number(lo)}"
    return f"{'at or ' if kwargs.get('strict_max') else ''}above {number(hi)}"


_STATISTICS = {
    f"expect_column_{stat.replace(' ', '_')}_to_be_between": stat
    for stat in (
        "mean",
        "median",
        "min",
        "max",
        "sum",
        "stdev",
        "unique value count",
        "proportion of unique values",
    )
}
_Text = Callable[[Mapping[str, Any]], str]


def _statistic(stat: str) -> _Text:
    return lambda kwargs: f"{stat} {_bounds(kwargs)}"


_EXPECTED: dict[str, _Text] = {
    "expect_column_values_to_not_be_null": lambda k: "not null",
    "expect_column_values_to_be_null": lambda k: "null",
    "expect_column_values_to_be_unique": lambda k: "unique",
    "expect_compound_columns_to_be_unique": lambda k: "unique together",
    "expect_column_to_exist": lambda k: "column present",
    "expect_column_values_to_be_between": _bounds,
    "expect_column_value_lengths_to_be_between": lambda k: f"length {_bounds(k)}",
    "expect_column_value_lengths_to_equal": lambda k: f"length {number(k.get('value'))}",
    "expect_column_values_to_be_in_set": lambda k: f"in {_values(k.get('value_set'))}",
    "expect_column_values_to_not_be_in_set": lambda k: f"not in {_values(k.get('value_set'))}",
    "expect_column_distinct_values_to_be_in_set": lambda k: (
        f"distinct values in {_values(k.get('value_set'))}"
    ),
    "expect_column_values_to_match_regex": lambda k: f"matching {k.get('regex')!r}",
    "expect_column_values_to_not_match_regex": lambda k: f"not matching {k.get('regex')!r}",
    "expect_table_row_count_to_be_between": lambda k: _bounds(k, "rows"),
    "expect_table_row_count_to_equal": lambda k: f"exactly {number(k.get('value'))} rows",
    "expect_table_column_count_to_equal": lambda k: f"{number(k.get('value'))} columns",
    "expect_table_columns_to_match_set": lambda k: f"columns {_values(k.get('column_set'), 30)}",
    "expect_column_values_to_be_of_type": lambda k: f"of type {k.get('type_')}",
    **{kind: _statistic(stat) for kind, stat in _STATISTICS.items()},
}


def expected_text(config: ExpectationConfig) -> str:
    """What the expectation requires, without the column: "between 0 and 5,000,000"."""
    kwargs = config.kwargs
    render = _EXPECTED.get(config.type)
    if render is not None:
        text = render(kwargs)
    else:
        shown = {k: v for k, v in kwargs.items() if k not in (*COLUMN_KWARGS, "mostly")}
        text = ", ".join(f"{k}={v!r}" for k, v in shown.items()) or config.type
    mostly = kwargs.get("mostly")
    return text if mostly is None else f"{text} (at least {float(mostly) * 100:g}% of rows)"


def observed_text(
    config: ExpectationConfig,
    raw: Mapping[str, Any],
    sample: list[Any],
    columns: list[Any],
    success: bool = False,
) -> str:
    """What the data showed, short: "3 of 120,000 values outside [0, 5,000,000]: -12.0, ..."."""
    kind, kwargs = config.type, config.kwargs
    if kind == "expect_column_to_exist":
        names = short_list([str(c) for c in columns])
        return "column present" if success else f"column missing (columns: {names})"
    if "element_count" in raw and "unexpected_count" in raw:
        return _observed_map(kind, kwargs, raw, sample)
    if "observed_value" in raw:
        return _observed_value(kind, raw)
    return f"unexpected values: {', '.join(map(_show, sample))}" if sample else "no result"


def _observed_map(
    kind: str, kwargs: Mapping[str, Any], raw: Mapping[str, Any], sample: list[Any]
) -> str:
    k, n = int(raw["unexpected_count"] or 0), int(raw["element_count"] or 0)
    shown = f": {', '.join(map(_show, sample))}" if sample else ""
    s = "" if k == 1 else "s"
    if kind == "expect_column_values_to_not_be_null":
        return f"{k:,} null{s} of {n:,}"
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        return f"{k:,} duplicate value{s}{shown}"
    if kind in ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set"):
        counted = [c.get("value") for c in raw.get("partial_unexpected_counts") or []]
        distinct = ", ".join(dict.fromkeys(_show(plain(v)) for v in (counted or sample)[:5]))
        where = "not in set" if kind.endswith("_to_be_in_set") else "in the excluded set"
        return f"{distinct} {where} ({k:,} of {n:,})" if k else f"0 of {n:,} values {where}"
    phrases: dict[str, Callable[[], str]] = {
        "expect_column_values_to_be_between": lambda: _outside(kwargs),
        "expect_column_value_lengths_to_be_between": lambda: f"with length {_outside(kwargs)}",
        "expect_column_values_to_match_regex": lambda: f"not matching {kwargs.get('regex')!r}",
        "expect_column_values_to_not_match_regex": lambda: f"matching {kwargs.get('regex')!r}",
        "expect_column_values_to_be_null": lambda: "not null",
    }
    phrase = phrases.get(kind, lambda: "unexpected")()
    return f"{k:,} of {n:,} value{'' if n == 1 else 's'} {phrase}{shown}"


def _observed_value(kind: str, raw: Mapping[str, Any]) -> str:
    value = raw["observed_value"]
    if kind.startswith("expect_table_row_count"):
        return f"row count {number(value)}"
    mismatch = (raw.get("details") or {}).get("mismatched")
    if kind.startswith("expect_table_columns_to_match") and mismatch:
        parts = [
            f"{key}: {', '.join(map(str, mismatch[key]))}"
            for key in ("missing", "unexpected")
            if mismatch.get(key)
        ]
        return "; ".join(parts)
    if isinstance(value, (list, tuple)):
        return f"observed {', '.join(_show(plain(v)) for v in value)}"
    return f"observed {number(value)}"
