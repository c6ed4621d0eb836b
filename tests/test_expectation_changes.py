"""apply_change: the panel's add/remove/severity on a copy of the notebook's metadata (pure)."""

from __future__ import annotations

import pytest

from jupyter_promote.expectations import (
    ExpectationError,
    apply_change,
    parse_expect_line,
    read_expectations,
)


def configs(line):
    return [c.to_gx_dict() for c in parse_expect_line(line)[1]]


def suite(metadata, step="clean", variable="loans"):
    return read_expectations({"metadata": {"jupyter_promote": metadata}})[step][variable]


def test_add_then_regrade_then_remove_without_touching_the_input():
    start: dict = {}
    added = apply_change(
        start, "add", "clean", "loans", expectations=configs("loans: loan_id unique, amount >= 0")
    )
    assert start == {}  # a new dict, never the caller's
    assert [c.describe() for c in suite(added).expectations] == ["loan_id unique", "amount >= 0"]
    warned = apply_change(added, "severity", "clean", "loans", index=1, severity="warn")
    assert [c.level for c in suite(warned).expectations] == ["error", "warn"]
    assert [c.level for c in suite(added).expectations] == ["error", "error"]
    removed = apply_change(warned, "remove", "clean", "loans", index=0)
    assert [c.describe() for c in suite(removed).expectations] == ["amount >= 0"]


def test_severity_without_a_level_is_refused():
    added = apply_change({}, "add", "clean", "loans", expectations=configs("loans: id unique"))
    with pytest.raises(ExpectationError) as caught:
        apply_change(added, "severity", "clean", "loans", index=0)
    assert caught.value.message == "op severity needs a severity"


def test_removing_an_unknown_expectation_names_it():
    with pytest.raises(ExpectationError):
        apply_change({}, "remove", "clean", "loans", index=0)
