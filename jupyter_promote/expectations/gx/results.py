"""One :class:`CheckResult` per expectation: built from a GX validation result, or failed
without one (a missing variable, an unknown column, a malformed expectation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations.gx.texts import expected_text, observed_text, plain

if TYPE_CHECKING:
    from jupyter_promote.expectations import ExpectationConfig

SAMPLE_SIZE = 5  # unexpected values kept per result


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


# -- results as text ---------------------------------------------------------------------------
def failed_result(
    step: str | None,
    variable: str,
    config: ExpectationConfig,
    observed: str,
    error: str | None = None,
) -> CheckResult:
    """A failed result for ``config`` whose check could not give one (no data, GX raised)."""
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


def malformed_result(step: str | None, variable: str, item: Any, exc: PromoteError) -> CheckResult:
    kind = str(item.get("type", "?")) if isinstance(item, Mapping) else type(item).__name__
    return CheckResult(
        step, variable, kind, kind, None, "error", False, exc.message, "", error=exc.render()
    )


def check_result(
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
