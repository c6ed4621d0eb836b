"""Running the checks: the GX context once per process, one validation per frame, the gate.

Great Expectations (about 4 s to import) is imported on the first check; the ephemeral context
is built once and reused (:func:`gx_runtime`). Every use of GX internals (for speed) sits in
:mod:`.fast_path`, which falls back to GX's public API when they change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jupyter_promote.expectations.gx import fast_path
from jupyter_promote.expectations.gx.build import (
    INDEX_KEY,
    as_config,
    build_expectation,
    require_columns,
    require_frame,
)
from jupyter_promote.expectations.gx.errors import InvalidExpectation, NotADataFrame, QualityError
from jupyter_promote.expectations.gx.results import (
    CheckResult,
    check_result,
    failed_result,
    malformed_result,
)

if TYPE_CHECKING:
    from jupyter_promote.expectations import ExpectationConfig


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
    context = fast_path.ephemeral_context()
    asset = context.data_sources.add_pandas("jupyter_promote").add_dataframe_asset("frame")
    return GxRuntime(context, asset.add_batch_definition_whole_dataframe("whole"))


def _validate(frame: Any, expectations: list[Any]) -> list[Any]:
    """GX results for ``expectations`` on ``frame``, in the order given (one suite, one load)."""
    import great_expectations as gx

    runtime = gx_runtime()
    suite = gx.ExpectationSuite(name="jupyter_promote", expectations=expectations)
    results = fast_path.validate_suite(runtime.batch_definition, frame, suite)
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
    frame = require_frame(df, variable, step)
    return _check(frame, variable, [as_config(c) for c in configs], step, strict=True)


def validate_config(config: ExpectationConfig | Mapping[str, Any]) -> None:
    """Check that GX accepts the expectation (its type and arguments) without data.

    Raises:
        InvalidExpectation: unknown type (with a "did you mean") or invalid arguments, e.g.
            "expect_column_values_to_be_between: unknown argument 'min_valu' (did you mean
            'min_value'?)".
    """
    build_expectation(as_config(config), 0)


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
                configs.append(as_config(item))
            except InvalidExpectation as exc:
                results.append(malformed_result(step, variable, item, exc))
        if variable not in namespace:
            text = f"variable not defined after step {step!r}"
            results += [failed_result(step, variable, c, text) for c in configs]
            continue
        try:
            frame = require_frame(namespace[variable], variable, step)
        except NotADataFrame as exc:
            text = f"{exc.message}; {exc.hint}"
            results += [failed_result(step, variable, c, text) for c in configs]
            continue
        results += _check(frame, variable, configs, step, strict=False)
    return results


# -- checking ----------------------------------------------------------------------------------
def _check(
    frame: Any, variable: str, configs: list[ExpectationConfig], step: str | None, *, strict: bool
) -> list[CheckResult]:
    results: list[CheckResult | None] = [None] * len(configs)
    todo: list[tuple[int, Any]] = []
    for i, config in enumerate(configs):
        try:
            require_columns(frame, variable, config, step)
            todo.append((i, build_expectation(config, i, frame)))
        except QualityError as exc:
            if strict:
                raise
            results[i] = failed_result(step, variable, config, exc.message, error=exc.render())
    if todo:
        try:
            for (i, _), gx_result in zip(todo, _validate(frame, [e for _, e in todo]), strict=True):
                results[i] = check_result(step, variable, configs[i], gx_result, frame)
        except Exception as exc:  # a gate reports: GX failing as a whole fails each check
            for i, _ in todo:
                text = f"{type(exc).__name__}: {exc}"
                results[i] = failed_result(step, variable, configs[i], "could not be checked", text)
    return [r for r in results if r is not None]
