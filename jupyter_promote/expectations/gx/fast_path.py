"""The only module that reaches into Great Expectations internals, each with a public fallback.

GX 1.x's public way to check a DataFrame, ``batch_definition.get_batch(...).validate(suite)``,
loads the frame twice and hashes every row each time (0.8 s per million rows, for a batch
marker nobody reads). Three internals avoid that and keep the user's own context current:

- the v1 ``Validator`` built straight from the batch definition (one load);
- ``pandas_execution_engine.HASH_THRESHOLD`` set to 0 while the frame loads (no hash);
- an ``EphemeralDataContext`` built directly and made current only if none is
  (``gx.get_context()`` would replace a context the user made).

Each function below tries its internal first. When GX has changed it (an ``ImportError``,
``AttributeError`` or ``TypeError`` while reaching it, or a validator that fails where the
public route then succeeds), it logs one warning per internal and per process and takes the
public route: the same results, slower (6.6x hand-written pandas instead of 1.7x on the
benchmark). The tests force every fallback through :func:`_internal`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

#: What GX changing an internal looks like: gone, renamed, or called differently.
CHANGED = (ImportError, AttributeError, TypeError)
RESULT_FORMAT = {"result_format": "SUMMARY"}

_VALIDATOR = "great_expectations.validator.v1_validator"
_ENGINE = "great_expectations.execution_engine.pandas_execution_engine"
_CONTEXT = "great_expectations.data_context.data_context.ephemeral_data_context"
_FACTORY = "great_expectations.data_context.data_context.context_factory"

_WARNED: set[str] = set()
_WARNED_LOCK = threading.Lock()


def _internal(module: str) -> ModuleType:
    """Import a GX module that is not public API (the seam the tests use to break them)."""
    return importlib.import_module(module)


def _changed(what: str, exc: BaseException) -> None:
    """Log, once per process, that GX changed ``what`` and the public API takes over."""
    with _WARNED_LOCK:
        if what in _WARNED:
            return
        _WARNED.add(what)
    from great_expectations import __version__

    log.warning(
        "Great Expectations %s changed %s (%s: %s); jupyter-promote uses the public API "
        "instead: the same results, slower checks",
        __version__,
        what,
        type(exc).__name__,
        exc,
    )


# -- validating --------------------------------------------------------------------------------
def validate_suite(batch_definition: Any, frame: Any, suite: Any) -> list[Any]:
    """GX's results for ``suite`` on ``frame`` (GX's order, not necessarily the suite's).

    Args:
        batch_definition: A whole-dataframe batch definition of a pandas data asset.
        frame: The pandas DataFrame to validate.
        suite: The ``gx.ExpectationSuite``.

    Returns:
        The ``ExpectationValidationResult`` of each expectation, SUMMARY result format.

    Raises:
        Exception: whatever the public route raises when both routes fail.
    """
    with _no_fingerprint():
        try:
            validate = _validator(batch_definition, frame)
        except CHANGED as exc:
            _changed("its v1 Validator", exc)
            return _public_validate(batch_definition, frame, suite)
        try:
            return list(validate(suite).results)
        except Exception as exc:  # GX reports a failing expectation in its result: this is
            # the validator itself failing, which a changed internal may do only once it runs
            results = _public_validate(batch_definition, frame, suite)  # raises if GX is broken
            _changed("how its v1 Validator runs", exc)  # the public route worked where it failed
            return results


def _validator(batch_definition: Any, frame: Any) -> Callable[[Any], Any]:
    """Internal: a v1 Validator on the batch definition, which loads the frame once."""
    validator = _internal(_VALIDATOR).Validator(
        batch_definition=batch_definition,
        batch_parameters={"dataframe": frame},
        result_format=RESULT_FORMAT,
    )
    return validator.validate_expectation_suite


def _public_validate(batch_definition: Any, frame: Any, suite: Any) -> list[Any]:
    """Public: ``Batch.validate``, which loads the frame a second time for its validator."""
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    return list(batch.validate(suite, result_format=RESULT_FORMAT).results)


# -- the batch fingerprint -----------------------------------------------------------------------
_HASH_LOCK = threading.Lock()
_hash_skips = 0  # validations skipping the fingerprint right now (threads may overlap)
_hash_saved: Any = None


@contextmanager
def _no_fingerprint() -> Iterator[None]:
    """Skip GX's batch fingerprint (a hash of every row, only written to the result's batch
    markers) while a batch loads; a no-op if GX no longer has the threshold."""
    global _hash_skips, _hash_saved
    try:
        engine = _internal(_ENGINE)
        engine.HASH_THRESHOLD  # noqa: B018  (present? else GX changed how it hashes)
    except CHANGED as exc:
        _changed("pandas_execution_engine.HASH_THRESHOLD", exc)
        engine = None
    if engine is None:
        yield
        return
    # A module global: a user's own GX validation on another thread meanwhile skips it too
    # (harmless); the counter restores the original value once the last of ours is done.
    with _HASH_LOCK:
        if _hash_skips == 0:
            _hash_saved = engine.HASH_THRESHOLD
        _hash_skips += 1
        engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        with _HASH_LOCK:
            _hash_skips -= 1
            if _hash_skips == 0:
                engine.HASH_THRESHOLD = _hash_saved


# -- the context -----------------------------------------------------------------------------------
def ephemeral_context() -> Any:
    """An in-memory GX context: no analytics, no progress bars, current only if none is.

    Falls back to ``gx.get_context(mode="ephemeral", ...)``, which makes it the current
    context even when the user made one.
    """
    import great_expectations as gx

    config = _context_config()
    if config is not None:
        try:
            return _own_context(config)
        except CHANGED as exc:
            _changed("EphemeralDataContext or its project manager", exc)
    return gx.get_context(mode="ephemeral", project_config=config)


def _context_config() -> Any:
    """The context's public ``DataContextConfig``; None (GX's defaults) if it changed."""
    try:
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        return DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),  # no tqdm
            analytics_enabled=False,
        )
    except CHANGED as exc:
        _changed("DataContextConfig", exc)
        return None


def _own_context(config: Any) -> Any:
    """Internal: the context built directly, so a context the user made stays current."""
    from great_expectations.exceptions import DataContextRequiredError

    context = _internal(_CONTEXT).EphemeralDataContext(project_config=config)
    factory = _internal(_FACTORY)
    try:
        factory.project_manager.get_current_project()
    except DataContextRequiredError:  # validation asks the current context "is this cloud?"
        factory.set_context(context)
    return context
