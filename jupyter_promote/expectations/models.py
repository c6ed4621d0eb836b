"""Expectation models: one GX 1.x expectation and suite in GX's own JSON shape, and their texts.

:class:`ExpectationConfig` and :class:`Suite` only know the JSON shape; whether a type and its
arguments exist in GX is checked where GX is imported (the kernel side). The describers turn a
config back into the ``%expect`` words a user would write (``amount between 0 and 5,000,000``).
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

GXSeverity = Literal["critical", "warning", "info"]
Level = Literal["error", "warn"]
SEVERITY_BY_LEVEL: dict[str, GXSeverity] = {"error": "critical", "warn": "warning"}

BETWEEN = "expect_column_values_to_be_between"
UNIQUE = "expect_column_values_to_be_unique"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
NOT_IN_SET = "expect_column_values_to_not_be_in_set"
MATCHES = "expect_column_values_to_match_regex"
EXISTS = "expect_column_to_exist"
OF_TYPE = "expect_column_values_to_be_of_type"
ROWS_BETWEEN = "expect_table_row_count_to_be_between"
ROWS_EQUAL = "expect_table_row_count_to_equal"
# GX's column *map* expectations (the ones that take ``mostly``) share this prefix.
MAP_PREFIX = "expect_column_values_"

_FORMS = (
    "COL between A and B",
    "COL >= X   (also >, <=, <)",
    "COL unique",
    "COL not null",
    'COL in {"A", "B"}   (or [...])',
    'COL not in {"A", "B"}',
    'COL matches "REGEX"',
    "COL exists",
    "COL dtype NAME",
    "rows >= N   (also >, <=, <, == N, between A and B)",
    'expect_NAME(column="COL", ...)   (any Great Expectations 1.x expectation)',
)
LINE_FORM = "VARIABLE: PREDICATE[, PREDICATE...] [--severity error|warn] [--mostly FRACTION]"


def describe_forms() -> str:
    """The accepted predicate forms, one short line each (for hints and docs).

    >>> describe_forms().splitlines()[0]
    'COL between A and B'
    """
    return "\n".join(_FORMS)


# -- models ---------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _json_compatible(value: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"must be JSON-compatible ({exc})") from None
    return value


class ExpectationConfig(_Model):
    """One Great Expectations 1.x expectation, in GX's own suite-JSON shape.

    Example:
        >>> c = ExpectationConfig(type=UNIQUE, kwargs={"column": "loan_id"}, severity="warning")
        >>> (c.describe(), c.level, c.column)
        ('loan_id unique', 'warn', 'loan_id')
    """

    type: str = Field(
        pattern=r"^expect_[a-z0-9_]+$",
        description="Snake-case GX expectation type, e.g. 'expect_column_values_to_be_between'.",
    )
    kwargs: dict[str, Any] = Field(
        description="The expectation's arguments as GX names them (column, min_value, mostly...)."
    )
    meta: dict[str, Any] = Field(
        default_factory=dict,
        description="Free-form notes kept with the expectation; 'shorthand' is the %expect line.",
    )
    severity: GXSeverity = Field(
        default="critical",
        description="GX failure severity: 'critical' blocks the run (our 'error'), 'warning' "
        "and 'info' are reported only (our 'warn').",
    )

    @field_validator("kwargs", "meta")
    @classmethod
    def json_compatible(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Refuse values a notebook cannot store (sets, bytes, NaN, ...)."""
        return _json_compatible(value)

    @property
    def level(self) -> Level:
        """The user-facing severity word: ``error`` (blocks) or ``warn`` (reports)."""
        return "error" if self.severity == "critical" else "warn"

    @property
    def column(self) -> str | None:
        """The column checked, or None for table-level expectations."""
        column = self.kwargs.get("column")
        return column if isinstance(column, str) else None

    def same_check(self, other: ExpectationConfig) -> bool:
        """True when ``other`` checks the same thing (type and column), so it replaces this one."""
        return self.type == other.type and self.column == other.column

    def describe(self) -> str:
        """Human text for the check, e.g. ``amount between 0 and 5,000,000``."""
        describer = _DESCRIBERS.get(self.type)
        text = describer(self.kwargs) if describer else None
        if text is None:
            args = ", ".join(f"{key}={_literal(value)}" for key, value in self.kwargs.items())
            return f"{self.type}({args})"
        mostly = self.kwargs.get("mostly")
        return f"{text} (at least {mostly * 100:g}% of rows)" if mostly is not None else text

    def to_gx_dict(self) -> dict[str, Any]:
        """The expectation as GX 1.x suite JSON: ``{"type", "kwargs", "meta", "severity"}``."""
        return self.model_dump(mode="json")


class Suite(_Model):
    """A Great Expectations 1.x expectation suite (its JSON form), one per step and variable."""

    name: str = Field(description="Suite name: 'STEP.VARIABLE'.")
    expectations: list[ExpectationConfig] = Field(description="The expectations, in order.")
    meta: dict[str, Any] = Field(default_factory=dict, description="Free-form suite notes.")

    def to_gx_dict(self) -> dict[str, Any]:
        """The mapping ``great_expectations.ExpectationSuite(**...)`` accepts.

        Example:
            >>> Suite(name="load.loans", expectations=[]).to_gx_dict()
            {'name': 'load.loans', 'expectations': [], 'meta': {}}
        """
        return self.model_dump(mode="json")


def suite_name(step: str, variable: str) -> str:
    """The suite name for a step's variable: ``"load.loans"``."""
    return f"{step}.{variable}"


# -- describing -----------------------------------------------------------------------------------

KEYWORDS = frozenset({"between", "unique", "not", "in", "matches", "exists", "dtype", "rows"})


def show_column(name: str) -> str:
    plain = name.isidentifier() and not keyword.iskeyword(name) and name not in KEYWORDS
    return name if plain else json.dumps(name, ensure_ascii=False)


def _literal(value: Any) -> str:
    """Python-literal text with double-quoted strings (so it reads back with the grammar)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def show_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _literal(value)
    return f"{value:,}"


def _only(kwargs: Mapping[str, Any], *keys: str) -> bool:
    return set(kwargs) - {"mostly"} <= set(keys)


def _bounds(subject: str, kwargs: Mapping[str, Any]) -> str | None:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    lt_low = "<" if kwargs.get("strict_min") else "<="
    lt_high = "<" if kwargs.get("strict_max") else "<="
    if low is not None and high is not None:
        if lt_low == lt_high == "<=":
            return f"{subject} between {show_number(low)} and {show_number(high)}"
        return f"{show_number(low)} {lt_low} {subject} {lt_high} {show_number(high)}"
    if low is not None:
        return f"{subject} {lt_low.replace('<', '>')} {show_number(low)}"
    if high is not None:
        return f"{subject} {lt_high} {show_number(high)}"
    return None


BOUND_KEYS = ("min_value", "max_value", "strict_min", "strict_max")


def _column_text(suffix: Callable[[Mapping[str, Any]], str], *keys: str) -> _Describer:
    def describe(kwargs: Mapping[str, Any]) -> str | None:
        column = kwargs.get("column")
        if not isinstance(column, str) or not _only(kwargs, "column", *keys):
            return None
        return f"{show_column(column)} {suffix(kwargs)}"

    return describe


def _describe_between(kwargs: Mapping[str, Any]) -> str | None:
    column = kwargs.get("column")
    if not isinstance(column, str) or not _only(kwargs, "column", *BOUND_KEYS):
        return None
    return _bounds(show_column(column), kwargs)


def _describe_rows(kwargs: Mapping[str, Any]) -> str | None:
    return _bounds("rows", kwargs) if _only(kwargs, *BOUND_KEYS) else None


def _set_text(kwargs: Mapping[str, Any]) -> str:
    values = kwargs.get("value_set")
    items = values if isinstance(values, list) else [values]
    return "{" + ", ".join(_literal(v) for v in items) + "}"


def _regex_text(kwargs: Mapping[str, Any]) -> str:
    regex = str(kwargs.get("regex"))
    quote = "'" if '"' in regex and "'" not in regex else '"'
    return f"matches {quote}{regex}{quote}"


_Describer = Callable[[Mapping[str, Any]], "str | None"]
_DESCRIBERS: dict[str, _Describer] = {
    BETWEEN: _describe_between,
    UNIQUE: _column_text(lambda _: "unique"),
    NOT_NULL: _column_text(lambda _: "not null"),
    IN_SET: _column_text(lambda kw: f"in {_set_text(kw)}", "value_set"),
    NOT_IN_SET: _column_text(lambda kw: f"not in {_set_text(kw)}", "value_set"),
    MATCHES: _column_text(_regex_text, "regex"),
    EXISTS: _column_text(lambda _: "exists"),
    OF_TYPE: _column_text(lambda kw: f"dtype {kw.get('type_')}", "type_"),
    ROWS_BETWEEN: _describe_rows,
    ROWS_EQUAL: lambda kw: f"rows == {show_number(kw['value'])}" if set(kw) == {"value"} else None,
}
