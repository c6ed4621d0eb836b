"""Quality checks in the kernel: real Great Expectations 1.x on real pandas DataFrames, no mocks.

The first part needs no GX (texts, JSON safety, type errors, suggestions); the GX part below is
kept together because importing GX costs seconds once per process.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations import ExpectationConfig, parse_expect_line
from jupyter_promote.expectations import gx as quality
from jupyter_promote.expectations.gx import (
    CheckResult,
    InvalidExpectation,
    NotADataFrame,
    UnknownColumn,
    check_frame,
    run_gate,
    suggest,
    validate_config,
)

BETWEEN = "expect_column_values_to_be_between"


def config(kind: str, severity: str = "critical", **kwargs: object) -> ExpectationConfig:
    return ExpectationConfig(type=kind, kwargs=kwargs, severity=severity)  # type: ignore[arg-type]


def expect(line: str) -> list[ExpectationConfig]:
    """Configs from a %expect predicate list, as users write them."""
    return parse_expect_line(f"df: {line}")[1]


# -- without GX --------------------------------------------------------------------------------
def test_importing_the_module_imports_neither_gx_nor_pandas():
    code = (
        "import sys, jupyter_promote.expectations.gx; "
        "print('great_expectations' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (np.int64(17), 17),
        (np.float64(-12.5), -12.5),
        (np.bool_(True), True),
        (float("nan"), None),
        (np.float64("nan"), None),
        (pd.NA, None),
        (pd.NaT, None),
        (float("inf"), "inf"),
        (pd.Timestamp("2024-01-02 03:04"), "2024-01-02T03:04:00"),
        (np.datetime64("2024-01-02"), "2024-01-02"),
        ("Z", "Z"),
        (None, None),
    ],
)
def test_plain_makes_values_json_safe(value, plain):
    assert quality.plain(value) == plain
    json.dumps(quality.plain(value), allow_nan=False)


@pytest.mark.parametrize(
    ("value", "text"),
    [(5_000_000.0, "5,000,000"), (0.5, "0.5"), (-12.0, "-12"), (1234.5678, "1,234.5678"),
     (999999.4000000000233, "999,999.4"), (1e20, "1e+20"), ("2025-01-01", "2025-01-01")],
)  # fmt: skip
def test_number_reads_like_people_write_it(value, text):
    assert quality.number(value) == text


@pytest.mark.parametrize(
    ("cfg", "expected"),
    [
        (config(BETWEEN, column="a", min_value=0, max_value=5_000_000), "between 0 and 5,000,000"),
        (config(BETWEEN, column="a", min_value=0), ">= 0"),
        (config(BETWEEN, column="a", max_value=9.5, strict_max=True), "< 9.5"),
        (config(BETWEEN, column="a", min_value=0, max_value=1, mostly=0.95),
         "between 0 and 1 (at least 95% of rows)"),
        (config("expect_table_row_count_to_be_between", min_value=1000), ">= 1,000 rows"),
        (config("expect_table_row_count_to_equal", value=10), "exactly 10 rows"),
        (config("expect_column_values_to_be_in_set", column="g", value_set=["A", "B"]),
         "in {'A', 'B'}"),
        (config("expect_column_values_to_match_regex", column="e", regex="@x$"), "matching '@x$'"),
        (config("expect_column_values_to_not_be_null", column="a"), "not null"),
        (config("expect_column_mean_to_be_between", column="a", max_value=10), "mean <= 10"),
        (config("expect_column_values_to_be_dateutil_parseable", column="d"),
         "expect_column_values_to_be_dateutil_parseable"),
    ],
)  # fmt: skip
def test_expected_text(cfg, expected):
    assert quality.expected_text(cfg) == expected


def result(success: bool, level: str = "error", **fields: object) -> CheckResult:
    base: dict = dict(step="load", variable="loans", expectation="amount between 0 and 5,000,000",
                      type=BETWEEN, column="amount", level=level, success=success,
                      observed="0 of 10 values outside [0, 5,000,000]",
                      expected="between 0 and 5,000,000")  # fmt: skip
    return CheckResult(**{**base, **fields})


def test_render_text_lines_and_summary():
    results = [
        result(True),
        result(False, observed="1 null of 10", expectation="amount not null", expected="not null"),
        result(False, "warn", observed="row count 9", expectation="rows >= 10", expected=">= 10"),
    ]
    assert quality.render_text(results).splitlines() == [
        "✓  error  loans  amount between 0 and 5,000,000  0 of 10 values outside [0, 5,000,000]",
        "✗  error  loans  amount not null                 1 null of 10 (expected not null)",
        "✗  warn   loans  rows >= 10                      row count 9 (expected >= 10)",
        "1 passed, 2 failed (1 blocking)",
    ]
    assert quality.summary_line([]) == "0 passed, 0 failed (0 blocking)"


def test_render_html_escapes_and_summarises():
    page = quality.render_html([result(False, observed="'<b>' not in set (1 of 2)")])
    assert "&#x27;&lt;b&gt;&#x27; not in set (1 of 2)" in page
    assert "<caption>0 passed, 1 failed (1 blocking)</caption>" in page
    assert page.count("<tr") == 2  # header + one result


def test_to_dict_is_json_ready():
    row = result(False, sample=[17, None]).to_dict()
    assert row["sample"] == [17, None] and row["level"] == "error"
    json.dumps(row, allow_nan=False)


def test_a_series_is_not_a_dataframe():
    with pytest.raises(NotADataFrame) as info:
        check_frame(pd.Series([1, 2]), "s", expect("s >= 0"))
    assert info.value.message == (
        "variable 's' is a pandas.Series; expectations run on pandas DataFrames only"
    )
    assert info.value.hint == "convert with s.to_frame()"
    assert isinstance(info.value, PromoteError) and info.value.http_status == 422


def test_a_dict_is_not_a_dataframe():
    with pytest.raises(NotADataFrame) as info:
        check_frame({"a": [1]}, "raw", expect("a >= 0"))
    assert info.value.render() == (
        "variable 'raw' is a dict; expectations run on pandas DataFrames only; "
        "build one with pandas.DataFrame(raw)"
    )


def test_a_polars_frame_is_named_and_converted():
    class DataFrame:  # the type a polars DataFrame has, by module and name
        __module__ = "polars.dataframe.frame"

        def to_pandas(self) -> None: ...

    with pytest.raises(NotADataFrame) as info:
        check_frame(DataFrame(), "x", expect("a >= 0"), step="load")
    assert info.value.message == (
        "variable 'x' is a polars.DataFrame; "
        "expectations run on pandas DataFrames only (not supported yet)"
    )
    assert info.value.hint == "convert with x.to_pandas()"
    assert info.value.step == "load"


def loans_frame(rows: int = 1000) -> pd.DataFrame:
    """Known data: amount spans [10, 990], grade is A..D, note is unique text, score
    spans [-2.87, 3.81] with one null."""
    rng = np.random.default_rng(3)
    amount = rng.uniform(10, 990, rows).round(2)
    amount[:2] = [10, 990]
    score = np.linspace(-2.87, 3.81, rows)
    score[5] = np.nan
    return pd.DataFrame(
        {
            "loan_id": np.arange(1, rows + 1),
            "amount": amount,
            "grade": pd.Series(rng.choice(list("ABCD"), rows)),
            "note": [f"n{i}" for i in range(rows)],
            "flag": rng.choice([True, False], rows),
            "score": score,
            "city": [f"c{i % 100}" for i in range(rows)],  # 100 distinct: too many for a set
        }
    )


def test_suggest_proposes_bounds_sets_and_keys():
    proposals = suggest(loans_frame(1234), "loans")
    assert [(p.type, p.kwargs) for p in proposals] == [
        ("expect_table_row_count_to_be_between", {"min_value": 1200}),
        ("expect_column_values_to_not_be_null", {"column": "loan_id"}),
        ("expect_column_values_to_be_unique", {"column": "loan_id"}),
        ("expect_column_values_to_not_be_null", {"column": "amount"}),
        (BETWEEN, {"column": "amount", "min_value": 10, "max_value": 990}),
        ("expect_column_values_to_not_be_null", {"column": "grade"}),
        ("expect_column_values_to_be_in_set", {"column": "grade", "value_set": list("ABCD")}),
        ("expect_column_values_to_not_be_null", {"column": "note"}),
        ("expect_column_values_to_be_unique", {"column": "note"}),
        ("expect_column_values_to_not_be_null", {"column": "flag"}),
        (BETWEEN, {"column": "score", "min_value": -2.9, "max_value": 3.9}),
        ("expect_column_values_to_not_be_null", {"column": "city"}),
    ]
    assert [p.meta["shorthand"] for p in proposals][:7] == [
        "rows >= 1200",
        "loan_id not null",
        "loan_id unique",
        "amount not null",
        "amount between 10 and 990",
        "grade not null",
        'grade in {"A", "B", "C", "D"}',
    ]
    assert all(p.meta["suggested"] is True and p.level == "error" for p in proposals)
    assert suggest(loans_frame(1234), "loans") == proposals  # deterministic


def test_suggested_shorthand_reads_back_as_the_same_expectation():
    for proposal in suggest(loans_frame(), "loans"):
        _, (parsed,) = parse_expect_line(f"loans: {proposal.meta['shorthand']}")
        assert (parsed.type, parsed.kwargs) == (proposal.type, proposal.kwargs)


@pytest.mark.parametrize(
    ("low", "high", "integer", "bounds"),
    [
        (10.37, 989.6, False, (10, 990)),
        (-12.3, 4_999_000.7, False, (-13, 5_000_000)),
        (0.123, 0.987, False, (0.12, 0.99)),
        (2019, 2024, True, (2019, 2024)),
        (0.29, 0.7, False, (0.29, 0.7)),
        (5, 5, True, (5, 5)),
    ],
)
def test_suggested_bounds_round_outward(low, high, integer, bounds):
    span = high - low
    got = (quality.round_out(low, span, integer, down=True),
           quality.round_out(high, span, integer, down=False))  # fmt: skip
    assert got == bounds
    assert got[0] <= low and got[1] >= high


def test_suggest_needs_a_dataframe():
    with pytest.raises(NotADataFrame):
        suggest([1, 2, 3], "xs")


# -- with GX (real validations; GX is imported once for all of them) --------------------------
@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
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


@pytest.fixture(scope="module")
def good() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": range(1, 7), "amount": [1.0, 2, 3, 4, 5, 6], "grade": list("ABCABC")}
    )


# GX reads a date-only bound as a date, which pandas 3 will not compare with datetime64 values;
# quality passes it as midnight instead. (The %expect language has no date literal yet.)
TS_AFTER_2025 = config(BETWEEN, column="ts", min_value="2025-01-01")
FAILURES = [
    # (predicate, observed, expected, sample, unexpected_count)
    ("amount between 0 and 5_000_000", "2 of 6 values outside [0, 5,000,000]: -12.0, 5000001.0",
     "between 0 and 5,000,000", [-12.0, 5000001.0], 2),
    ("amount >= 0", "1 of 6 values below 0: -12.0", ">= 0", [-12.0], 1),
    ("n >= 2", "1 of 6 values below 2: 1", ">= 2", [1], 1),
    ('ts >= "2025-01-01"', "4 of 6 values below 2025-01-01: '2024-01-01T00:00:00', "
     "'2024-06-01T00:00:00', '2024-01-01T00:00:00', '2024-06-01T00:00:00'", ">= 2025-01-01",
     ["2024-01-01T00:00:00", "2024-06-01T00:00:00"] * 2, 4),
    ("id unique", "2 duplicate values: 17, 17", "unique", [17, 17], 2),
    ("grade not null", "1 null of 6", "not null", [None], 1),
    ('grade in {"A", "B", "C"}', "'Z' not in set (1 of 6)", "in {'A', 'B', 'C'}", ["Z"], 1),
    ('grade not in {"Z"}', "'Z' in the excluded set (1 of 6)", "not in {'Z'}", ["Z"], 1),
    ('email matches "@x$"', "1 of 6 values not matching '@x$': 'bad'", "matching '@x$'",
     ["bad"], 1),
    ("rows >= 1000", "row count 6", ">= 1,000 rows", [], None),
    ("rows == 7", "row count 6", "exactly 7 rows", [], None),
    ("nope exists", "column missing (columns: id, amount, grade, email, n, ts)",
     "column present", [], None),
]  # fmt: skip


@pytest.fixture(scope="module")
def failures(df) -> list[CheckResult]:
    configs = [TS_AFTER_2025 if p.startswith("ts") else expect(p)[0] for p, *_ in FAILURES]
    return check_frame(df, "df", configs, step="load")


@pytest.mark.parametrize("index", range(len(FAILURES)), ids=[f[0] for f in FAILURES])
def test_failed_check_says_what_was_observed(failures, index):
    predicate, observed, expected, sample, unexpected = FAILURES[index]
    got = failures[index]
    assert (got.observed, got.expected, got.sample, got.unexpected_count) == (
        observed, expected, sample, unexpected,
    )  # fmt: skip
    assert got.success is False and got.error is None
    assert (got.step, got.variable, got.level) == ("load", "df", "error")
    if not predicate.startswith("ts"):
        assert got.expectation == expect(predicate)[0].describe()


def test_results_are_json_safe(failures):
    assert json.loads(json.dumps([r.to_dict() for r in failures], allow_nan=False))


def test_results_come_back_in_the_order_given(df):
    # GX validates (and returns) expectations grouped its own way; ours keep the given order
    configs = expect('rows >= 1, email matches "@", id unique, amount >= -100, grade not null')
    assert [r.type for r in check_frame(df, "df", configs)] == [c.type for c in configs]


def test_passing_checks(good):
    results = check_frame(
        good,
        "good",
        expect('id unique, not null, amount between 0 and 10, grade in {"A", "B", "C"}')
        + expect('rows >= 6, id exists, grade matches "^[A-C]$"'),
    )
    assert [r.success for r in results] == [True] * 7
    assert [r.observed for r in results] == [
        "0 duplicate values",
        "0 nulls of 6",
        "0 of 6 values outside [0, 10]",
        "0 of 6 values not in set",
        "row count 6",
        "column present",
        "0 of 6 values not matching '^[A-C]$'",
    ]
    assert results[0].element_count == 6 and results[0].unexpected_count == 0


def test_mostly_lets_some_values_fail(df):
    (got,) = check_frame(df, "df", expect("amount between 0 and 5_000_000 --mostly 0.5"))
    assert got.success is True
    assert got.expected == "between 0 and 5,000,000 (at least 50% of rows)"
    assert got.observed.startswith("2 of 6 values outside")


def test_severity_warn_is_reported_not_blocking(df):
    results = check_frame(df, "df", expect("id unique --severity warn"))
    assert results[0].level == "warn" and not results[0].success
    assert quality.summary_line(results) == "0 passed, 1 failed (0 blocking)"


def test_an_error_inside_gx_is_a_failed_result(df):
    (got,) = check_frame(df, "df", [config(BETWEEN, column="grade", min_value=0, max_value=5)])
    assert got.success is False
    assert got.error == (
        "Column values, min_value, and max_value must either be None or of the same type."
    )
    assert got.observed == f"error: {got.error}"


def test_unknown_column_names_it_and_suggests_one(df):
    with pytest.raises(UnknownColumn) as info:
        check_frame(df, "df", expect("amout between 0 and 10"), step="clean")
    err = info.value
    assert err.message == "'df' has no column 'amout' (did you mean 'amount'?)"
    assert err.hint == "use one of its columns: id, amount, grade, email, n, ts"
    assert err.details["column"] == "amout" and err.step == "clean"


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ({"type": "expect_column_values_to_be_betwen", "kwargs": {"column": "a"}},
         "unknown expectation type 'expect_column_values_to_be_betwen' "
         "(did you mean 'expect_column_values_to_be_between'?)"),
        ({"type": BETWEEN, "kwargs": {"column": "a", "min_valu": 1}},
         "expect_column_values_to_be_between: unknown argument 'min_valu' "
         "(did you mean 'min_value'?)"),
        ({"type": BETWEEN, "kwargs": {"column": "a", "min_value": "x"}},
         "expect_column_values_to_be_between: 'min_value' must be a number, a date or a datetime"),
        ({"type": BETWEEN, "kwargs": {"min_value": 1}},
         "expect_column_values_to_be_between: missing argument 'column'"),
        ({"type": BETWEEN, "kwargs": {"column": "a"}},
         "expect_column_values_to_be_between: min_value and max_value cannot both be None"),
        ({"type": "check_it", "kwargs": {}},
         "not an expectation: type: String should match pattern '^expect_[a-z0-9_]+$'"),
    ],
)  # fmt: skip
def test_validate_config_explains_in_one_sentence(cfg, message):
    with pytest.raises(InvalidExpectation) as info:
        validate_config(cfg)
    assert info.value.message == message


def test_validate_config_accepts_a_valid_expectation():
    assert validate_config(expect("amount between 0 and 10")[0]) is None
    assert validate_config({"type": "expect_column_to_exist", "kwargs": {"column": "a"}}) is None


def test_check_frame_refuses_an_invalid_expectation(df):
    with pytest.raises(InvalidExpectation, match="unknown argument 'maxx'"):
        check_frame(df, "df", [config(BETWEEN, column="amount", min_value=0, maxx=1)])


def test_run_gate_reports_instead_of_raising(df):
    ok = expect("id exists")[0].model_dump(mode="json")
    suites = {
        "df": [ok, {"type": BETWEEN, "kwargs": {"column": "amout", "min_value": 0}},
               {"type": BETWEEN, "kwargs": {"column": "amount", "min_valu": 0}}],
        "gone": [ok],
        "s": [ok],
        "bad": [{"type": "nonsense", "kwargs": {}}],
    }  # fmt: skip
    results = run_gate("clean", suites, {"df": df, "s": df["id"], "bad": df})
    rows = [(r.variable, r.success, r.observed) for r in results]
    assert rows == [
        ("df", True, "column present"),
        ("df", False, "'df' has no column 'amout' (did you mean 'amount'?)"),
        ("df", False, "expect_column_values_to_be_between: unknown argument 'min_valu' "
                      "(did you mean 'min_value'?)"),
        ("gone", False, "variable not defined after step 'clean'"),
        ("s", False, "variable 's' is a pandas.Series; expectations run on pandas DataFrames "
                     "only; convert with s.to_frame()"),
        ("bad", False, "not an expectation: type: String should match pattern "
                       "'^expect_[a-z0-9_]+$'"),
    ]  # fmt: skip
    assert all(r.step == "clean" for r in results)
    assert results[1].error.startswith('step "clean": ')
    json.dumps([r.to_dict() for r in results], allow_nan=False)


def test_a_validation_prints_nothing(df, capfd):
    check_frame(df, "df", expect("id unique"))  # GX imported and warm
    capfd.readouterr()
    check_frame(df, "df", expect("amount between 0 and 10, grade not null, rows >= 10"))
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # no "Calculating Metrics" progress bars


def test_gx_context_is_built_once_and_reused(df):
    runtime = quality.gx_runtime()
    check_frame(df, "df", expect("id unique"))
    check_frame(df, "df", expect("amount >= 0"))
    assert quality.gx_runtime() is runtime
    assert quality.gx_runtime().context is runtime.context
    assert runtime.context.variables.progress_bars.metric_calculations is False


def test_a_context_the_user_makes_stays_current(df):
    import great_expectations as gx
    from great_expectations.data_context.data_context.context_factory import project_manager

    mine = gx.get_context(mode="ephemeral")
    check_frame(df, "df", expect("id unique"))
    assert project_manager.get_current_project() is mine
    assert "jupyter_promote" not in [d.name for d in mine.data_sources.all().values()]


def test_real_results_render(failures):
    text = quality.render_text(failures)
    assert text.splitlines()[-1] == "0 passed, 12 failed (12 blocking)"
    assert "✗  error  df  id unique" in text
    assert "<td>2 duplicate values: 17, 17 (expected unique)</td>" in quality.render_html(failures)


def test_long_values_are_cut_in_samples_and_texts():
    frame = pd.DataFrame({"blob": ["ok", "x" * 500]})
    (got,) = check_frame(frame, "frame", expect('blob in {"ok"}'))
    assert got.sample == ["x" * 199 + "…"]
    assert got.observed == "'" + "x" * 38 + "… not in set (1 of 2)"
