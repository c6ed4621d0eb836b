"""Data-quality checks inside the notebook kernel: Great Expectations 1.x on live DataFrames.

The data never leaves the kernel; only :class:`CheckResult` rows (short texts, at most
:data:`SAMPLE_SIZE` sample values) come back. Importing this module is cheap: Great
Expectations (about 4 s to import) and pandas are imported on the first check, and the GX
context is built once per process and reused (:func:`gx_runtime`).

Example:
    >>> results = check_frame(loans, "loans", configs)  # doctest: +SKIP
    >>> print(render_text(results))  # doctest: +SKIP
    ✗ error  loans  amount between 0 and 5,000,000  3 of 120,000 values outside [0, 5,000,000]: ...
    0 passed, 1 failed (1 blocking)
"""

from __future__ import annotations

import difflib
import html
import json
import keyword
import math
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from jupyter_promote.errors import PromoteError

if TYPE_CHECKING:
    from jupyter_promote.core.expectations import ExpectationConfig

SAMPLE_SIZE = 5  # unexpected values kept per result
INDEX_KEY = "jupyter_promote_index"  # meta key mapping GX results back to our configs
COLUMN_KWARGS = ("column", "column_A", "column_B")


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


# -- results -----------------------------------------------------------------------------------
@dataclass
class CheckResult:
    """The outcome of one expectation on one variable: JSON-ready, short, human-readable."""

    step: str | None
    variable: str
    expectation: str  # ExpectationConfig.describe(), e.g. "amount between 0 and 5,000,000"
    type: str  # GX expectation type
    column: str | None
    level: str  # "error" blocks the run, "warn" reports
    success: bool
    observed: str  # e.g. "3 of 120,000 values outside [0, 5,000,000]: -12.0, -3.5, -1.0"
    expected: str  # e.g. "between 0 and 5,000,000"
    unexpected_count: int | None = None
    element_count: int | None = None
    sample: list[Any] = field(default_factory=list)  # JSON-safe, at most SAMPLE_SIZE
    error: str | None = None  # the exception text when GX raised

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the GX runtime, once per process ----------------------------------------------------------
@dataclass(frozen=True)
class GxRuntime:
    """The ephemeral GX context and the batch definition every check goes through."""

    context: Any
    batch_definition: Any


_RUNTIME: GxRuntime | None = None
_RUNTIME_LOCK = threading.Lock()


def gx_runtime() -> GxRuntime:
    """The process's GX context (built on first use: the GX import is paid once)."""
    global _RUNTIME
    with _RUNTIME_LOCK:
        if _RUNTIME is None:
            _RUNTIME = _start_gx()
        return _RUNTIME


def _start_gx() -> GxRuntime:
    from great_expectations.data_context.data_context.context_factory import (
        project_manager,
        set_context,
    )
    from great_expectations.data_context.data_context.ephemeral_data_context import (
        EphemeralDataContext,
    )
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.exceptions.exceptions import DataContextRequiredError

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),  # no tqdm
        analytics_enabled=False,
    )
    # Built directly, not with gx.get_context(), so a context the user made stays current.
    context = EphemeralDataContext(project_config=config)
    try:
        project_manager.get_current_project()
    except DataContextRequiredError:  # validation asks the current context "is this cloud?"
        set_context(context)
    asset = context.data_sources.add_pandas("jupyter_promote").add_dataframe_asset("frame")
    return GxRuntime(context, asset.add_batch_definition_whole_dataframe("whole"))


@contextmanager
def _no_fingerprint() -> Iterator[None]:
    """Skip GX's batch fingerprint (a hash of every row, 0.8 s per million rows, only written
    to the result's batch markers) while our batch loads."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    # A module global: a GX validation on another thread meanwhile skips it too (harmless).
    saved, engine.HASH_THRESHOLD = engine.HASH_THRESHOLD, 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


def _validate(frame: Any, expectations: list[Any]) -> list[Any]:
    """GX results for ``expectations`` on ``frame``, in the order given (one suite, one load)."""
    import great_expectations as gx
    from great_expectations.validator.v1_validator import Validator

    runtime = gx_runtime()
    suite = gx.ExpectationSuite(name="jupyter_promote", expectations=expectations)
    # batch.validate() would build its own validator and load (and hash) the frame again.
    validator = Validator(
        batch_definition=runtime.batch_definition,
        batch_parameters={"dataframe": frame},
        result_format={"result_format": "SUMMARY"},
    )
    with _no_fingerprint():
        results = validator.validate_expectation_suite(suite).results
    return sorted(results, key=lambda r: r.expectation_config.meta[INDEX_KEY])  # GX reorders


# -- public API --------------------------------------------------------------------------------
def check_frame(
    df: Any,
    variable: str,
    configs: Iterable[ExpectationConfig | Mapping[str, Any]],
    *,
    step: str | None = None,
) -> list[CheckResult]:
    """Validate a pandas DataFrame against expectations, all in one GX suite.

    Args:
        df: The live DataFrame.
        variable: Its variable name (for messages and results).
        configs: Expectations as :class:`ExpectationConfig` or GX suite-JSON dicts.
        step: The pipeline step that produced ``df``, if known.

    Returns:
        One :class:`CheckResult` per config, in order.

    Raises:
        NotADataFrame: ``df`` is not a pandas DataFrame.
        UnknownColumn: an expectation names a column ``df`` lacks (except
            ``expect_column_to_exist``, which then just fails).
        InvalidExpectation: an unknown expectation type or invalid arguments.

    Example:
        >>> check_frame(df, "df", [{"type": "expect_column_values_to_be_unique",
        ...                         "kwargs": {"column": "id"}}])[0].success  # doctest: +SKIP
        True
    """
    frame = _require_frame(df, variable, step)
    return _check(frame, variable, [_as_config(c) for c in configs], step, strict=True)


def validate_config(config: ExpectationConfig | Mapping[str, Any]) -> None:
    """Check that GX accepts the expectation (its type and arguments) without data.

    Raises:
        InvalidExpectation: unknown type (with a "did you mean") or invalid arguments, e.g.
            "expect_column_values_to_be_between: unknown argument 'min_valu' (did you mean
            'min_value'?)".
    """
    _build(_as_config(config), 0)


def run_gate(
    step: str, suites: Mapping[str, list[Mapping[str, Any]]], namespace: Mapping[str, Any]
) -> list[CheckResult]:
    """Check a step's expectations against the variables it left in ``namespace``.

    A gate reports and never raises for bad data or bad expectations: a missing variable, a
    non-DataFrame, an unknown column or an invalid expectation each become a failed result.

    Args:
        step: The step just run.
        suites: Variable name -> expectations as GX suite-JSON dicts.
        namespace: The kernel's globals.
    """
    results: list[CheckResult] = []
    for variable, items in suites.items():
        configs = []
        for item in items:
            try:
                configs.append(_as_config(item))
            except InvalidExpectation as exc:
                results.append(_malformed(step, variable, item, exc))
        if variable not in namespace:
            text = f"variable not defined after step {step!r}"
            results += [_failed(step, variable, c, text) for c in configs]
            continue
        try:
            frame = _require_frame(namespace[variable], variable, step)
        except NotADataFrame as exc:
            text = f"{exc.message}; {exc.hint}"
            results += [_failed(step, variable, c, text) for c in configs]
            continue
        results += _check(frame, variable, configs, step, strict=False)
    return results


def summary_line(results: list[CheckResult]) -> str:
    """e.g. "3 passed, 1 failed (1 blocking)"; blocking = failed with level "error"."""
    failed = [r for r in results if not r.success]
    blocking = sum(r.level == "error" for r in failed)
    return f"{len(results) - len(failed)} passed, {len(failed)} failed ({blocking} blocking)"


def render_text(results: list[CheckResult]) -> str:
    """Aligned pass/fail lines (✓/✗, level, variable, expectation, observed), then the summary."""
    rows = [
        [
            "✓" if r.success else "✗",
            r.level,
            r.variable,
            r.expectation,
            r.observed + ("" if r.success else f" (expected {r.expected})"),
        ]
        for r in results
    ]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4]])
        for row in rows
    ]
    return "\n".join([*lines, summary_line(results)])


def render_html(results: list[CheckResult]) -> str:
    """The same as :func:`render_text` as a small HTML table (for notebook display)."""
    colour = {"error": "#c62828", "warn": "#b26a00"}
    head = "".join(f"<th>{h}</th>" for h in ("", "level", "variable", "expectation", "observed"))
    body = []
    for r in results:
        style = "" if r.success else f' style="color:{colour.get(r.level, "inherit")}"'
        observed = r.observed if r.success else f"{r.observed} (expected {r.expected})"
        cells = ("✓" if r.success else "✗", r.level, r.variable, r.expectation, observed)
        body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return (
        f'<table class="jp-quality"><caption>{html.escape(summary_line(results))}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def suggest(df: Any, variable: str) -> list[ExpectationConfig]:
    """Propose expectations from the data (plain pandas, no GX): a row-count floor, then per
    column not null, unique, numeric bounds (rounded outward) and small value sets.

    Each proposal has ``meta["shorthand"]`` (the ``%expect`` text) and ``meta["suggested"]``.

    Raises:
        NotADataFrame: ``df`` is not a pandas DataFrame.
    """
    frame = _require_frame(df, variable, None)
    proposals = [p for p in [_suggest_rows(len(frame))] if p]
    for column in frame.columns:
        proposals += _suggest_column(str(column), frame[column])
    return proposals


# -- building and checking ---------------------------------------------------------------------
def _check(
    frame: Any, variable: str, configs: list[ExpectationConfig], step: str | None, *, strict: bool
) -> list[CheckResult]:
    results: list[CheckResult | None] = [None] * len(configs)
    todo: list[tuple[int, Any]] = []
    for i, config in enumerate(configs):
        try:
            _require_columns(frame, variable, config, step)
            todo.append((i, _build(config, i, frame)))
        except QualityError as exc:
            if strict:
                raise
            results[i] = _failed(step, variable, config, exc.message, error=exc.render())
    if todo:
        try:
            for (i, _), gx_result in zip(todo, _validate(frame, [e for _, e in todo]), strict=True):
                results[i] = _result(step, variable, configs[i], gx_result, frame)
        except Exception as exc:  # a gate reports: GX failing as a whole fails each check
            for i, _ in todo:
                text = f"{type(exc).__name__}: {exc}"
                results[i] = _failed(step, variable, configs[i], "could not be checked", text)
    return [r for r in results if r is not None]


def _build(config: ExpectationConfig, index: int, frame: Any = None) -> Any:
    """The GX expectation object for ``config`` (its meta carries ``index``)."""
    import great_expectations  # noqa: F401  (registers the core expectations)
    from great_expectations.exceptions.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.registry import (
        get_expectation_impl,
        list_registered_expectation_implementations,
    )

    try:
        impl = get_expectation_impl(config.type)
    except ExpectationNotFoundError:
        known = list_registered_expectation_implementations()
        raise InvalidExpectation(
            f"unknown expectation type {config.type!r}{_did_you_mean(config.type, known)}",
            hint="use a Great Expectations 1.x type (https://greatexpectations.io/expectations)",
            details={"type": config.type},
        ) from None
    kwargs = _gx_kwargs(config, frame)
    try:
        return impl(**kwargs, meta={INDEX_KEY: index})
    except (ValueError, TypeError) as exc:  # pydantic v1 ValidationError is a ValueError
        problems = _explain_invalid(exc, impl)
        raise InvalidExpectation(
            f"{config.type}: {problems}",
            hint="fix the expectation's arguments",
            details={"type": config.type, "kwargs": dict(config.kwargs)},
        ) from None


def _gx_kwargs(config: ExpectationConfig, frame: Any) -> dict[str, Any]:
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    column = kwargs.get("column")
    if frame is not None and column in getattr(frame, "columns", ()):
        dtype = str(frame[column].dtype)
        for key in ("min_value", "max_value"):  # GX reads "2025-01-01" as a date, which
            value = kwargs.get(key)  # pandas 3 will not compare with datetime64 values
            if dtype.startswith("datetime64") and isinstance(value, str) and len(value) == 10:
                kwargs[key] = f"{value}T00:00:00"
    return kwargs


def _explain_invalid(exc: Exception, impl: Any) -> str:
    """pydantic v1 errors as one sentence; root errors only when no field is to blame."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    if not errors:
        return str(exc)
    fields = [f for f in getattr(impl, "__fields__", {}) if f not in ("id", "meta", "notes")]
    parts: list[str] = []
    wrong_types: dict[str, list[str]] = {}
    for err in errors:
        name = ".".join(str(p) for p in err.get("loc", ()))
        kind = err.get("type", "")
        if name == "__root__":
            continue
        if kind == "value_error.extra":
            parts.append(f"unknown argument {name!r}{_did_you_mean(name, fields)}")
        elif kind == "value_error.missing":
            parts.append(f"missing argument {name!r}")
        elif kind.startswith(("type_error.", "value_error.")) and "valid" in err.get("msg", ""):
            wrong_types.setdefault(name, []).append(_type_word(err))
        else:
            parts.append(f"{name!r}: {err.get('msg')}")
    for name, words in wrong_types.items():
        words = [w for w in dict.fromkeys(words) if w != "dict"]  # dict = "$PARAMETER" form
        parts.append(f"{name!r} must be {_either(words) or 'of another type'}")
    if not parts:
        parts = [str(e.get("msg")) for e in errors]
    return "; ".join(dict.fromkeys(parts))


def _type_word(err: Mapping[str, Any]) -> str:
    words = {
        "float": "a number",
        "integer": "an integer",
        "int": "an integer",
        "str": "a string",
        "list": "a list",
        "set": "a list",
        "bool": "true or false",
        "date": "a date",
        "datetime": "a datetime",
        "dict": "dict",
    }
    kind = str(err.get("type", "")).rsplit(".", 1)[-1]
    return words.get(kind, str(err.get("msg", kind)))


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _require_columns(
    frame: Any, variable: str, config: ExpectationConfig, step: str | None
) -> None:
    if config.type == "expect_column_to_exist":
        return
    columns = [str(c) for c in frame.columns]
    wanted = [config.kwargs.get(k) for k in COLUMN_KWARGS] + list(
        config.kwargs.get("column_list") or []
    )
    for column in (c for c in wanted if c is not None):
        if column not in frame.columns:
            raise UnknownColumn(
                f"{variable!r} has no column {column!r}{_did_you_mean(str(column), columns)}",
                hint=f"use one of its columns: {_short_list(columns)}",
                step=step,
                details={"variable": variable, "column": column, "columns": columns},
            )


def _require_frame(obj: Any, variable: str, step: str | None) -> Any:
    pandas = sys.modules.get("pandas")  # not imported: then obj cannot be a pandas DataFrame
    if pandas is not None and isinstance(obj, pandas.DataFrame):
        return obj
    raise NotADataFrame.of(obj, variable, step)


def _as_config(item: Any) -> ExpectationConfig:
    from pydantic import ValidationError

    from jupyter_promote.core.expectations import ExpectationConfig

    if isinstance(item, ExpectationConfig):
        return item
    try:
        return ExpectationConfig.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "expectation"
        raise InvalidExpectation(
            f"not an expectation: {where}: {first['msg']}",
            hint='write it as {"type": "expect_...", "kwargs": {...}}',
        ) from None


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


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _short_list(items: list[str], limit: int = 20) -> str:
    more = f", ... (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


# -- results as text ---------------------------------------------------------------------------
def _failed(
    step: str | None,
    variable: str,
    config: ExpectationConfig,
    observed: str,
    error: str | None = None,
) -> CheckResult:
    return CheckResult(
        step,
        variable,
        config.describe(),
        config.type,
        config.column,
        config.level,
        False,
        observed,
        expected_text(config),
        error=error,
    )


def _malformed(step: str | None, variable: str, item: Any, exc: PromoteError) -> CheckResult:
    kind = str(item.get("type", "?")) if isinstance(item, Mapping) else type(item).__name__
    return CheckResult(
        step, variable, kind, kind, None, "error", False, exc.message, "", error=exc.render()
    )


def _result(
    step: str | None, variable: str, config: ExpectationConfig, gx_result: Any, frame: Any
) -> CheckResult:
    raw = dict(gx_result.result or {})
    error = _exception_text(gx_result.exception_info)
    success = bool(gx_result.success) and not error
    sample = [_clip(plain(v)) for v in (raw.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
    columns = list(frame.columns)
    observed = f"error: {error}" if error else observed_text(config, raw, sample, columns, success)
    return CheckResult(
        step=step,
        variable=variable,
        expectation=config.describe(),
        type=config.type,
        column=config.column,
        level=config.level,
        success=success,
        observed=observed,
        expected=expected_text(config),
        unexpected_count=_int_or_none(raw.get("unexpected_count")),
        element_count=_int_or_none(raw.get("element_count")),
        sample=sample,
        error=error,
    )


def _clip(value: Any, width: int = 200) -> Any:
    """Keep results small: a sample string longer than ``width`` is cut (with "…")."""
    return value[: width - 1] + "…" if isinstance(value, str) and len(value) > width else value


def _int_or_none(value: Any) -> int | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _exception_text(info: Any) -> str | None:
    """GX's exception info (flat, or keyed by metric) as one message, None when nothing raised."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = [
        str(_get(e, "exception_message") or "error") for e in entries if _get(e, "raised_exception")
    ]
    return "; ".join(dict.fromkeys(messages)) or None


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)


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
        names = _short_list([str(c) for c in columns])
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


# -- suggestions -------------------------------------------------------------------------------
_ID_NAME = re.compile(r"(?:^|_)(?:id|key|uuid|guid|code)$", re.IGNORECASE)
_CAMEL_ID = re.compile(r"[a-z]Id$")  # loanId
_NOT_NULL, _UNIQUE = "expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"
_BETWEEN, _IN_SET = "expect_column_values_to_be_between", "expect_column_values_to_be_in_set"
_ROWS_BETWEEN = "expect_table_row_count_to_be_between"
_KEYWORDS = {"between", "unique", "not", "in", "matches", "exists", "dtype", "rows"}
MAX_SET_SIZE = 20  # at most this many distinct values ...
MAX_SET_SHARE = 0.05  # ... and at most this share of the rows, for an "in set" proposal


def _name(column: str) -> str:
    """A column as the ``%expect`` language reads it (quoted unless a plain name)."""
    plain_name = column.isidentifier() and not keyword.iskeyword(column)
    return column if plain_name and column not in _KEYWORDS else json.dumps(column)


def _proposal(kind: str, kwargs: dict[str, Any], shorthand: str) -> ExpectationConfig:
    from jupyter_promote.core.expectations import ExpectationConfig

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
        _round_out(lo, hi - lo, integer, down=True),
        _round_out(hi, hi - lo, integer, down=False),
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


def _round_out(value: float, span: float, integer: bool, *, down: bool) -> int | float:
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
