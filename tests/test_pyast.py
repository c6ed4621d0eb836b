"""pyast: the retry on CPython 3.11's AST thread race, and nothing else retried."""

from __future__ import annotations

import ast

import pytest

from jupyter_promote.util import pyast


def test_parses_modules_and_expressions():
    assert isinstance(pyast.parse_module("x = 1").body[0], ast.Assign)
    assert isinstance(pyast.parse_expression("a + 1").body, ast.BinOp)


def test_the_thread_race_is_retried(monkeypatch):
    real, calls = ast.parse, []

    def racy(source, mode="exec"):
        calls.append(source)
        if len(calls) < 3:  # what CPython 3.11 raises when another thread builds an AST too
            raise SystemError("AST constructor recursion depth mismatch (before=48, after=75)")
        return real(source, mode=mode)

    monkeypatch.setattr(pyast.ast, "parse", racy)
    assert isinstance(pyast.parse_module("y = 2").body[0], ast.Assign)
    assert len(calls) == 3


def test_syntax_errors_and_other_system_errors_are_not_retried(monkeypatch):
    with pytest.raises(SyntaxError):
        pyast.parse_module("x = ")
    calls = []

    def broken(source, mode="exec"):
        calls.append(source)
        raise SystemError("something else")

    monkeypatch.setattr(pyast.ast, "parse", broken)
    with pytest.raises(SystemError, match="something else"):
        pyast.parse_module("x = 1")
    assert len(calls) == 1
