"""GX internals behind one shim: the fast path and the public fallback give the same rows.

Real Great Expectations on real frames. The fallback is forced the way a GX upgrade would
force it: the shim's import of an internal module fails, or finds it changed.
"""

from __future__ import annotations

import importlib
import logging
import threading
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jupyter_promote.expectations import ExpectationConfig, parse_expect_line
from jupyter_promote.expectations.gx import check_frame, fast_path, run_gate, runtime
from jupyter_promote.expectations.gx.build import expectation_classes

LINES = [  # one %expect line each (checks of one kind on one line would merge)
    "amount between 0 and 5_000_000",
    "amount >= 0",
    "n >= 2",
    "id unique",
    "grade not null",
    'grade in {"A", "B", "C"}',
    'grade not in {"Z"}',
    'email matches "@x$"',
    "rows >= 1000",
    "rows == 6",
    "nope exists",
    "id exists",
    "amount between 0 and 5_000_000 --mostly 0.5",
    "id unique --severity warn",
]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 17, 17, 6],
            "amount": [1.0, -12.0, np.nan, 3.0, 5_000_001.0, 4.0],
            "grade": ["A", "B", "Z", None, "A", "C"],
            "email": ["a@x", "b@x", "bad", "c@x", None, "d@x"],
            "n": pd.array([1, 2, None, 4, 5, 6], dtype="Int64"),
            "ts": pd.to_datetime(["2024-01-01", "2024-06-01", "2025-03-01"] * 2),
        }
    )


def configs() -> list[ExpectationConfig]:
    gx_raises = ExpectationConfig(  # strings against numbers: GX itself reports an error
        type="expect_column_values_to_be_between",
        kwargs={"column": "grade", "min_value": 0, "max_value": 5},
    )
    after_2025 = ExpectationConfig(
        type="expect_column_values_to_be_between",
        kwargs={"column": "ts", "min_value": "2025-01-01"},
    )
    parsed = [c for line in LINES for c in parse_expect_line(f"df: {line}")[1]]
    return [*parsed, gx_raises, after_2025]


def rows(frame: pd.DataFrame) -> list[dict]:
    return [r.to_dict() for r in check_frame(frame, "df", configs(), step="load")]


def internals_gone(*modules: str):
    """A stand-in for the shim's import: the named internal modules (all if none) are gone."""

    def fake(module: str):
        if not modules or module in modules:
            raise ImportError(f"No module named {module!r}")
        return importlib.import_module(module)

    return fake


class FailingValidator:
    """A GX whose Validator is built as before but fails once it runs."""

    def __init__(self, **kwargs):
        pass

    def validate_expectation_suite(self, suite):
        raise RuntimeError("no such datasource in the current context")


def only_the_validator(replacement):
    def fake(module: str):
        if module == fast_path._VALIDATOR:
            return SimpleNamespace(Validator=replacement)
        return importlib.import_module(module)

    return fake


@pytest.fixture
def fresh_warnings(monkeypatch, caplog):
    monkeypatch.setattr(fast_path, "_WARNED", set())
    caplog.set_level(logging.WARNING, logger=fast_path.__name__)
    return caplog


def warned(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == fast_path.__name__]


@pytest.fixture
def fast_rows(frame, monkeypatch, fresh_warnings) -> list[dict]:
    """The rows of the fast path, which never takes the public route and warns nothing."""

    def public_route_taken(*args):
        raise AssertionError("the fast path used the public route")

    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "_public_validate", public_route_taken)
        got = rows(frame)
    assert warned(fresh_warnings) == []
    return got


def test_the_fast_path_gives_the_expected_rows(fast_rows):
    by_check = {r["expectation"]: (r["success"], r["observed"]) for r in fast_rows}
    assert by_check["id unique"] == (False, "2 duplicate values: 17, 17")
    assert by_check["rows == 6"] == (True, "row count 6")
    assert len(fast_rows) == len(configs()) and fast_rows[-2]["error"]


def test_without_the_internals_the_public_api_gives_the_same_rows(
    frame, fast_rows, monkeypatch, fresh_warnings, capfd
):
    monkeypatch.setattr(fast_path, "_internal", internals_gone())
    capfd.readouterr()
    assert rows(frame) == fast_rows
    assert rows(frame) == fast_rows  # and warns once per internal, not per check
    assert capfd.readouterr() == ("", "")  # no progress bars on the public route either
    validator, engine = sorted(warned(fresh_warnings), key=lambda m: "HASH" in m)
    assert "changed its v1 Validator (ImportError: No module named" in validator
    assert "changed pandas_execution_engine.HASH_THRESHOLD (ImportError" in engine
    assert validator.startswith("Great Expectations 1.")
    assert "uses the public API instead: the same results, slower checks" in validator


def test_a_validator_called_differently_falls_back(frame, fast_rows, monkeypatch, fresh_warnings):
    class OldValidator:  # a GX whose Validator takes other arguments
        def __init__(self, batch_definition):
            raise AssertionError("not reached")

    monkeypatch.setattr(fast_path, "_internal", only_the_validator(OldValidator))
    assert rows(frame) == fast_rows
    assert [m.split(" (")[1].split(":")[0] for m in warned(fresh_warnings)] == ["TypeError"]


def test_a_validator_failing_at_run_time_falls_back(frame, fast_rows, monkeypatch, fresh_warnings):
    monkeypatch.setattr(fast_path, "_internal", only_the_validator(FailingValidator))
    assert rows(frame) == fast_rows
    (message,) = warned(fresh_warnings)
    assert "changed how its v1 Validator runs (RuntimeError: no such datasource" in message


def test_when_both_routes_fail_the_checks_fail_and_nothing_claims_gx_changed(
    frame, monkeypatch, fresh_warnings
):
    def public_fails(*args):
        raise ValueError("GX is broken here")

    monkeypatch.setattr(fast_path, "_internal", only_the_validator(FailingValidator))
    monkeypatch.setattr(fast_path, "_public_validate", public_fails)
    results = check_frame(frame, "df", configs())
    assert {(r.success, r.observed, r.error) for r in results} == {
        (False, "could not be checked", "ValueError: GX is broken here")
    }
    assert warned(fresh_warnings) == []


def test_an_engine_without_the_hash_threshold_still_checks(
    frame, fast_rows, monkeypatch, fresh_warnings
):
    def fake(module: str):
        return SimpleNamespace() if module == fast_path._ENGINE else importlib.import_module(module)

    monkeypatch.setattr(fast_path, "_internal", fake)
    assert rows(frame) == fast_rows
    (message,) = warned(fresh_warnings)
    assert "HASH_THRESHOLD (AttributeError" in message


@pytest.fixture
def current_gx_context_restored():
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.exceptions import DataContextRequiredError

    try:
        saved = project_manager.get_current_project()
    except DataContextRequiredError:
        saved = None
    yield
    project_manager.set_project(saved)


@pytest.mark.usefixtures("current_gx_context_restored")
def test_a_context_made_through_the_public_api_gives_the_same_rows(
    frame, fast_rows, monkeypatch, fresh_warnings
):
    monkeypatch.setattr(fast_path, "_internal", internals_gone(fast_path._CONTEXT))
    monkeypatch.setattr(runtime, "_RUNTIME", None)  # built again, through gx.get_context()
    assert rows(frame) == fast_rows
    public = runtime.gx_runtime()
    assert public.context.variables.progress_bars.metric_calculations is False
    (message,) = warned(fresh_warnings)
    assert "changed EphemeralDataContext or its project manager (ImportError" in message


def test_the_gate_on_the_public_route_reports_the_same(frame, monkeypatch):
    suites = {"df": [c.model_dump(mode="json") for c in configs()]}
    fast = [r.to_dict() for r in run_gate("load", suites, {"df": frame})]
    monkeypatch.setattr(fast_path, "_internal", internals_gone())
    assert [r.to_dict() for r in run_gate("load", suites, {"df": frame})] == fast


def test_the_hash_threshold_is_restored_after_overlapping_checks(frame):
    engine = importlib.import_module(fast_path._ENGINE)
    before = engine.HASH_THRESHOLD
    errors: list[BaseException] = []

    def check() -> None:
        try:
            check_frame(frame, "df", parse_expect_line("df: id unique, amount >= 0")[1])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and engine.HASH_THRESHOLD == before > 0


# -- expectation types: GX's public classes, not its registry ------------------------------------
def test_expectation_classes_match_the_gx_registry():
    from great_expectations.expectations.registry import (
        get_expectation_impl,
        list_registered_expectation_implementations,
    )

    found = expectation_classes()
    assert sorted(found) == sorted(list_registered_expectation_implementations())
    assert all(get_expectation_impl(kind) is cls for kind, cls in found.items())


def test_a_custom_expectation_defined_in_the_kernel_is_checked(frame):
    import great_expectations as gx

    class ExpectSmallIds(gx.expectations.ExpectColumnValuesToBeBetween):
        min_value: int = 0
        max_value: int = 10

    (got,) = check_frame(frame, "df", [{"type": "expect_small_ids", "kwargs": {"column": "id"}}])
    assert (got.success, got.unexpected_count, got.sample) == (False, 2, [17, 17])
