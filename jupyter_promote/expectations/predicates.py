"""The checks of an ``%expect`` line: column checks, row-count checks and the full GX call form.

Each reader takes one predicate's tokens from a :class:`Cursor` and returns a :class:`Draft`:
the expectation type and arguments, with the token that errors about it point at.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jupyter_promote.expectations.errors import ExpectationSyntaxError
from jupyter_promote.expectations.models import (
    BETWEEN,
    BOUND_KEYS,
    EXISTS,
    IN_SET,
    MATCHES,
    NOT_IN_SET,
    NOT_NULL,
    OF_TYPE,
    ROWS_BETWEEN,
    ROWS_EQUAL,
    UNIQUE,
    GXSeverity,
    show_column,
    show_number,
)
from jupyter_promote.expectations.tokens import (
    Cursor,
    Token,
    literal_eval,
    read_number,
    read_value_set,
    skip_group,
)
from jupyter_promote.util import pyast
from jupyter_promote.util.spelling import did_you_mean


@dataclass
class Draft:
    """An expectation being parsed, with the token errors about it point at."""

    type: str
    kwargs: dict[str, Any]
    token: Token
    severity: GXSeverity | None = None
    meta: dict[str, Any] = field(default_factory=dict)


# -- column checks --------------------------------------------------------------------------------

_COLUMN_WORDS = (
    "between", ">=", ">", "<=", "<", "unique", "not null", "in", "not in", "matches", "exists",
    "dtype",
)  # fmt: skip
_TABLE_WORDS = (">=", ">", "<=", "<", "==", "between")
_OPERATOR_ALIASES = {"=>": ">=", "=<": "<=", "=": "=="}
_BOUND_OPS = {">=": ("min_value", False), ">": ("min_value", True)}
_BOUND_OPS |= {"<=": ("max_value", False), "<": ("max_value", True)}
_Check = tuple[str, dict[str, Any]]


def read_column_check(cur: Cursor, column: str, column_tok: Token | None = None) -> Draft:
    lone = cur.at_end() and column_tok is not None and column_tok.kind == "name"
    if lone and column_tok and (hint := did_you_mean(column_tok.text, _COLUMN_WORDS)):
        # "loan_id unique, notnull": the misspelt check was read as a column name
        raise cur.error(column_tok, f"expected one of {', '.join(_COLUMN_WORDS)}{hint}")
    op = cur.take(f"a check after {show_column(column)}: one of {', '.join(_COLUMN_WORDS)}")
    reader = _COLUMN_CHECKS.get(op.text) if op.kind in ("name", "op") else None
    if reader is None:
        raise _unknown_check(cur, op, column, _COLUMN_WORDS)
    type_, kwargs = reader(cur, op)
    return Draft(type_, {"column": column, **kwargs}, op)


def _unknown_check(
    cur: Cursor, op: Token, subject: str, words: tuple[str, ...]
) -> ExpectationSyntaxError:
    meant = _OPERATOR_ALIASES.get(op.text)
    hint = f' (did you mean "{meant}"?)' if meant in words else did_you_mean(op.text, words)
    fix = ""
    if op.text in ("=", "==", "!=") and words is _COLUMN_WORDS:
        hint, negate = "", "not " if op.text == "!=" else ""
        fix = f"to compare with values write {show_column(subject)} {negate}in {{X}}"
    elif op.kind == "name" and not hint and words is _TABLE_WORDS:
        fix = 'rows means the row count; quote a column called rows: "rows" unique'
    elif op.kind == "name" and not hint:
        fix = f'quote a column name with spaces or keywords: "{subject} {op.text}"'
    return cur.error(op, f"expected one of {', '.join(words)}{hint}", fix)


def _check_bound(cur: Cursor, op: Token) -> _Check:
    key, strict = _BOUND_OPS[op.text]
    _, value = read_number(cur, f'a number after "{op.text}"')
    return BETWEEN, {key: value, **({f"strict_{key[:3]}": True} if strict else {})}


def _check_between(cur: Cursor, op: Token) -> _Check:
    _, low = read_number(cur, 'a number after "between"')
    word = cur.take('"and" between the two bounds')
    if word.text != "and":
        hint = did_you_mean(word.text, ("and",))
        raise cur.error(
            word, f'expected "and" between the two bounds{hint}', "e.g. between 0 and 5"
        )
    _, high = read_number(cur, 'a number after "and"')
    return BETWEEN, {"min_value": low, "max_value": high}


def _check_not(cur: Cursor, op: Token) -> _Check:
    word = cur.take('"null" or "in" after "not"')
    if word.text == "null":
        return NOT_NULL, {}
    if word.text == "in":
        return NOT_IN_SET, {"value_set": read_value_set(cur, word)}
    hint = did_you_mean(word.text, ("null", "in"))
    raise cur.error(word, f'expected "null" or "in" after "not"{hint}')


def _check_matches(cur: Cursor, op: Token) -> _Check:
    tok = cur.take('a quoted regular expression after "matches"')
    prefix = tok.text[: len(tok.text) - len(tok.text.lstrip("rRuUbBfF"))].lower()
    if tok.kind != "string" or set(prefix) - {"r", "u"}:
        raise cur.error(tok, 'expected a quoted regular expression, e.g. "^[A-Z]{2}$"')
    regex = literal_eval(cur, tok, "r" + tok.text[len(prefix) :])  # backslashes kept as written
    try:
        re.compile(regex)
    except re.error as exc:
        raise cur.error(tok, f"invalid regular expression: {exc}") from None
    return MATCHES, {"regex": regex}


def _check_dtype(cur: Cursor, op: Token) -> _Check:
    tok = cur.take('a dtype name after "dtype", e.g. int64')
    if tok.kind == "string":
        name = literal_eval(cur, tok, tok.text)
    elif tok.kind == "name":  # datetime64[ns, UTC]: the name and a bracket group, as written
        last = tok
        if (opener := cur.peek()) is not None and opener.text == "[" and opener.col == tok.end:
            last = skip_group(cur)
        name = cur.line[tok.col : last.end]
    else:
        name = None
    if not isinstance(name, str) or not name.strip():
        raise cur.error(tok, "expected a dtype name, e.g. int64 or datetime64[ns]")
    return OF_TYPE, {"type_": name}


def _no_argument(type_: str) -> Callable[[Cursor, Token], _Check]:
    return lambda cur, op: (type_, {})


_COLUMN_CHECKS: dict[str, Callable[[Cursor, Token], _Check]] = {
    **dict.fromkeys(_BOUND_OPS, _check_bound),
    "between": _check_between,
    "unique": _no_argument(UNIQUE),
    "not": _check_not,
    "in": lambda cur, op: (IN_SET, {"value_set": read_value_set(cur, op)}),
    "matches": _check_matches,
    "exists": _no_argument(EXISTS),
    "dtype": _check_dtype,
}


def read_table_check(cur: Cursor) -> Draft:
    op = cur.take(f"a check after rows: one of {', '.join(_TABLE_WORDS)}")
    if op.text == "between":
        _, kwargs = _check_between(cur, op)
        kwargs = {key: _row_count(cur, op, value) for key, value in kwargs.items()}
        return Draft(ROWS_BETWEEN, kwargs, op)
    if op.text in _BOUND_OPS:
        key, strict = _BOUND_OPS[op.text]
        tok, value = read_number(cur, f'a number after "{op.text}"')
        strict_key = {f"strict_{key[:3]}": True} if strict else {}
        return Draft(ROWS_BETWEEN, {key: _row_count(cur, tok, value), **strict_key}, op)
    if op.text == "==":
        tok, value = read_number(cur, 'a number after "=="')
        return Draft(ROWS_EQUAL, {"value": _row_count(cur, tok, value)}, op)
    raise _unknown_check(cur, op, "rows", _TABLE_WORDS)


def _row_count(cur: Cursor, tok: Token, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise cur.error(tok, f"a row count is a whole number of at least 0, not {value!r}")
    return value


# -- the full GX form -----------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() if name[:1].isupper() else name


def read_gx_call(cur: Cursor) -> Draft:
    tokens = cur.rest()
    offset = tokens[0].col
    src = cur.line[offset : tokens[-1].end]
    try:
        call = pyast.parse_expression(src).body
    except SyntaxError as exc:
        col = offset + (exc.offset or 1) - 1
        raise cur.error(Token("call", src, col, col), f"not a valid call ({exc.msg})") from None
    func = call.func if isinstance(call, ast.Call) else None
    if not isinstance(func, ast.Name | ast.Attribute):
        raise cur.error(tokens[0], 'expected one expectation call, e.g. expect_x(column="c")')
    name = _snake(func.attr if isinstance(func, ast.Attribute) else func.id)
    if not re.fullmatch(r"expect_[a-z0-9_]+", name):
        raise cur.error(tokens[0], f"{name!r} is not an expectation name (expect_...)")
    assert isinstance(call, ast.Call)
    if call.args:
        raise _at_node(cur, offset, src, call.args[0], 'name every argument: column="amount"')
    kwargs: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise _at_node(cur, offset, src, kw.value, "**arguments are not accepted")
        kwargs[kw.arg] = _keyword_value(cur, offset, src, kw)
    meta, severity = kwargs.pop("meta", {}), kwargs.pop("severity", None)
    if severity not in (None, "critical", "warning", "info") or not isinstance(meta, dict):
        raise cur.error(tokens[0], 'severity= takes "critical", "warning" or "info"; meta= a dict')
    return Draft(name, kwargs, tokens[0], severity, meta)


def _at_node(cur: Cursor, offset: int, src: str, node: ast.AST, message: str) -> Exception:
    text = ast.get_source_segment(src, node) or "?"
    col = offset + getattr(node, "col_offset", 0)
    return cur.error(Token("value", text, col, col + len(text)), message)


def _keyword_value(cur: Cursor, offset: int, src: str, kw: ast.keyword) -> Any:
    try:
        value = _to_json(ast.literal_eval(kw.value))
    except (ValueError, TypeError):
        raise _at_node(
            cur, offset, src, kw.value, f"{kw.arg}= takes a literal (string, number, list...)"
        ) from None
    return value


def _to_json(value: Any) -> Any:
    """A literal as JSON: tuples and sets as lists; bytes, complex and ``...`` refused."""
    if isinstance(value, tuple | list):
        return [_to_json(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_to_json(v) for v in value), key=repr)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dict keys must be strings")
        return {k: _to_json(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"{type(value).__name__} is not JSON")


# -- combining drafts -----------------------------------------------------------------------------


def combine(line: str, drafts: list[Draft]) -> list[Draft]:
    """Merge one-sided bounds of the same column (``amount >= 0, <= 9``); refuse other repeats."""
    out: list[Draft] = []
    for draft in drafts:
        same = next((d for d in out if _same(d, draft)), None)
        if same is None:
            out.append(draft)
        elif not _merge_bounds(same, draft):
            raise ExpectationSyntaxError(
                "this repeats an earlier check of the same kind on the line",
                token=draft.token.text,
                column=draft.token.col + 1,
                line=line,
                fix="keep one of them",
            )
    for draft in out:
        _check_range(line, draft)
    return out


def _same(a: Draft, b: Draft) -> bool:
    return a.type == b.type and a.kwargs.get("column") == b.kwargs.get("column")


def _sides(draft: Draft) -> set[str]:
    return {"min" if "min" in key else "max" for key in draft.kwargs if key in BOUND_KEYS}


def _merge_bounds(into: Draft, draft: Draft) -> bool:
    if into.type not in (BETWEEN, ROWS_BETWEEN) or _sides(into) & _sides(draft):
        return False
    if (set(into.kwargs) | set(draft.kwargs)) - {"column", *BOUND_KEYS}:
        return False
    into.kwargs.update(draft.kwargs)
    into.token = draft.token
    return True


def _check_range(line: str, draft: Draft) -> None:
    low: Any = draft.kwargs.get("min_value")
    high: Any = draft.kwargs.get("max_value")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        return
    strict = draft.kwargs.get("strict_min") or draft.kwargs.get("strict_max")
    if low > high:
        problem = f"the minimum {show_number(low)} is above the maximum {show_number(high)}"
        fix = "write the smaller bound first, e.g. between 0 and 100"
    elif low == high and strict:
        problem = f"only {show_number(low)} is in range and it is excluded"
        fix = f"write == {show_number(low)} as between {show_number(low)} and {show_number(low)}"
    else:
        return
    raise ExpectationSyntaxError(
        f"no value can pass: {problem}",
        token=draft.token.text,
        column=draft.token.col + 1,
        line=line,
        fix=fix,
    )
