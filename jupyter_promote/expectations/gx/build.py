"""From user input to GX input: the frame and columns checked, configs validated, and each
expectation built as a GX object (with our errors, not GX's, when it cannot be).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jupyter_promote.expectations.gx.errors import (
    InvalidExpectation,
    NotADataFrame,
    UnknownColumn,
    closest_hint,
    short_list,
)
from jupyter_promote.expectations.gx.texts import COLUMN_KWARGS

if TYPE_CHECKING:
    from jupyter_promote.expectations import ExpectationConfig

INDEX_KEY = "jupyter_promote_index"  # meta key mapping GX results back to our configs


def build_expectation(config: ExpectationConfig, index: int, frame: Any = None) -> Any:
    """The GX expectation object for ``config`` (its meta carries ``index``)."""
    known = expectation_classes()
    impl = known.get(config.type)
    if impl is None:
        raise InvalidExpectation(
            f"unknown expectation type {config.type!r}{closest_hint(config.type, known)}",
            hint="use a Great Expectations 1.x type (https://greatexpectations.io/expectations)",
            details={"type": config.type},
        )
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


def expectation_classes() -> dict[str, Any]:
    """GX's expectation classes by type, custom ones defined in the kernel included.

    Found from GX's public base class (the registry GX keeps is not public API); a type
    defined twice (a cell run again) maps to its latest class, as in GX's registry.
    """
    import great_expectations as gx

    found: dict[str, Any] = {}
    todo = [gx.expectations.Expectation]
    while todo:
        cls = todo.pop(0)
        kind = getattr(cls, "expectation_type", None)
        if isinstance(kind, str) and kind:  # the abstract bases have none
            found[kind] = cls
        todo += cls.__subclasses__()
    return found


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
            parts.append(f"unknown argument {name!r}{closest_hint(name, fields)}")
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


def require_columns(frame: Any, variable: str, config: ExpectationConfig, step: str | None) -> None:
    if config.type == "expect_column_to_exist":
        return
    columns = [str(c) for c in frame.columns]
    wanted = [config.kwargs.get(k) for k in COLUMN_KWARGS] + list(
        config.kwargs.get("column_list") or []
    )
    for column in (c for c in wanted if c is not None):
        if column not in frame.columns:
            raise UnknownColumn(
                f"{variable!r} has no column {column!r}{closest_hint(str(column), columns)}",
                hint=f"use one of its columns: {short_list(columns)}",
                step=step,
                details={"variable": variable, "column": column, "columns": columns},
            )


def require_frame(obj: Any, variable: str, step: str | None) -> Any:
    pandas = sys.modules.get("pandas")  # not imported: then obj cannot be a pandas DataFrame
    if pandas is not None and isinstance(obj, pandas.DataFrame):
        return obj
    raise NotADataFrame.of(obj, variable, step)


def as_config(item: Any) -> ExpectationConfig:
    from pydantic import ValidationError

    from jupyter_promote.expectations import ExpectationConfig

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
