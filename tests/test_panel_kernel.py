"""The panel's "Check now": the recorded expectations checked in the kernel against live
DataFrames, with real Great Expectations, in-process and through a real kernel's
``user_expressions`` (the request the panel sends)."""

from __future__ import annotations

import ast
import json

import pandas as pd
import pytest
from jupyter_client.manager import start_new_kernel

from jupyter_promote.expectations import ExpectationConfig
from jupyter_promote.frontends.ipython.panel_kernel import NOT_IN_KERNEL, check_json, check_recorded

BETWEEN = "expect_column_values_to_be_between"
UNIQUE = "expect_column_values_to_be_unique"


def entry(variable: str, kind: str, step: str = "clean", **kwargs):
    """An expectation as the panel has it from the check answer (ExpectationEntry)."""
    config = ExpectationConfig(type=kind, kwargs=kwargs)
    text = config.describe()
    return {"step": step, "variable": variable, "index": 0, "type": kind, "kwargs": kwargs}, text


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return pd.DataFrame({"loan_id": [1, 2, 3, 3], "amount": [10.0, -12.0, 5.0, 20.0]})


def rows_for(namespace, *entries, level="error"):
    items = [{**e, "level": level} for e, _ in entries]
    return check_recorded(namespace, items)


def test_pass_and_fail_with_observed_text_keyed_by_describe(loans):
    between = entry("loans", BETWEEN, column="amount", min_value=0, max_value=100)
    unique = entry("loans", UNIQUE, column="loan_id")
    exists = entry("loans", "expect_column_to_exist", column="amount")
    rows = rows_for({"loans": loans}, between, unique, exists)
    assert [(r["expectation"], r["success"]) for r in rows] == [
        (between[1], False),
        (unique[1], False),
        (exists[1], True),
    ]
    assert rows[0]["observed"] == "1 of 4 values outside [0, 100]: -12.0"
    assert rows[0]["expected"] == "between 0 and 100"
    assert rows[1]["observed"].startswith("2 duplicate values")
    assert {(r["step"], r["variable"], r["level"]) for r in rows} == {("clean", "loans", "error")}
    json.dumps(rows, allow_nan=False)  # the panel gets plain JSON


def test_level_becomes_the_row_level(loans):
    (row,) = rows_for({"loans": loans}, entry("loans", UNIQUE, column="loan_id"), level="warn")
    assert row["level"] == "warn"


def test_missing_variable_is_a_failed_row_not_an_exception(loans):
    rows = rows_for(
        {"loans": loans},
        entry("loans_clean", UNIQUE, column="loan_id"),
        entry("loans_clean", "expect_table_row_count_to_be_between", min_value=1),
    )
    assert [(r["variable"], r["success"], r["error"]) for r in rows] == [
        ("loans_clean", False, NOT_IN_KERNEL),
        ("loans_clean", False, NOT_IN_KERNEL),
    ]
    assert rows[0]["expectation"] == "loan_id unique"
    assert rows[0]["observed"] == "not in the kernel: run the step first"


def test_missing_column_and_bad_expectation_fail_only_their_row(loans):
    rows = rows_for(
        {"loans": loans, "scores": [1, 2]},
        entry("loans", UNIQUE, column="loan_idd"),
        entry("loans", UNIQUE, column="loan_id"),
        entry("loans", "expect_no_such_thing"),
        entry("scores", UNIQUE, column="x"),
    )
    assert [r["success"] for r in rows] == [False, False, False, False]
    assert "has no column 'loan_idd'" in rows[0]["observed"]
    assert "did you mean 'loan_id'" in rows[0]["error"]
    assert rows[1]["error"] is None and rows[1]["observed"].startswith("2 duplicate")
    assert "unknown expectation type" in rows[2]["observed"]
    assert "'scores' is a list" in rows[3]["observed"]


def test_bad_request_answers_a_row_with_the_error():
    answer = check_json({}, "{not json")
    (row,) = answer.rows
    assert row["success"] is False and row["error"].startswith("JSONDecodeError")
    # text/plain is the repr of the JSON text
    assert json.loads(ast.literal_eval(repr(answer))) == answer._repr_json_()


def test_through_a_real_kernel_as_the_panel_asks(tmp_path):
    # the expression labextension/src/results.ts checkExpression() builds
    request = json.dumps(
        [
            {**entry("loans", UNIQUE, column="loan_id")[0], "level": "error"},
            {**entry("gone", UNIQUE, column="loan_id")[0], "level": "warn"},
        ]
    )
    expression = (
        "__import__('jupyter_promote.frontends.ipython.panel_kernel', fromlist=['check_json'])"
        f".check_json(get_ipython().user_ns, {json.dumps(request)})"
    )
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        client.execute_interactive(
            "import pandas as pd\nloans = pd.DataFrame({'loan_id': [1, 2, 2]})", timeout=60
        )
        reply = client.execute_interactive(
            "", silent=True, store_history=False, user_expressions={"rows": expression}, timeout=120
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    answer = reply["content"]["user_expressions"]["rows"]
    assert answer["status"] == "ok", answer
    rows = answer["data"]["application/json"]
    assert json.loads(ast.literal_eval(answer["data"]["text/plain"])) == rows
    assert [(r["variable"], r["success"], r["error"]) for r in rows] == [
        ("loans", False, None),
        ("gone", False, NOT_IN_KERNEL),
    ]
    assert rows[0]["observed"].startswith("2 duplicate values")
