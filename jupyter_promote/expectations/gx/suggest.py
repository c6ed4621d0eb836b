"""Proposed expectations from the data (plain pandas, no GX): a row-count floor, then per
column not null, unique, numeric bounds (rounded outward) and small value sets.
"""

from __future__ import annotations

import json
import keyword
import math
import re
from typing import TYPE_CHECKING, Any

from jupyter_promote.expectations.gx.build import require_frame
from jupyter_promote.expectations.gx.texts import plain

if TYPE_CHECKING:
    from jupyter_promote.expectations import ExpectationConfig


# -- suggestions -------------------------------------------------------------------------------
_ID_NAME = re.compile(r"(?:^|_)(?:id|key|uuid|guid|code)$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z]Id$")  # loanId
_NOT_NULL, _UNIQUE = "expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"
_BETWEEN, _IN_SET = "expect_column_values_to_be_between", "expect_column_values_to_be_in_set"
_ROWS_BETWEEN = "expect_table_row_count_to_be_between"
_KEYWORDS = {"between", "unique", "not", "in", "matches", "exists", "dtype", "rows"}
MAX_SET_SIZE = 20  # at most this many distinct values ...
MAX_SET_SHARE = 0.05  # ... and at most this share of the rows, for an "in set" proposal


def suggest(df: Any, variable: str) -> list[ExpectationConfig]:
    """Propose expectations from the data (plain pandas, no GX): a row-count floor, then per
    column not null, unique, numeric bounds (rounded outward) and small value sets.

    Each proposal has ``meta["shorthand"]`` (the ``%expect`` text) and ``meta["suggested"]``.

    Raises:
        NotADataFrame: ``df`` is not a pandas DataFrame.
    """
    frame = require_frame(df, variable, None)
    proposals = [p for p in [_suggest_rows(len(frame))] if p]
    for column in frame.columns:
        proposals += _suggest_column(str(column), frame[column])
    return proposals


def _name(column: str) -> str:
    """A column as the ``%expect`` language reads it (quoted unless a plain name)."""
    plain_name = column.isidentifier() and not keyword.iskeyword(column)
    return column if plain_name and column not in _KEYWORDS else json.dumps(column)


def _proposal(kind: str, kwargs: dict[str, Any], shorthand: str) -> ExpectationConfig:
    from jupyter_promote.expectations import ExpectationConfig

    meta = {"shorthand": shorthand, "suggested": True}
    return ExpectationConfig(type=kind, kwargs=kwargs, meta=meta)


def _suggest_rows(rows: int) -> ExpectationConfig | None:
    """``rows >= N`` with N the row count rounded down to 2 significant digits."""
    if rows <= 0:
        return None
    unit = 10 ** max(0, len(str(rows)) - 2)
    bound = rows // unit * unit
    return _proposal(_ROWS_BETWEEN, {"min_value": bound}, f"rows >= {bound}")


def _suggest_column(name: str, series: Any) -> list[ExpectationConfig]:
    from pandas.api import types  # type: ignore[import-untyped,unused-ignore]

    values = series.dropna()
    complete = len(series) > 0 and len(values) == len(series)
    id_like = bool(_ID_NAME.search(name) or _CAMEL_ID.search(name))
    keyish = id_like or types.is_integer_dtype(series) or types.is_string_dtype(series)
    out = []
    if complete:
        out.append(_proposal(_NOT_NULL, {"column": name}, f"{_name(name)} not null"))
    if complete and len(values) >= 2 and keyish and values.is_unique:
        out.append(_proposal(_UNIQUE, {"column": name}, f"{_name(name)} unique"))
    if types.is_numeric_dtype(series) and not types.is_bool_dtype(series):
        if id_like:  # the range of an id says nothing
            return out
        out += _suggest_range(name, values, integer=types.is_integer_dtype(series))
    elif types.is_string_dtype(series) or isinstance(series.dtype, types.CategoricalDtype):
        out += _suggest_set(name, values, len(series))
    return out


def _suggest_range(name: str, values: Any, *, integer: bool) -> list[ExpectationConfig]:
    if not len(values):
        return []
    lo, hi = plain(values.min()), plain(values.max())
    if not all(isinstance(v, (int, float)) for v in (lo, hi)):  # inf became text
        return []
    lo, hi = (
        round_out(lo, hi - lo, integer, down=True),
        round_out(hi, hi - lo, integer, down=False),
    )
    kwargs = {"column": name, "min_value": lo, "max_value": hi}
    shorthand = f"{_name(name)} between {lo} and {hi}"
    return [_proposal(_BETWEEN, kwargs, shorthand)]


def _suggest_set(name: str, values: Any, rows: int) -> list[ExpectationConfig]:
    distinct = [plain(v) for v in values.unique()]
    small = len(distinct) <= min(MAX_SET_SIZE, rows * MAX_SET_SHARE)
    if not distinct or not small or not all(isinstance(v, str) for v in distinct):
        return []
    chosen = sorted(distinct)
    shorthand = f"{_name(name)} in {{{', '.join(json.dumps(v) for v in chosen)}}}"
    return [_proposal(_IN_SET, {"column": name, "value_set": chosen}, shorthand)]


def round_out(value: float, span: float, integer: bool, *, down: bool) -> int | float:
    """Round a bound outward to 2 significant digits of the smaller of its own size and the
    column's range: 10.37 -> 10, 989.6 -> 990, -12.3 -> -13, 4,999,000.7 -> 5,000,000."""
    exponents = [math.floor(math.log10(abs(v))) - 1 for v in (span, value) if v]
    exp = min(exponents, default=0)
    exp = max(exp, 0) if integer else exp
    scaled = value * 10**-exp if exp < 0 else value / 10**exp
    k = math.floor(round(scaled, 9)) if down else math.ceil(round(scaled, 9))
    result = _scale(k, exp)
    if (down and result > value) or (not down and result < value):  # rounding overshot
        result = _scale(k - 1 if down else k + 1, exp)
    return int(result) if float(result).is_integer() and abs(result) < 1e15 else result


def _scale(k: int, exp: int) -> int | float:
    return k / 10 ** (-exp) if exp < 0 else k * int(10**exp)
