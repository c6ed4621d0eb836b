"""Running the checks: the GX context once per process, one validation per frame, the gate.

Great Expectations (about 4 s to import) is imported on the first check; the ephemeral context
is built once and reused (:func:`gx_runtime`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jupyter_promote.quality.build import (
    INDEX_KEY,
    _as_config,
    _build,
    _require_columns,
    _require_frame,
)
from jupyter_promote.quality.errors import InvalidExpectation, NotADataFrame, QualityError
from jupyter_promote.quality.results import CheckResult, _malformed, _result, failed_result

if TYPE_CHECKING:
    from jupyter_promote.core.expectations import ExpectationConfig


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
            results += [failed_result(step, variable, c, text) for c in configs]
            continue
        try:
            frame = _require_frame(namespace[variable], variable, step)
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
            _require_columns(frame, variable, config, step)
            todo.append((i, _build(config, i, frame)))
        except QualityError as exc:
            if strict:
                raise
            results[i] = failed_result(step, variable, config, exc.message, error=exc.render())
    if todo:
        try:
            for (i, _), gx_result in zip(todo, _validate(frame, [e for _, e in todo]), strict=True):
                results[i] = _result(step, variable, configs[i], gx_result, frame)
        except Exception as exc:  # a gate reports: GX failing as a whole fails each check
            for i, _ in todo:
                text = f"{type(exc).__name__}: {exc}"
                results[i] = failed_result(step, variable, configs[i], "could not be checked", text)
    return [r for r in results if r is not None]
