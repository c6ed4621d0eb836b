"""set_severity: change how a recorded expectation fails, in the notebook's metadata only."""

from __future__ import annotations

import pytest

from jupyter_promote.expectations import (
    ExpectationNotFound,
    add_expectations,
    parse_expect_line,
    read_expectations,
    set_severity,
)


def recorded(line="loans: loan_id unique, not null, amount >= 0"):
    nb = {"metadata": {}}
    variable, configs = parse_expect_line(line)
    add_expectations(nb, "load", variable, configs)
    return nb


def levels(nb):
    return [c.level for c in read_expectations(nb)["load"]["loans"].expectations]


def test_one_expectation_changes_and_the_others_keep_theirs():
    nb = recorded()
    suite = set_severity(nb, "load", "loans", "warn", index=1)
    assert [c.level for c in suite.expectations] == ["error", "warn", "error"]
    assert levels(nb) == ["error", "warn", "error"]
    assert (
        nb["metadata"]["jupyter_promote"]["expectations"]["load"]["loans"]["expectations"][1][
            "severity"
        ]
        == "warning"
    )


def test_without_index_every_expectation_of_the_variable_changes():
    nb = recorded("loans: loan_id unique, not null --severity warn")
    set_severity(nb, "load", "loans", "error")
    assert levels(nb) == ["error", "error"]


def test_order_kwargs_and_shorthand_are_kept():
    nb = recorded()
    before = read_expectations(nb)["load"]["loans"].expectations
    set_severity(nb, "load", "loans", "warn")
    after = read_expectations(nb)["load"]["loans"].expectations
    assert [(c.type, c.kwargs, c.meta) for c in after] == [
        (c.type, c.kwargs, c.meta) for c in before
    ]


def test_unknown_variable_names_what_is_recorded():
    nb = recorded()
    with pytest.raises(ExpectationNotFound) as caught:
        set_severity(nb, "load", "nope", "warn")
    assert caught.value.hint == "recorded: load.loans"
    assert caught.value.http_status == 404


def test_index_out_of_range_lists_the_valid_ones_and_changes_nothing():
    nb = recorded()
    with pytest.raises(ExpectationNotFound) as caught:
        set_severity(nb, "load", "loans", "warn", index=3)
    assert "valid indices: 0 (loan_id unique)" in caught.value.hint
    assert levels(nb) == ["error", "error", "error"]
