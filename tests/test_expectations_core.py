"""core.expectations: the %expect grammar, GX suite JSON, and the notebook metadata namespace.

The grammar and metadata tests are pure; the tests at the end check, against the real Great
Expectations, that every form we produce is accepted by GX and passes or fails as it should.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import nbformat
import pytest
from pydantic import ValidationError

from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations import (
    BETWEEN,
    EXISTS,
    IN_SET,
    MATCHES,
    NOT_IN_SET,
    NOT_NULL,
    OF_TYPE,
    ROWS_BETWEEN,
    ROWS_EQUAL,
    UNIQUE,
    ExpectationConfig,
    ExpectationError,
    ExpectationNotFound,
    ExpectationSyntaxError,
    MetadataError,
    NewerMetadataError,
    Suite,
    add_expectations,
    all_expectations,
    describe_forms,
    parse_expect_line,
    read_expectations,
    remove_expectation,
)
from nbbuild import make_nb


def parse(predicate: str) -> list[tuple[str, dict, str]]:
    """``(type, kwargs, severity)`` of each expectation of ``loans: <predicate>``."""
    variable, configs = parse_expect_line(f"loans: {predicate}")
    assert variable == "loans"
    return [(c.type, c.kwargs, c.severity) for c in configs]


def syntax_error(line: str) -> ExpectationSyntaxError:
    with pytest.raises(ExpectationSyntaxError) as info:
        parse_expect_line(line)
    return info.value


# -- grammar: every form -------------------------------------------------------------------------

FORMS = [
    # between and one-sided bounds
    ("amount between 0 and 5_000_000", BETWEEN, {"min_value": 0, "max_value": 5_000_000}),
    ("amount between -1.5 and 2e3", BETWEEN, {"min_value": -1.5, "max_value": 2000.0}),
    ("amount between 0 and 5,000,000", BETWEEN, {"min_value": 0, "max_value": 5_000_000}),
    ("amount >= 0", BETWEEN, {"min_value": 0}),
    ("amount > 0", BETWEEN, {"min_value": 0, "strict_min": True}),
    ("amount <= 1_000", BETWEEN, {"max_value": 1000}),
    ("amount < 1e6", BETWEEN, {"max_value": 1e6, "strict_max": True}),
    ("amount >= -5", BETWEEN, {"min_value": -5}),
    ("amount >= +5", BETWEEN, {"min_value": 5}),
    ("amount >= - 5", BETWEEN, {"min_value": -5}),
    ("amount >= 1,234.5", BETWEEN, {"min_value": 1234.5}),
    ("amount >= 0x10", BETWEEN, {"min_value": 16}),
    ("amount>=0", BETWEEN, {"min_value": 0}),
    # unique, not null
    ("loan_id unique", UNIQUE, {}),
    ("loan_id not null", NOT_NULL, {}),
    # sets
    ('grade in {"A", "B"}', IN_SET, {"value_set": ["A", "B"]}),
    ("grade in ['A', 'B']", IN_SET, {"value_set": ["A", "B"]}),
    ('grade in {"B", "A", "B"}', IN_SET, {"value_set": ["B", "A"]}),
    ("code in {1, 2.5, -3, None, True}", IN_SET, {"value_set": [1, 2.5, -3, None, True]}),
    ('grade not in {"X"}', NOT_IN_SET, {"value_set": ["X"]}),
    ("grade not in ['X', 'Y']", NOT_IN_SET, {"value_set": ["X", "Y"]}),
    # regular expressions: backslashes are kept as written
    ('email matches "^.+@.+$"', MATCHES, {"regex": "^.+@.+$"}),
    (r'code matches "^\d{3}$"', MATCHES, {"regex": r"^\d{3}$"}),
    (r"code matches '\bA'", MATCHES, {"regex": r"\bA"}),
    (r'code matches r"\d"', MATCHES, {"regex": r"\d"}),
    # exists, dtype
    ("amount exists", EXISTS, {}),
    ("amount dtype float64", OF_TYPE, {"type_": "float64"}),
    ("amount dtype object", OF_TYPE, {"type_": "object"}),
    ('created dtype "datetime64[ns]"', OF_TYPE, {"type_": "datetime64[ns]"}),
    ("created dtype datetime64[ns]", OF_TYPE, {"type_": "datetime64[ns]"}),
    ("created dtype datetime64[ns, UTC]", OF_TYPE, {"type_": "datetime64[ns, UTC]"}),
]


@pytest.mark.parametrize(("predicate", "type_", "kwargs"), FORMS)
def test_column_forms(predicate, type_, kwargs):
    column = predicate.split()[0].split(">")[0]
    assert parse(predicate) == [(type_, {"column": column, **kwargs}, "critical")]


TABLE_FORMS = [
    ("rows >= 1000", ROWS_BETWEEN, {"min_value": 1000}),
    ("rows > 0", ROWS_BETWEEN, {"min_value": 0, "strict_min": True}),
    ("rows <= 10", ROWS_BETWEEN, {"max_value": 10}),
    ("rows < 10", ROWS_BETWEEN, {"max_value": 10, "strict_max": True}),
    ("rows between 1 and 1_000", ROWS_BETWEEN, {"min_value": 1, "max_value": 1000}),
    ("rows == 5", ROWS_EQUAL, {"value": 5}),
    ("rows >= 1e3", ROWS_BETWEEN, {"min_value": 1000}),
    ("rows >= 1,000", ROWS_BETWEEN, {"min_value": 1000}),
]


@pytest.mark.parametrize(("predicate", "type_", "kwargs"), TABLE_FORMS)
def test_table_forms(predicate, type_, kwargs):
    [(got_type, got_kwargs, _)] = parse(predicate)
    assert (got_type, got_kwargs) == (type_, kwargs)
    assert all(type(v) is type(kwargs[k]) for k, v in got_kwargs.items())  # counts stay ints


@pytest.mark.parametrize(
    ("predicate", "column"),
    [
        ('"unit price" >= 0', "unit price"),
        ("'unit price' >= 0", "unit price"),
        ('"rows" >= 0', "rows"),
        ('"between" >= 0', "between"),
        ('"2024" >= 0', "2024"),
        ("class >= 0", "class"),
        ("prix_unitaire >= 0", "prix_unitaire"),
        ("größe >= 0", "größe"),
    ],
)
def test_quoted_and_unusual_column_names(predicate, column):
    assert parse(predicate) == [(BETWEEN, {"column": column, "min_value": 0}, "critical")]


def test_numbers_keep_their_type():
    [(_, kwargs, _)] = parse("amount between 0 and 2.5")
    assert (type(kwargs["min_value"]), type(kwargs["max_value"])) == (int, float)


def test_line_ends_comments_and_spaces_are_ignored():
    variable, configs = parse_expect_line("  loans :  amount>=0   # sanity\n")
    assert variable == "loans"
    assert [(c.type, c.kwargs) for c in configs] == [
        (BETWEEN, {"column": "amount", "min_value": 0})
    ]


@pytest.mark.parametrize(
    ("line", "type_", "kwargs"),
    [
        (
            'expect_column_values_to_be_between(column="amount", min_value=0, max_value=10)',
            BETWEEN,
            {"column": "amount", "min_value": 0, "max_value": 10},
        ),
        (
            'gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=["A", "B"])',
            IN_SET,
            {"column": "grade", "value_set": ["A", "B"]},
        ),
        (
            "ExpectColumnValuesToBeUnique(column='loan_id')",
            UNIQUE,
            {"column": "loan_id"},
        ),
        (
            'expect_table_columns_to_match_set(column_set=("a", "b"), exact_match=False)',
            "expect_table_columns_to_match_set",
            {"column_set": ["a", "b"], "exact_match": False},
        ),
        (
            'expect_column_values_to_be_in_set(column="g", value_set={"b", "a"})',
            IN_SET,
            {"column": "g", "value_set": ["a", "b"]},
        ),
        (
            'expect_column_pair_values_a_to_be_greater_than_b(column_A="a", column_B="b",'
            " or_equal=True, row_condition='x > 1', condition_parser=\"pandas\")",
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": "a",
                "column_B": "b",
                "or_equal": True,
                "row_condition": "x > 1",
                "condition_parser": "pandas",
            },
        ),
        ("expect_foo()", "expect_foo", {}),
    ],
)
def test_full_gx_form(line, type_, kwargs):
    assert parse(line) == [(type_, kwargs, "critical")]


def test_full_gx_form_takes_severity_and_meta_out_of_the_arguments():
    line = 'loans: expect_column_to_exist(column="a", severity="warning", meta={"owner": "ana"})'
    _, [config] = parse_expect_line(line)
    assert (config.kwargs, config.severity) == ({"column": "a"}, "warning")
    assert config.meta == {"owner": "ana", "shorthand": line}


# -- grammar: lines with several predicates and options -----------------------------------------


@pytest.mark.parametrize(
    ("predicates", "expected"),
    [
        (
            "loan_id unique, not null",
            [(UNIQUE, {"column": "loan_id"}), (NOT_NULL, {"column": "loan_id"})],
        ),
        (
            'loan_id unique, amount between 0 and 1_000, grade in {"A"}',
            [
                (UNIQUE, {"column": "loan_id"}),
                (BETWEEN, {"column": "amount", "min_value": 0, "max_value": 1000}),
                (IN_SET, {"column": "grade", "value_set": ["A"]}),
            ],
        ),
        (
            "a unique, b not null, in {1, 2}, dtype int64",
            [
                (UNIQUE, {"column": "a"}),
                (NOT_NULL, {"column": "b"}),
                (IN_SET, {"column": "b", "value_set": [1, 2]}),
                (OF_TYPE, {"column": "b", "type_": "int64"}),
            ],
        ),
        (  # one-sided bounds on one column merge into one between
            "amount >= 0, <= 100",
            [(BETWEEN, {"column": "amount", "min_value": 0, "max_value": 100})],
        ),
        (
            "amount > 0, < 1, loan_id unique",
            [
                (
                    BETWEEN,
                    {
                        "column": "amount",
                        "min_value": 0,
                        "strict_min": True,
                        "max_value": 1,
                        "strict_max": True,
                    },
                ),
                (UNIQUE, {"column": "loan_id"}),
            ],
        ),
        (
            "rows >= 1, <= 10, amount exists",
            [(ROWS_BETWEEN, {"min_value": 1, "max_value": 10}), (EXISTS, {"column": "amount"})],
        ),
        (
            'expect_column_values_to_be_unique(column="id"), not null',
            [(UNIQUE, {"column": "id"}), (NOT_NULL, {"column": "id"})],
        ),
        (
            'grade in {"A", "B"}, not null',  # the comma inside braces does not split
            [
                (IN_SET, {"column": "grade", "value_set": ["A", "B"]}),
                (NOT_NULL, {"column": "grade"}),
            ],
        ),
    ],
)
def test_several_predicates(predicates, expected):
    assert [(t, kw) for t, kw, _ in parse(predicates)] == expected


def test_every_expectation_records_the_line_as_written():
    line = "loans: loan_id unique, not null --severity warn"
    _, configs = parse_expect_line(line)
    assert [c.meta for c in configs] == [{"shorthand": line}] * 2


@pytest.mark.parametrize(
    ("options", "severity"),
    [("", "critical"), ("--severity error", "critical"), ("--severity warn", "warning")],
)
def test_severity_applies_to_every_expectation_of_the_line(options, severity):
    _, configs = parse_expect_line(f"loans: loan_id unique, rows >= 1 {options}")
    assert [c.severity for c in configs] == [severity, severity]
    assert {c.level for c in configs} == {"error" if severity == "critical" else "warn"}


def test_severity_flag_overrides_the_gx_keyword():
    _, [config] = parse_expect_line(
        'loans: expect_x(column="a", severity="warning") --severity error'
    )
    assert config.severity == "critical"


@pytest.mark.parametrize(
    "options",
    [
        "--mostly 0.95 --severity warn",
        "--severity warn --mostly 0.95",
        "--mostly=0.95 --severity=warn",
    ],
)
def test_mostly_applies_to_column_value_checks_only(options):
    _, configs = parse_expect_line(f"loans: amount exists, not null, rows >= 1 {options}")
    assert [c.kwargs.get("mostly") for c in configs] == [None, 0.95, None]
    assert {c.severity for c in configs} == {"warning"}


def test_mostly_of_one_is_accepted():
    assert parse("loan_id unique --mostly 1") == [
        (UNIQUE, {"column": "loan_id", "mostly": 1.0}, "critical")
    ]


# -- grammar: errors -----------------------------------------------------------------------------

ERRORS = [
    # (line, token, 1-based column, message fragment)
    ("", None, 1, "the line is empty"),
    ("amount >= 0", "amount", 1, 'expected "VARIABLE:" before the checks'),
    ("loans amount >= 0", "loans", 1, 'expected "VARIABLE:"'),
    ("df.x: a unique", "df.x", 1, "the variable name is not a Python identifier"),
    ("'df': a unique", "'df'", 1, "not a Python identifier"),
    ("class: a unique", "class", 1, "the variable name is a Python keyword"),
    (": a unique", ":", 1, "the variable name is missing"),
    ("loans:", None, 7, "expected a check here (the predicate is empty)"),
    ("loans: amount >= 0,", None, 20, "the predicate is empty"),
    ("loans: , amount >= 0", ",", 8, "the predicate is empty"),
    ("loans: amount >= 0 ,, a unique", ",", 21, "the predicate is empty"),
    (
        "loans: amount betwen 0 and 5",
        "betwen",
        15,
        "expected one of between, >=, >, <=, <, unique, not null, in, not in, matches, exists, "
        'dtype (did you mean "between"?)',
    ),
    ("loans: amount uniqe", "uniqe", 15, '(did you mean "unique"?)'),
    ("loans: amount exist", "exist", 15, '(did you mean "exists"?)'),
    ("loans: amount matchs 'x'", "matchs", 15, '(did you mean "matches"?)'),
    ("loans: uniqe", "uniqe", 8, '(did you mean "unique"?)'),
    ("loans: loan_id unique, notnull", "notnull", 24, '(did you mean "not null"?)'),
    ("loans: loan_id unique, not nul", "nul", 28, 'expected "null" or "in" after "not"'),
    ("loans: amount => 5", "=>", 15, '(did you mean ">="?)'),
    ("loans: amount =< 5", "=<", 15, '(did you mean "<="?)'),
    ("loans: amount", None, 14, "expected a check after amount: one of between"),
    ("loans: unique", "unique", 8, 'expected a column name before "unique"'),
    ("loans: >= 5", ">=", 8, 'expected a column name before ">="'),
    ("loans: amount >= 5, 000", "000", 21, 'expected a column name, not "000"'),
    ("loans: unit price >= 0", "price", 13, "expected one of between"),
    ("loans: amount between 0 to 5", "to", 25, 'expected "and" between the two bounds'),
    ("loans: amount between 0 adn 5", "adn", 25, '(did you mean "and"?)'),
    ("loans: amount between 0", None, 24, 'expected "and" between the two bounds'),
    ("loans: amount between 0 and", None, 28, 'expected a number after "and"'),
    ("loans: amount between 5 and 1", "between", 15, "the minimum 5 is above the maximum 1"),
    ("loans: amount between -5 and -10", "between", 15, "the minimum -5 is above the maximum -10"),
    ("loans: amount >= 10, <= 5", "<=", 22, "the minimum 10 is above the maximum 5"),
    ("loans: amount > 5, <= 5", "<=", 20, "only 5 is in range and it is excluded"),
    ("loans: rows between 10 and 1", "between", 13, "the minimum 10 is above the maximum 1"),
    ("loans: amount >= abc", "abc", 18, 'expected a number after ">="'),
    ('loans: amount >= "5"', '"5"', 18, 'expected a number after ">="'),
    ("loans: amount >= 1j", "1j", 18, "expected a finite real number"),
    ("loans: amount >= 1e999", "1e999", 18, "expected a finite real number"),
    ("loans: amount >= True", "True", 18, "expected a number"),
    ("loans: amount >= 1.2.3", ".3", 21, 'unexpected ".3" after the check'),
    ("loans: amount >=", None, 17, 'expected a number after ">="'),
    ("loans: amount unique 5", "5", 22, 'unexpected "5" after the check'),
    ("loans: amount == 5", "==", 15, "expected one of between"),
    ("loans: amount != 5", "!=", 15, "expected one of between"),
    ("loans: rows unique", "unique", 13, "expected one of >=, >, <=, <, ==, between"),
    ("loans: rows => 5", "=>", 13, '(did you mean ">="?)'),
    ("loans: rows >= 1.5", "1.5", 16, "a row count is a whole number of at least 0, not 1.5"),
    ("loans: rows >= -1", "-1", 16, "a row count is a whole number of at least 0, not -1"),
    ("loans: grade in A", "A", 17, 'expected a set after "in"'),
    ("loans: grade in", None, 16, 'expected a set after "in"'),
    ("loans: grade in {}", "{", 17, "the set of values is empty"),
    ("loans: grade in []", "[", 17, "the set of values is empty"),
    ("loans: grade in {A, B}", "A", 18, "a set holds quoted strings, numbers, True, False or None"),
    ("loans: grade in {'a', ['b']}", "['b']", 23, "a set holds quoted strings"),
    ("loans: grade in {1, 2]", "{", 17, "not a valid set of values"),
    ("loans: grade in {1, 2", "{", 17, '"{" is never closed'),
    ('loans: email matches "abc', '"abc', 22, "this string is never closed"),
    ("loans: email matches 'abc", "'abc", 22, "this string is never closed"),
    ('loans: "unit price >= 0', '"unit price >= 0', 8, "this string is never closed"),
    ('loans: email matches "("', '"("', 22, "invalid regular expression: missing )"),
    ('loans: email matches b"x"', 'b"x"', 22, "expected a quoted regular expression"),
    ("loans: email matches x", "x", 22, "expected a quoted regular expression"),
    ("loans: email matches", None, 21, 'expected a quoted regular expression after "matches"'),
    ("loans: x dtype", None, 15, 'expected a dtype name after "dtype"'),
    ("loans: x dtype 5", "5", 16, "expected a dtype name"),
    ("loans: x dtype int64 unique", "unique", 22, 'unexpected "unique" after the check'),
    ('loans: "" unique', '""', 8, "a column name must be a non-empty string"),
    ("loans: a $ b", "$", 10, "unexpected character"),
    ("loans: a unique\nb unique", "\\n", 16, "cannot contain a line break"),
    ("loans: amount unique, unique", "unique", 23, "repeats an earlier check of the same kind"),
    ("loans: amount >= 0, >= 1", ">=", 21, "repeats an earlier check"),
    # options
    ("loans: a unique --severity fatal", "fatal", 28, "--severity must be error or warn"),
    ("loans: a unique --severity warning", "warning", 28, '(did you mean "warn"?)'),
    ("loans: a unique --severity critical", "critical", 28, '(did you mean "error"?)'),
    ("loans: a unique --severity", None, 27, "expected error or warn after --severity"),
    ("loans: a unique --sevrity warn", "sevrity", 19, 'unknown option "--sevrity"'),
    ("loans: a unique --mostly 1.5", "1.5", 26, "--mostly must be a fraction above 0"),
    ("loans: a unique --mostly 99", "99", 26, "at most 1"),
    ("loans: a unique --mostly 0", "0", 26, "--mostly must be a fraction above 0"),
    ("loans: a unique --mostly -0.5", "-0.5", 26, "--mostly must be a fraction"),
    ("loans: a unique --mostly high", "high", 26, "expected a fraction after --mostly"),
    ("loans: a exists --mostly 0.9", "0.9", 26, "--mostly applies to checks of column values"),
    ("loans: a unique --mostly 0.9 --mostly 0.8", "mostly", 32, '"--mostly" is given twice'),
    ("loans: a unique --severity warn b", "b", 33, "expected an option (--severity or --mostly)"),
    ("loans: a unique --severity warn, b unique", ",", 32, "expected an option"),
    ("loans: --severity warn", "-", 8, "the predicate is empty"),
    # the full GX form
    ('loans: expect_x("amount")', '"amount"', 17, 'name every argument: column="amount"'),
    ("loans: expect_x(column=amount)", "amount", 24, "column= takes a literal"),
    ("loans: expect_x(column=b'x')", "b'x'", 24, "column= takes a literal"),
    ("loans: expect_x(column={1: 2})", "{1: 2}", 24, "column= takes a literal"),
    ("loans: expect_x(**k)", "k", 19, "**arguments are not accepted"),
    ('loans: expect_x(column="a"', "(", 16, '"(" is never closed'),
    ("loans: expect_x(a=1) expect_y()", "expect_x(a=1) expect_y()", 22, "not a valid call"),
    ("loans: expectation(x=1)", "expectation", 8, "'expectation' is not an expectation name"),
    ('loans: expect_x(severity="fatal")', "expect_x", 8, 'severity= takes "critical"'),
]


@pytest.mark.parametrize(("line", "token", "column", "fragment"), ERRORS)
def test_syntax_errors_name_the_token_and_its_column(line, token, column, fragment):
    err = syntax_error(line)
    assert fragment in err.message
    assert (err.token, err.column) == (token, column)
    where = "at the end of the line" if token is None else "at "
    assert err.message.startswith(where) and f"(column {column}): " in err.message


def test_a_syntax_error_renders_the_place_the_problem_and_the_accepted_forms():
    err = syntax_error("loans: amount betwen 0 and 5")
    assert err.render().startswith(
        'at "betwen" (column 15): expected one of between, >=, >, <=, <, unique, not null, in, '
        'not in, matches, exists, dtype (did you mean "between"?); write VARIABLE: PREDICATE'
    )
    for form in describe_forms().splitlines():
        assert f"\n  {form}" in err.hint
    assert (err.http_status, isinstance(err, PromoteError)) == (422, True)
    assert err.to_dict() | {"hint": "", "text": ""} == {
        "error": "ExpectationSyntaxError",
        "message": err.message,
        "hint": "",
        "text": "",
        "cell_index": None,
        "step": None,
        "token": "betwen",
        "column": 15,
        "line": "loans: amount betwen 0 and 5",
    }


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("amount >= 0", 'start the line with the DataFrame to check, e.g. "loans: amount >= 0"'),
        ("loans: unit price >= 0", 'quote a column name with spaces or keywords: "unit price"'),
        ("loans: amount == 5", "to compare with values write amount in {X}"),
        ("loans: amount != 5", "to compare with values write amount not in {X}"),
        ("loans: rows unique", 'quote a column called rows: "rows" unique'),
        ("loans: amount >= 5, 000", "write numbers as 5_000_000 or 5,000,000, without spaces"),
        ("loans: a unique --mostly 99", "write 0.99 for 99%"),
        ("loans: a unique --severity fatal", "--severity warn only reports it"),
        ("loans: amount between 5 and 1", "write the smaller bound first"),
    ],
)
def test_specific_fixes_come_before_the_accepted_forms(line, fix):
    specific, _ = syntax_error(line).hint.split("; write VARIABLE: ")
    assert fix in specific


def test_describe_forms_has_one_short_line_per_form():
    lines = describe_forms().splitlines()
    assert lines[0] == "COL between A and B"
    assert len(lines) == 11 and all(len(line) < 80 for line in lines)
    for keyword in (
        "unique",
        "not null",
        "not in",
        "matches",
        "exists",
        "dtype",
        "rows",
        "expect_",
    ):
        assert any(keyword in line for line in lines)


# -- models and describe() -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("predicate", "text"),
    [
        ("amount between 0 and 5_000_000", "amount between 0 and 5,000,000"),
        ("loan_id unique", "loan_id unique"),
        ("loan_id not null", "loan_id not null"),
        ('grade in {"A", "B"}', 'grade in {"A", "B"}'),
        ("grade not in ['X']", 'grade not in {"X"}'),
        ("code in {1, None, True}", "code in {1, None, True}"),
        ("rows >= 1_000", "rows >= 1,000"),
        ("rows between 1 and 2", "rows between 1 and 2"),
        ("rows < 10", "rows < 10"),
        ("rows == 5", "rows == 5"),
        ('email matches "^.+@.+$"', 'email matches "^.+@.+$"'),
        ("""q matches '"'""", """q matches '"'"""),
        ("amount exists", "amount exists"),
        ("amount dtype float64", "amount dtype float64"),
        ("created dtype datetime64[ns, UTC]", "created dtype datetime64[ns, UTC]"),
        ("amount > 0", "amount > 0"),
        ("amount <= 2.5", "amount <= 2.5"),
        ("amount > 0, <= 5", "0 < amount <= 5"),
        ('"unit price" >= 0', '"unit price" >= 0'),
        ('"rows" unique', '"rows" unique'),
        ('"not" unique', '"not" unique'),
        ("loan_id unique --mostly 0.99", "loan_id unique (at least 99% of rows)"),
        ("loan_id unique --mostly 0.995", "loan_id unique (at least 99.5% of rows)"),
        ('expect_column_values_to_be_between(column="a", min_value=1)', "a >= 1"),
        (
            'expect_column_values_to_be_between(column="a", min_value=1, row_condition="b>1")',
            'expect_column_values_to_be_between(column="a", min_value=1, row_condition="b>1")',
        ),
        ('expect_foo(column="x", k=1)', 'expect_foo(column="x", k=1)'),
        ("expect_foo(s=[1, 'a'], d={'k': None})", 'expect_foo(s=[1, "a"], d={"k": None})'),
    ],
)
def test_describe(predicate, text):
    _, [config] = parse_expect_line(f"loans: {predicate}")
    assert config.describe() == text


@pytest.mark.parametrize("predicate", [p for p, _, _ in FORMS + TABLE_FORMS])
def test_described_text_parses_back_to_the_same_expectation(predicate):
    _, [config] = parse_expect_line(f"loans: {predicate}")
    _, [again] = parse_expect_line(f"loans: {config.describe()}")
    assert (again.type, again.kwargs) == (config.type, config.kwargs)


def test_config_properties():
    config = ExpectationConfig(type=UNIQUE, kwargs={"column": "id"}, severity="info")
    assert (config.level, config.column, config.meta) == ("warn", "id", {})
    assert ExpectationConfig(type=ROWS_EQUAL, kwargs={"value": 1}).column is None
    assert ExpectationConfig(type=ROWS_EQUAL, kwargs={"value": 1}).level == "error"


def test_same_check_is_same_type_and_column():
    def config(type_, **kwargs):
        return ExpectationConfig(type=type_, kwargs=kwargs)

    assert config(BETWEEN, column="a", min_value=0).same_check(config(BETWEEN, column="a"))
    assert not config(BETWEEN, column="a").same_check(config(BETWEEN, column="b"))
    assert not config(IN_SET, column="a").same_check(config(NOT_IN_SET, column="a"))
    assert config(ROWS_BETWEEN, min_value=1).same_check(config(ROWS_BETWEEN, max_value=9))


def test_to_gx_dict_is_the_gx_suite_json_shape():
    _, configs = parse_expect_line("loans: amount >= 0, grade in {'A'} --severity warn")
    suite = Suite(name="load.loans", expectations=configs)
    assert suite.to_gx_dict() == {
        "name": "load.loans",
        "expectations": [
            {
                "type": BETWEEN,
                "kwargs": {"column": "amount", "min_value": 0},
                "meta": {"shorthand": "loans: amount >= 0, grade in {'A'} --severity warn"},
                "severity": "warning",
            },
            {
                "type": IN_SET,
                "kwargs": {"column": "grade", "value_set": ["A"]},
                "meta": {"shorthand": "loans: amount >= 0, grade in {'A'} --severity warn"},
                "severity": "warning",
            },
        ],
        "meta": {},
    }
    data = suite.to_gx_dict()
    data["expectations"][0]["kwargs"]["min_value"] = 99  # a copy: the model is unchanged
    assert configs[0].kwargs["min_value"] == 0
    assert (
        Suite.model_validate(json.loads(json.dumps(data))).expectations[0].kwargs["min_value"] == 99
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "expect_x", "kwargs": {}, "extra": 1},
        {"type": "ExpectX", "kwargs": {}},
        {"type": "expect x", "kwargs": {}},
        {"type": "expect_x"},
        {"type": "expect_x", "kwargs": {"s": {1, 2}}},
        {"type": "expect_x", "kwargs": {"n": float("nan")}},
        {"type": "expect_x", "kwargs": {}, "severity": "error"},
        {"type": "expect_x", "kwargs": {}, "meta": {"b": b"x"}},
    ],
)
def test_invalid_configs_are_refused(fields):
    with pytest.raises(ValidationError):
        ExpectationConfig(**fields)


def test_every_field_has_a_description():
    for model in (ExpectationConfig, Suite):
        assert all(f.description for f in model.model_fields.values()), model


# -- notebook metadata ---------------------------------------------------------------------------


def configs_of(line: str) -> list[ExpectationConfig]:
    return parse_expect_line(line)[1]


def loans_nb():
    return make_nb(("step:load", "loans = load()"), ("step:clean", "clean = loans.dropna()"))


def test_a_new_notebook_has_no_expectations():
    nb = loans_nb()
    assert (read_expectations(nb), all_expectations(nb)) == ({}, [])


def test_add_writes_the_documented_shape():
    nb = loans_nb()
    suite = add_expectations(nb, "load", "loans", configs_of("loans: loan_id unique"))
    assert suite == Suite(name="load.loans", expectations=configs_of("loans: loan_id unique"))
    assert nb.metadata["jupyter_promote"] == {
        "schema_version": 1,
        "expectations": {
            "load": {
                "loans": {
                    "name": "load.loans",
                    "expectations": [
                        {
                            "type": UNIQUE,
                            "kwargs": {"column": "loan_id"},
                            "meta": {"shorthand": "loans: loan_id unique"},
                            "severity": "critical",
                        }
                    ],
                    "meta": {},
                }
            }
        },
    }
    assert nb.metadata.jupyter_promote.expectations.load.loans.name == "load.loans"  # NotebookNode
    nbformat.validate(nb)


def test_metadata_round_trips_through_nbformat():
    nb = loans_nb()
    add_expectations(nb, "load", "loans", configs_of("loans: loan_id unique, not null"))
    add_expectations(nb, "load", "loans", configs_of("loans: rows >= 1_000 --severity warn"))
    add_expectations(nb, "clean", "clean", configs_of('clean: grade in {"A", "B"} --mostly 0.9'))
    again = nbformat.reads(nbformat.writes(nb), as_version=4)
    assert read_expectations(again) == read_expectations(nb)
    expected = [
        ("clean", "clean", 0, 'grade in {"A", "B"} (at least 90% of rows)'),
        ("load", "loans", 0, "loan_id unique"),
        ("load", "loans", 1, "loan_id not null"),
        ("load", "loans", 2, "rows >= 1,000"),
    ]  # steps and variables by name (nbformat sorts keys on save), expectations as recorded
    for notebook in (nb, again):
        assert [(s, v, i, c.describe()) for s, v, i, c in all_expectations(notebook)] == expected


def test_the_same_check_replaces_the_old_one_in_place():
    nb = loans_nb()
    add_expectations(nb, "load", "loans", configs_of('loans: id unique, amount >= 0, g in {"A"}'))
    suite = add_expectations(nb, "load", "loans", configs_of("loans: amount between 1 and 2"))
    assert [c.describe() for c in suite.expectations] == [
        "id unique",
        "amount between 1 and 2",
        'g in {"A"}',
    ]
    assert read_expectations(nb)["load"]["loans"] == suite


def test_a_new_severity_replaces_the_old_one():
    nb = loans_nb()
    add_expectations(nb, "load", "loans", configs_of("loans: id unique"))
    suite = add_expectations(nb, "load", "loans", configs_of("loans: id unique --severity warn"))
    assert [c.severity for c in suite.expectations] == ["warning"]


def test_add_keeps_other_keys_steps_and_suite_meta():
    nb = loans_nb()
    nb.metadata["jupyter_promote"] = {"schema_version": 1, "promotion": {"owner": "ana"}}
    add_expectations(nb, "clean", "clean", configs_of("clean: x unique"))
    nb.metadata["jupyter_promote"]["expectations"]["clean"]["clean"]["meta"] = {"note": "kept"}
    add_expectations(nb, "load", "loans", configs_of("loans: x unique"))
    suite = add_expectations(nb, "clean", "clean", configs_of("clean: y unique"))
    assert suite.meta == {"note": "kept"}
    assert nb.metadata["jupyter_promote"]["promotion"] == {"owner": "ana"}
    assert list(read_expectations(nb)) == ["clean", "load"]


def test_add_works_on_a_plain_dict_notebook():
    nb: dict = {"cells": [], "metadata": {}}
    add_expectations(nb, "load", "loans", configs_of("loans: x unique"))
    assert json.loads(json.dumps(nb))["metadata"]["jupyter_promote"]["schema_version"] == 1


def test_adding_nothing_writes_nothing():
    nb = loans_nb()
    before = copy.deepcopy(nb)
    suite = add_expectations(nb, "load", "loans", [])
    assert (suite.expectations, nb) == ([], before)


@pytest.mark.parametrize(("step", "variable"), [("load data", "loans"), ("load", "df.x")])
def test_add_refuses_invalid_names(step, variable):
    nb = loans_nb()
    before = copy.deepcopy(nb)
    with pytest.raises(ExpectationError, match="is not a valid"):
        add_expectations(nb, step, variable, configs_of("loans: x unique"))
    assert nb == before


def test_remove_one_by_index():
    nb = loans_nb()
    add_expectations(nb, "load", "loans", configs_of("loans: a unique, b unique, c unique"))
    removed = remove_expectation(nb, "load", "loans", 1)
    assert [c.describe() for c in removed] == ["b unique"]
    assert [c.describe() for _, _, _, c in all_expectations(nb)] == ["a unique", "c unique"]


def test_remove_all_of_a_variable_and_the_empty_containers():
    nb = loans_nb()
    before = copy.deepcopy(nb)
    add_expectations(nb, "load", "loans", configs_of("loans: a unique, b unique"))
    add_expectations(nb, "clean", "clean", configs_of("clean: a unique"))
    assert len(remove_expectation(nb, "load", "loans")) == 2
    assert list(nb.metadata["jupyter_promote"]["expectations"]) == ["clean"]
    remove_expectation(nb, "clean", "clean", 0)
    assert nb == before  # the namespace went with its last expectation


def test_remove_keeps_the_namespace_when_other_keys_remain():
    nb = loans_nb()
    nb.metadata["jupyter_promote"] = {"schema_version": 1, "promotion": {"owner": "ana"}}
    add_expectations(nb, "load", "loans", configs_of("loans: a unique"))
    remove_expectation(nb, "load", "loans")
    assert nb.metadata["jupyter_promote"] == {"schema_version": 1, "promotion": {"owner": "ana"}}


@pytest.mark.parametrize("index", [2, -1, 99])
def test_remove_a_bad_index(index):
    nb = loans_nb()
    add_expectations(nb, "load", "loans", configs_of("loans: loan_id unique, amount >= 0"))
    before = copy.deepcopy(nb)
    with pytest.raises(ExpectationNotFound) as info:
        remove_expectation(nb, "load", "loans", index)
    assert info.value.render() == (
        f'step "load": "loans" has no expectation {index}; '
        "valid indices: 0 (loan_id unique); 1 (amount >= 0)"
    )
    assert (info.value.http_status, nb) == (404, before)


def test_remove_an_unknown_variable_lists_what_is_recorded():
    nb = loans_nb()
    with pytest.raises(ExpectationNotFound, match=r"no expectations are recorded$"):
        remove_expectation(nb, "load", "loans")
    add_expectations(nb, "load", "loans", configs_of("loans: a unique"))
    with pytest.raises(ExpectationNotFound) as info:
        remove_expectation(nb, "load", "other")
    assert info.value.render() == (
        'step "load": no expectations are recorded for "other"; recorded: load.loans'
    )


def newer_nb():
    nb = loans_nb()
    nb.metadata["jupyter_promote"] = {
        "schema_version": 2,
        "expectations": {"load": {"loans": {"anything": "new"}}},
        "promotion": {"owner": "ana"},
    }
    return nb


@pytest.mark.parametrize(
    "action",
    [
        read_expectations,
        all_expectations,
        lambda nb: add_expectations(nb, "load", "loans", configs_of("loans: a unique")),
        lambda nb: add_expectations(nb, "other", "df", configs_of("df: a unique")),
        lambda nb: remove_expectation(nb, "load", "loans"),
    ],
)
def test_newer_metadata_is_refused_and_the_notebook_is_left_alone(action):
    nb = newer_nb()
    before = copy.deepcopy(nb)
    with pytest.raises(NewerMetadataError) as info:
        action(nb)
    assert nb == before
    assert info.value.message == (
        "metadata.jupyter_promote.schema_version: the notebook's jupyter_promote metadata is "
        "schema version 2, newer than this jupyter-promote reads (1)"
    )
    assert info.value.hint.startswith("upgrade jupyter-promote")
    assert isinstance(info.value, PromoteError)


def suite_json(**changes):
    data = {"name": "load.loans", "expectations": [{"type": UNIQUE, "kwargs": {"column": "a"}}]}
    return data | changes


@pytest.mark.parametrize(
    ("namespace", "message"),
    [
        ([], "metadata.jupyter_promote: expected an object"),
        ({"schema_version": "1"}, "metadata.jupyter_promote.schema_version: expected a positive"),
        ({"schema_version": True}, "metadata.jupyter_promote.schema_version: expected a positive"),
        ({"schema_version": 0}, "metadata.jupyter_promote.schema_version: expected a positive"),
        ({"expectations": []}, "metadata.jupyter_promote.expectations: expected an object"),
        (
            {"expectations": {"load": ["x"]}},
            "metadata.jupyter_promote.expectations.load: expected an object of variables",
        ),
        (
            {"expectations": {"load": {"loans": {"expectations": []}}}},
            "metadata.jupyter_promote.expectations.load.loans.name: field required",
        ),
        (
            {"expectations": {"load": {"loans": suite_json(name="other")}}},
            'metadata.jupyter_promote.expectations.load.loans.name: expected "load.loans", '
            'not "other"',
        ),
        (
            {"expectations": {"load": {"loans": suite_json(expectations=[{"type": UNIQUE}])}}},
            "metadata.jupyter_promote.expectations.load.loans.expectations[0].kwargs: field req",
        ),
        (
            {
                "expectations": {
                    "load": {
                        "loans": suite_json(
                            expectations=[{"type": UNIQUE, "kwargs": {}, "severity": "fatal"}]
                        )
                    }
                }
            },
            "metadata.jupyter_promote.expectations.load.loans.expectations[0].severity: input "
            "should be 'critical', 'warning' or 'info'",
        ),
        (
            {"expectations": {"load": {"loans": suite_json(id=None)}}},
            "metadata.jupyter_promote.expectations.load.loans.id: extra inputs are not permitted",
        ),
        (
            {"expectations": {"my step": {"loans": {}}}},
            'metadata.jupyter_promote.expectations["my step"].loans.name: field required',
        ),
    ],
)
def test_invalid_metadata_names_the_json_path(namespace, message):
    nb = loans_nb()
    nb.metadata["jupyter_promote"] = namespace
    before = copy.deepcopy(nb)
    with pytest.raises(MetadataError) as info:
        add_expectations(nb, "load", "loans", configs_of("loans: a unique"))
    assert info.value.message.startswith(message)
    assert info.value.path == message.split(":")[0]
    assert (info.value.http_status, nb) == (422, before)


def test_missing_schema_version_reads_as_version_one():
    nb = loans_nb()
    nb.metadata["jupyter_promote"] = {"expectations": {"load": {"loans": suite_json()}}}
    assert [c.describe() for _, _, _, c in all_expectations(nb)] == ["a unique"]


# -- layering ------------------------------------------------------------------------------------


def test_the_module_imports_nothing_heavy():
    forbidden = ["tornado", "jupyter_server", "IPython", "prefect", "great_expectations", "pandas"]
    code = (
        "import sys, json; import jupyter_promote.expectations; "
        f"print(json.dumps([m for m in {forbidden!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


# -- against the real Great Expectations (imported lazily: it takes seconds) ----------------------


@pytest.fixture(scope="module")
def gx_batch():
    """A GX batch over a small DataFrame, from an ephemeral context."""
    import great_expectations as gx
    import pandas as pd

    df = pd.DataFrame(
        {
            "loan_id": [1, 2, 3, 4],
            "amount": [10.0, 250.5, 99.0, 4000.0],
            "grade": ["A", "B", "A", "C"],
            "email": ["a@x.io", "b@y.io", "c@z.io", "nope"],
            "note": [None, "x", "y", "z"],
        }
    )
    ctx = gx.get_context(mode="ephemeral")
    asset = ctx.data_sources.add_pandas("t").add_dataframe_asset("d")
    batch_definition = asset.add_batch_definition_whole_dataframe("b")
    return batch_definition.get_batch(batch_parameters={"dataframe": df})


GX_CASES = [
    ("amount between 0 and 5_000", True),
    ("amount between 0 and 1_000", False),
    ("amount >= 10", True),
    ("amount > 10", False),
    ("amount < 4000", False),
    ("amount <= 4,000", True),
    ("amount < 4000 --mostly 0.75", True),
    ("loan_id unique", True),
    ("grade unique", False),
    ("loan_id not null", True),
    ("note not null", False),
    ("note not null --mostly 0.75", True),
    ('grade in {"A", "B", "C"}', True),
    ('grade in {"A", "B"}', False),
    ('grade not in {"D"}', True),
    ('grade not in {"C"}', False),
    ('email matches "^.+@.+$"', False),
    ('email matches "^.+@.+$" --mostly 0.75', True),
    (r'email matches "^\w@\w\.io$" --mostly 0.7', True),
    ("amount exists", True),
    ("missing exists", False),
    ("amount dtype float64", True),
    ("amount dtype int64", False),
    ("loan_id dtype int64", True),
    ("rows >= 4", True),
    ("rows > 4", False),
    ("rows between 1 and 3", False),
    ("rows <= 4", True),
    ("rows == 4", True),
    ("rows == 5", False),
    ("loan_id unique, not null, amount >= 0, rows >= 1", True),
    ("loan_id unique, grade unique", False),
    ('expect_column_values_to_be_between(column="amount", min_value=0)', True),
    ('gxe.ExpectColumnValuesToBeInSet(column="grade", value_set=["A"])', False),
    (
        'expect_table_columns_to_match_set(column_set=["loan_id", "amount"], exact_match=False)',
        True,
    ),
]


@pytest.mark.parametrize(("predicates", "success"), GX_CASES)
def test_gx_accepts_the_suite_and_validates_it(gx_batch, predicates, success):
    import great_expectations as gx

    _, configs = parse_expect_line(f"loans: {predicates}")
    suite = gx.ExpectationSuite(**Suite(name="load.loans", expectations=configs).to_gx_dict())
    assert gx_batch.validate(suite).success is success


@pytest.mark.parametrize(("predicates", "success"), GX_CASES)
def test_gx_builds_each_expectation_from_its_config(gx_batch, predicates, success):
    from great_expectations.expectations.registry import get_expectation_impl

    _, configs = parse_expect_line(f"loans: {predicates} --severity warn")
    results = []
    for config in configs:
        expectation = get_expectation_impl(config.type)(
            **config.kwargs, meta=config.meta, severity=config.severity
        )
        assert (expectation.severity.value, expectation.meta) == ("warning", config.meta)
        results.append(gx_batch.validate(expectation).success)
    assert all(results) is success


def test_gx_suite_json_matches_ours():
    import great_expectations as gx

    _, configs = parse_expect_line(
        'loans: amount between 0 and 5, grade in {"A"}, rows == 4 --severity warn'
    )
    ours = Suite(name="load.loans", expectations=configs).to_gx_dict()
    theirs = gx.ExpectationSuite(**ours).to_json_dict()
    assert theirs["name"] == ours["name"]
    assert [
        {k: e[k] for k in ("type", "kwargs", "meta", "severity")} for e in theirs["expectations"]
    ] == ours["expectations"]
    assert Suite.model_validate({**ours, "expectations": theirs["expectations"]}) == Suite(
        **ours
    )  # GX's own JSON of an expectation reads back as ours


def test_suites_stored_in_a_notebook_validate_with_gx(gx_batch):
    import great_expectations as gx

    nb = loans_nb()
    add_expectations(nb, "load", "loans", configs_of("loans: loan_id unique, amount >= 0"))
    add_expectations(nb, "load", "loans", configs_of("loans: note not null --severity warn"))
    suite = read_expectations(nbformat.reads(nbformat.writes(nb), as_version=4))["load"]["loans"]
    result = gx_batch.validate(gx.ExpectationSuite(**suite.to_gx_dict()))
    by_type = {r.expectation_config.type: r.success for r in result.results}
    assert by_type == {UNIQUE: True, BETWEEN: True, NOT_NULL: False}
    failed = [r.expectation_config.severity.value for r in result.results if not r.success]
    assert failed == ["warning"]  # only a warn-level check failed: nothing should block
