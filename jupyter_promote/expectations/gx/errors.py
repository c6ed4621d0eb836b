"""Errors of the quality checks: the variable, a column or the expectation cannot be checked.

Each says what to do instead (convert the object, use one of the frame's columns, fix an argument).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from jupyter_promote.errors import PromoteError


# -- errors ------------------------------------------------------------------------------------
class QualityError(PromoteError):
    """An expectation cannot be checked as written (wrong object, column or arguments)."""

    http_status = 422


class NotADataFrame(QualityError):
    """The variable is not a pandas DataFrame (a Series, a polars frame, a dict, ...)."""

    @classmethod
    def of(cls, obj: Any, variable: str, step: str | None = None) -> NotADataFrame:
        kind = _type_name(obj)
        later = " (not supported yet)" if _frame_like(obj) else ""
        return cls(
            f"variable {variable!r} is a {kind}; expectations run on pandas DataFrames only{later}",
            hint=_conversion_hint(obj, variable),
            step=step,
            details={"variable": variable, "type": kind},
        )


class UnknownColumn(QualityError):
    """An expectation names a column the DataFrame does not have."""


class InvalidExpectation(QualityError):
    """Great Expectations rejects the expectation: unknown type or invalid arguments."""


def _type_name(obj: Any) -> str:
    cls = type(obj)
    top = cls.__module__.split(".")[0]
    return cls.__name__ if top == "builtins" else f"{top}.{cls.__name__}"


def _frame_like(obj: Any) -> bool:
    """A table from another library (polars, pyspark, pyarrow, dask...): support may come."""
    return type(obj).__name__ in ("DataFrame", "LazyFrame", "Table")


def _conversion_hint(obj: Any, variable: str) -> str:
    kind = _type_name(obj)
    if kind == "pandas.Series":
        return f"convert with {variable}.to_frame()"
    if type(obj).__name__ == "LazyFrame":
        return f"convert with {variable}.collect().to_pandas()"
    if hasattr(obj, "to_pandas"):
        return f"convert with {variable}.to_pandas()"
    if hasattr(obj, "toPandas"):
        return f"convert with {variable}.toPandas() (it collects every row to the driver)"
    if isinstance(obj, (dict, list)):
        return f"build one with pandas.DataFrame({variable})"
    return f"assign a pandas DataFrame to {variable} in the step"


def closest_hint(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def short_list(items: list[str], limit: int = 20) -> str:
    more = f", ... (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
