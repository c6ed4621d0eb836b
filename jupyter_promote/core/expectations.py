"""Expectations: the ``%expect`` line language, GX suite JSON, and where suites live in a notebook.

A user writes ``loans: loan_id unique, not null, amount between 0 and 5_000_000 --severity warn``;
:func:`parse_expect_line` turns it into Great Expectations 1.x expectation configurations in GX's
own suite-JSON shape, and the metadata functions keep them, one suite per step and variable, under
``nb.metadata["jupyter_promote"]["expectations"][STEP][VARIABLE]``.

Whether an expectation type and its arguments exist in GX is checked where GX is imported (the
kernel side); this module only knows the JSON shape, so the core stays pure and fast to import.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import math
import re
import tokenize
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import nbformat
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from jupyter_promote.core.tags import STEP_NAME, did_you_mean
from jupyter_promote.errors import PromoteError

METADATA_KEY = "jupyter_promote"
METADATA_SCHEMA_VERSION = 1

GXSeverity = Literal["critical", "warning", "info"]
Level = Literal["error", "warn"]
SEVERITY_BY_LEVEL: dict[str, GXSeverity] = {"error": "critical", "warn": "warning"}

BETWEEN = "expect_column_values_to_be_between"
UNIQUE = "expect_column_values_to_be_unique"
NOT_NULL = "expect_column_values_to_not_be_null"
IN_SET = "expect_column_values_to_be_in_set"
NOT_IN_SET = "expect_column_values_to_not_be_in_set"
MATCHES = "expect_column_values_to_match_regex"
EXISTS = "expect_column_to_exist"
OF_TYPE = "expect_column_values_to_be_of_type"
ROWS_BETWEEN = "expect_table_row_count_to_be_between"
ROWS_EQUAL = "expect_table_row_count_to_equal"
# GX's column *map* expectations (the ones that take ``mostly``) share this prefix.
_MAP_PREFIX = "expect_column_values_"

_FORMS = (
    "COL between A and B",
    "COL >= X   (also >, <=, <)",
    "COL unique",
    "COL not null",
    'COL in {"A", "B"}   (or [...])',
    'COL not in {"A", "B"}',
    'COL matches "REGEX"',
    "COL exists",
    "COL dtype NAME",
    "rows >= N   (also >, <=, <, == N, between A and B)",
    'expect_NAME(column="COL", ...)   (any Great Expectations 1.x expectation)',
)
_LINE_FORM = "VARIABLE: PREDICATE[, PREDICATE...] [--severity error|warn] [--mostly FRACTION]"


def describe_forms() -> str:
    """The accepted predicate forms, one short line each (for hints and docs).

    >>> describe_forms().splitlines()[0]
    'COL between A and B'
    """
    return "\n".join(_FORMS)


# -- errors ---------------------------------------------------------------------------------------


class ExpectationError(PromoteError):
    """An expectation cannot be recorded: bad line, unknown step or variable name, ..."""

    http_status = 422


class ExpectationSyntaxError(ExpectationError):
    """An ``%expect`` line does not follow the grammar.

    Args:
        message: What is wrong at that place.
        token: The offending text as written, or None at the end of the line.
        column: 1-based column of the token in the line.
        line: The whole line, for surfaces that draw a caret.
        fix: A specific fix, shown before the accepted forms in :attr:`hint`.
    """

    def __init__(
        self, message: str, *, token: str | None, column: int, line: str = "", fix: str = ""
    ) -> None:
        where = "at the end of the line" if token is None else f"at {_quote(token)}"
        hint = f"{fix}; " if fix else ""
        hint += f"write {_LINE_FORM}, with PREDICATE one of:\n" + _indent(describe_forms())
        super().__init__(
            f"{where} (column {column}): {message}",
            hint=hint,
            details={"token": token, "column": column, "line": line},
        )
        self.token = token
        self.column = column
        self.line = line


class ExpectationNotFound(ExpectationError):
    """The step, variable or index names no recorded expectation."""

    http_status = 404


class MetadataError(PromoteError):
    """The notebook's ``jupyter_promote`` metadata has a shape this version cannot use.

    Args:
        path: JSON path of the bad value, e.g. ``metadata.jupyter_promote.schema_version``.
        problem: What is wrong with it.
    """

    http_status = 422

    def __init__(self, path: str, problem: str, *, hint: str = "") -> None:
        super().__init__(
            f"{path}: {problem}",
            hint=hint
            or "fix or delete that entry in the notebook metadata (JupyterLab: Property "
            "Inspector, Advanced Tools), then record the expectation again with %expect",
            details={"path": path},
        )
        self.path = path


class NewerMetadataError(MetadataError):
    """The metadata was written by a newer jupyter-promote; it is left untouched."""

    def __init__(self, found: int) -> None:
        super().__init__(
            f"metadata.{METADATA_KEY}.schema_version",
            f"the notebook's jupyter_promote metadata is schema version {found}, newer than "
            f"this jupyter-promote reads ({METADATA_SCHEMA_VERSION})",
            hint="upgrade jupyter-promote (pip install -U jupyter-promote); "
            "the notebook was not changed",
        )
        self.found = found


# -- models ---------------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _json_compatible(value: dict[str, Any]) -> dict[str, Any]:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"must be JSON-compatible ({exc})") from None
    return value


class ExpectationConfig(_Model):
    """One Great Expectations 1.x expectation, in GX's own suite-JSON shape.

    Example:
        >>> c = ExpectationConfig(type=UNIQUE, kwargs={"column": "loan_id"}, severity="warning")
        >>> (c.describe(), c.level, c.column)
        ('loan_id unique', 'warn', 'loan_id')
    """

    type: str = Field(
        pattern=r"^expect_[a-z0-9_]+$",
        description="Snake-case GX expectation type, e.g. 'expect_column_values_to_be_between'.",
    )
    kwargs: dict[str, Any] = Field(
        description="The expectation's arguments as GX names them (column, min_value, mostly...)."
    )
    meta: dict[str, Any] = Field(
        default_factory=dict,
        description="Free-form notes kept with the expectation; 'shorthand' is the %expect line.",
    )
    severity: GXSeverity = Field(
        default="critical",
        description="GX failure severity: 'critical' blocks the run (our 'error'), 'warning' "
        "and 'info' are reported only (our 'warn').",
    )

    @field_validator("kwargs", "meta")
    @classmethod
    def json_compatible(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Refuse values a notebook cannot store (sets, bytes, NaN, ...)."""
        return _json_compatible(value)

    @property
    def level(self) -> Level:
        """The user-facing severity word: ``error`` (blocks) or ``warn`` (reports)."""
        return "error" if self.severity == "critical" else "warn"

    @property
    def column(self) -> str | None:
        """The column checked, or None for table-level expectations."""
        column = self.kwargs.get("column")
        return column if isinstance(column, str) else None

    def same_check(self, other: ExpectationConfig) -> bool:
        """True when ``other`` checks the same thing (type and column), so it replaces this one."""
        return self.type == other.type and self.column == other.column

    def describe(self) -> str:
        """Human text for the check, e.g. ``amount between 0 and 5,000,000``."""
        describer = _DESCRIBERS.get(self.type)
        text = describer(self.kwargs) if describer else None
        if text is None:
            args = ", ".join(f"{key}={_literal(value)}" for key, value in self.kwargs.items())
            return f"{self.type}({args})"
        mostly = self.kwargs.get("mostly")
        return f"{text} (at least {mostly * 100:g}% of rows)" if mostly is not None else text

    def to_gx_dict(self) -> dict[str, Any]:
        """The expectation as GX 1.x suite JSON: ``{"type", "kwargs", "meta", "severity"}``."""
        return self.model_dump(mode="json")


class Suite(_Model):
    """A Great Expectations 1.x expectation suite (its JSON form), one per step and variable."""

    name: str = Field(description="Suite name: 'STEP.VARIABLE'.")
    expectations: list[ExpectationConfig] = Field(description="The expectations, in order.")
    meta: dict[str, Any] = Field(default_factory=dict, description="Free-form suite notes.")

    def to_gx_dict(self) -> dict[str, Any]:
        """The mapping ``great_expectations.ExpectationSuite(**...)`` accepts.

        Example:
            >>> Suite(name="load.loans", expectations=[]).to_gx_dict()
            {'name': 'load.loans', 'expectations': [], 'meta': {}}
        """
        return self.model_dump(mode="json")


def suite_name(step: str, variable: str) -> str:
    """The suite name for a step's variable: ``"load.loans"``."""
    return f"{step}.{variable}"


# -- describing -----------------------------------------------------------------------------------

_KEYWORDS = frozenset({"between", "unique", "not", "in", "matches", "exists", "dtype", "rows"})


def _show_column(name: str) -> str:
    plain = name.isidentifier() and not keyword.iskeyword(name) and name not in _KEYWORDS
    return name if plain else json.dumps(name, ensure_ascii=False)


def _literal(value: Any) -> str:
    """Python-literal text with double-quoted strings (so it reads back with the grammar)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _literal(value)
    return f"{value:,}"


def _only(kwargs: Mapping[str, Any], *keys: str) -> bool:
    return set(kwargs) - {"mostly"} <= set(keys)


def _bounds(subject: str, kwargs: Mapping[str, Any]) -> str | None:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    lt_low = "<" if kwargs.get("strict_min") else "<="
    lt_high = "<" if kwargs.get("strict_max") else "<="
    if low is not None and high is not None:
        if lt_low == lt_high == "<=":
            return f"{subject} between {_number(low)} and {_number(high)}"
        return f"{_number(low)} {lt_low} {subject} {lt_high} {_number(high)}"
    if low is not None:
        return f"{subject} {lt_low.replace('<', '>')} {_number(low)}"
    if high is not None:
        return f"{subject} {lt_high} {_number(high)}"
    return None


_BOUND_KEYS = ("min_value", "max_value", "strict_min", "strict_max")


def _column_text(suffix: Callable[[Mapping[str, Any]], str], *keys: str) -> _Describer:
    def describe(kwargs: Mapping[str, Any]) -> str | None:
        column = kwargs.get("column")
        if not isinstance(column, str) or not _only(kwargs, "column", *keys):
            return None
        return f"{_show_column(column)} {suffix(kwargs)}"

    return describe


def _describe_between(kwargs: Mapping[str, Any]) -> str | None:
    column = kwargs.get("column")
    if not isinstance(column, str) or not _only(kwargs, "column", *_BOUND_KEYS):
        return None
    return _bounds(_show_column(column), kwargs)


def _describe_rows(kwargs: Mapping[str, Any]) -> str | None:
    return _bounds("rows", kwargs) if _only(kwargs, *_BOUND_KEYS) else None


def _set_text(kwargs: Mapping[str, Any]) -> str:
    values = kwargs.get("value_set")
    items = values if isinstance(values, list) else [values]
    return "{" + ", ".join(_literal(v) for v in items) + "}"


def _regex_text(kwargs: Mapping[str, Any]) -> str:
    regex = str(kwargs.get("regex"))
    quote = "'" if '"' in regex and "'" not in regex else '"'
    return f"matches {quote}{regex}{quote}"


_Describer = Callable[[Mapping[str, Any]], "str | None"]
_DESCRIBERS: dict[str, _Describer] = {
    BETWEEN: _describe_between,
    UNIQUE: _column_text(lambda _: "unique"),
    NOT_NULL: _column_text(lambda _: "not null"),
    IN_SET: _column_text(lambda kw: f"in {_set_text(kw)}", "value_set"),
    NOT_IN_SET: _column_text(lambda kw: f"not in {_set_text(kw)}", "value_set"),
    MATCHES: _column_text(_regex_text, "regex"),
    EXISTS: _column_text(lambda _: "exists"),
    OF_TYPE: _column_text(lambda kw: f"dtype {kw.get('type_')}", "type_"),
    ROWS_BETWEEN: _describe_rows,
    ROWS_EQUAL: lambda kw: f"rows == {_number(kw['value'])}" if set(kw) == {"value"} else None,
}


# -- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "name", "number", "string", "op" (or another tokenize name: always refused)
    text: str  # as written
    col: int  # 0-based start column
    end: int  # 0-based end column


_SKIPPED = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}
_SKIPPED |= {tokenize.ENDMARKER}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_STRAY = frozenset("$?`")  # error tokens before Python 3.12, operators since
_THOUSANDS = re.compile(r"^\d{3}(\.\d*)?$")


def _quote(text: str) -> str:
    return f"'{text}'" if '"' in text else f'"{text}"'


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def _tokenize(line: str) -> list[_Token]:
    """The line's tokens (Python's tokenizer), comparison operators and 5,000,000 joined."""
    tokens: list[_Token] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type in _SKIPPED or (tok.type == tokenize.ERRORTOKEN and tok.string.isspace()):
                continue
            if tok.type == tokenize.ERRORTOKEN or tok.string in _STRAY:
                raise _bad_character(line, tok.string, tok.start[1])
            kind = tokenize.tok_name[tok.type].lower()
            tokens.append(_Token(kind, tok.string, tok.start[1], tok.end[1]))
    except tokenize.TokenError as exc:
        raise _token_error(line, tokens, exc) from None
    return _join_thousands(line, _join_operators(line, tokens))


def _bad_character(line: str, char: str, col: int) -> ExpectationSyntaxError:
    if char in "\"'":
        return ExpectationSyntaxError(
            "this string is never closed", token=line[col:], column=col + 1, line=line
        )
    return ExpectationSyntaxError("unexpected character", token=char, column=col + 1, line=line)


def _token_error(line: str, tokens: list[_Token], exc: tokenize.TokenError) -> Exception:
    message = str(exc.args[0])
    position = exc.args[1] if len(exc.args) > 1 else (1, len(line))
    # the column is 0-based before Python 3.12, 1-based since: take the quote at or before it
    quote = max(line.rfind('"', 0, position[1] + 1), line.rfind("'", 0, position[1] + 1))
    if "string" in message and quote >= 0:
        while quote > 0 and line[quote - 1] == line[quote]:
            quote -= 1  # to the start of a triple quote
        return _bad_character(line, line[quote], quote)
    stack: list[_Token] = []
    for tok in tokens:
        if tok.text in _OPENERS:
            stack.append(tok)
        elif stack and tok.text == _OPENERS[stack[-1].text]:
            stack.pop()
    if stack:
        opener = stack[-1]
        return ExpectationSyntaxError(
            f'"{opener.text}" is never closed', token=opener.text, column=opener.col + 1, line=line
        )
    return ExpectationSyntaxError(message, token=None, column=len(line) + 1, line=line)


def _join(line: str, first: _Token, last: _Token, kind: str) -> _Token:
    return _Token(kind, line[first.col : last.end], first.col, last.end)


def _join_operators(line: str, tokens: list[_Token]) -> list[_Token]:
    """Adjacent ``<>=!`` operators as one token, so ``=>`` is reported as written."""
    out: list[_Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        compare = set(tok.text) <= set("<>=!") and tok.kind == "op"
        joins = prev is not None and prev.kind == "op" and prev.end == tok.col
        if compare and joins and prev is not None and set(prev.text) <= set("<>=!"):
            out[-1] = _join(line, prev, tok, "op")
            continue
        out.append(tok)
    return out


def _join_thousands(line: str, tokens: list[_Token]) -> list[_Token]:
    """``5,000,000`` (no spaces, groups of three) as one number: a column is never a number."""
    out: list[_Token] = []
    for tok in tokens:
        if len(out) >= 2 and tok.kind == "number" and _THOUSANDS.match(tok.text):
            comma, number = out[-1], out[-2]
            grouped = re.fullmatch(r"\d{1,3}(,\d{3})*", number.text) and number.kind == "number"
            adjacent = number.end == comma.col and comma.end == tok.col
            if comma.text == "," and grouped and adjacent:
                out[-2:] = [_join(line, number, tok, "number")]
                continue
        out.append(tok)
    return out


def _top_level(tokens: Sequence[_Token]) -> Iterator[tuple[int, _Token, int]]:
    """``(index, token, depth)``: depth counts the brackets the token is inside."""
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.text in _OPENERS.values():
            depth -= 1
        yield index, tok, depth
        if tok.text in _OPENERS:
            depth += 1


# -- the line -------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """An expectation being parsed, with the token errors about it point at."""

    type: str
    kwargs: dict[str, Any]
    token: _Token
    severity: GXSeverity | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Options:
    severity: GXSeverity | None = None
    mostly: float | None = None
    mostly_token: _Token | None = None


def parse_expect_line(line: str) -> tuple[str, list[ExpectationConfig]]:
    """Parse one ``%expect`` line into the variable it checks and GX expectation configs.

    Args:
        line: ``VARIABLE: PREDICATE[, PREDICATE...] [--severity error|warn] [--mostly F]``;
            see :func:`describe_forms` for the predicates. A predicate without a column uses
            the previous predicate's column (``loan_id unique, not null``).

    Returns:
        The variable name and one :class:`ExpectationConfig` per predicate (one-sided bounds
        on the same column are merged into one ``between``), each with ``meta["shorthand"]``
        set to the line as written.

    Raises:
        ExpectationSyntaxError: the line does not follow the grammar; the message names the
            token and its 1-based column, the hint lists the accepted forms.

    Example:
        >>> variable, configs = parse_expect_line("loans: amount >= 0, loan_id unique")
        >>> variable, [(c.type, c.kwargs) for c in configs]
        ... # doctest: +NORMALIZE_WHITESPACE
        ('loans', [('expect_column_values_to_be_between', {'column': 'amount', 'min_value': 0}),
                   ('expect_column_values_to_be_unique', {'column': 'loan_id'})])
    """
    if "\n" in line.rstrip("\r\n"):
        col = line.index("\n")
        raise ExpectationSyntaxError(
            "an expectation line cannot contain a line break", token="\\n", column=col + 1
        )
    line = line.rstrip("\r\n")
    tokens = _tokenize(line)
    variable, rest = _split_variable(line, tokens)
    body, flags = _split_flags(rest)
    options = _read_flags(line, flags)
    drafts = _combine(line, _read_predicates(line, body, flags[0] if flags else None))
    configs = [_finish(line, draft, options) for draft in drafts]
    _check_mostly(line, options, configs)
    return variable, configs


def _split_variable(line: str, tokens: list[_Token]) -> tuple[str, list[_Token]]:
    colon = next((i for i, tok, depth in _top_level(tokens) if tok.text == ":" and not depth), None)
    example = 'start the line with the DataFrame to check, e.g. "loans: amount >= 0"'
    if not tokens:
        raise ExpectationSyntaxError("the line is empty", token=None, column=1, fix=example)
    if colon is None:
        raise ExpectationSyntaxError(
            'expected "VARIABLE:" before the checks',
            token=tokens[0].text,
            column=tokens[0].col + 1,
            line=line,
            fix=example,
        )
    name = line[tokens[0].col : tokens[colon - 1].end] if colon else ""
    if colon != 1 or tokens[0].kind != "name" or keyword.iskeyword(name):
        problem = "is a Python keyword" if keyword.iskeyword(name) else "is not a Python identifier"
        raise ExpectationSyntaxError(
            f"the variable name {problem}" if name else "the variable name is missing",
            token=name or ":",
            column=tokens[0].col + 1,
            line=line,
            fix="name a variable of the step, e.g. loans: ... (not an expression or a string)",
        )
    return name, tokens[colon + 1 :]


def _is_flag_start(tokens: Sequence[_Token], i: int) -> bool:
    """``--`` written without a space between the dashes."""
    if i + 1 >= len(tokens):
        return False
    first, second = tokens[i], tokens[i + 1]
    return first.text == second.text == "-" and first.end == second.col


def _split_flags(tokens: list[_Token]) -> tuple[list[_Token], list[_Token]]:
    for i, tok, depth in _top_level(tokens):
        if not depth and tok.text == "-" and _is_flag_start(tokens, i):
            return tokens[:i], tokens[i:]
    return tokens, []


# -- flags ----------------------------------------------------------------------------------------

_FLAGS = ("severity", "mostly")
_SEVERITY_ALIASES = {"critical": "error", "warning": "warn", "block": "error", "fail": "error"}


def _read_flags(line: str, tokens: list[_Token]) -> _Options:
    options = _Options()
    cur = _Cursor(line, tokens, None)
    seen: set[str] = set()
    while not cur.at_end():
        dash = cur.take("--severity or --mostly")
        if dash.text != "-" or not _is_flag_start(cur.tokens, cur.pos - 1):
            raise cur.error(dash, "expected an option (--severity or --mostly)", "options go last")
        cur.take("")
        name = cur.take("an option name after --")
        if name.text not in _FLAGS:
            hint = did_you_mean(name.text, _FLAGS)
            raise cur.error(
                name, f'unknown option "--{name.text}"{hint}', "use --severity, --mostly"
            )
        if name.text in seen:
            raise cur.error(name, f'"--{name.text}" is given twice', "keep one")
        seen.add(name.text)
        if (peek := cur.peek()) is not None and peek.text == "=":
            cur.take("")
        if name.text == "severity":
            options.severity = _read_severity(cur)
        else:
            options.mostly_token, options.mostly = _read_mostly(cur)
    return options


def _read_severity(cur: _Cursor) -> GXSeverity:
    tok = cur.take("error or warn after --severity")
    if tok.text in SEVERITY_BY_LEVEL:
        return SEVERITY_BY_LEVEL[tok.text]
    meant = _SEVERITY_ALIASES.get(tok.text.lower())
    hint = f' (did you mean "{meant}"?)' if meant else did_you_mean(tok.text, ("error", "warn"))
    raise cur.error(
        tok,
        f"--severity must be error or warn{hint}",
        "--severity error blocks the run when the check fails, --severity warn only reports it",
    )


def _read_mostly(cur: _Cursor) -> tuple[_Token, float]:
    tok, value = _read_number(cur, "a fraction after --mostly, e.g. 0.99")
    if not 0 < value <= 1:
        fix = f"write {value / 100:g} for {value:g}%" if 1 < value <= 100 else ""
        raise cur.error(tok, "--mostly must be a fraction above 0 and at most 1", fix)
    return tok, float(value)


# -- predicates -----------------------------------------------------------------------------------


@dataclass
class _Cursor:
    """Reads one predicate's (or the flags') tokens; ``stop`` is the token after them."""

    line: str
    tokens: list[_Token]
    stop: _Token | None
    pos: int = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def peek(self) -> _Token | None:
        return None if self.at_end() else self.tokens[self.pos]

    def take(self, what: str) -> _Token:
        """The next token; at the end, an error saying ``what`` was expected."""
        if self.at_end():
            raise self.error(self.stop, f"expected {what}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def rest(self) -> list[_Token]:
        rest, self.pos = self.tokens[self.pos :], len(self.tokens)
        return rest

    def error(self, tok: _Token | None, message: str, fix: str = "") -> ExpectationSyntaxError:
        if tok is None:
            col = len(self.line.rstrip()) + 1
            return ExpectationSyntaxError(message, token=None, column=col, line=self.line, fix=fix)
        return ExpectationSyntaxError(
            message, token=tok.text, column=tok.col + 1, line=self.line, fix=fix
        )


def _split_predicates(tokens: list[_Token]) -> list[tuple[list[_Token], _Token | None]]:
    """Tokens split at top-level commas, each part with the comma after it (None at the end)."""
    parts: list[tuple[list[_Token], _Token | None]] = []
    start = 0
    for i, tok, depth in _top_level(tokens):
        if tok.text == "," and not depth:
            parts.append((tokens[start:i], tok))
            start = i + 1
    parts.append((tokens[start:], None))
    return parts


def _read_predicates(line: str, tokens: list[_Token], flag: _Token | None) -> list[_Draft]:
    drafts: list[_Draft] = []
    subject: str | None = None  # the previous predicate's column ("" = the table's rows)
    for part, comma in _split_predicates(tokens):
        cur = _Cursor(line, part, comma or flag)
        if not part:
            raise cur.error(comma or flag, "expected a check here (the predicate is empty)")
        subject, draft = _read_predicate(cur, subject)
        if (extra := cur.peek()) is not None:
            raise cur.error(extra, f"unexpected {_quote(extra.text)} after the check")
        drafts.append(draft)
    return drafts


def _is_call(cur: _Cursor) -> bool:
    src = cur.line[cur.tokens[0].col : cur.tokens[-1].end]
    found = re.match(r"([A-Za-z_][\w.]*)\s*\(", src)
    return found is not None and found.group(1).split(".")[-1].lower().startswith("expect")


def _read_predicate(cur: _Cursor, previous: str | None) -> tuple[str | None, _Draft]:
    """One predicate; ``previous`` is the column a predicate without one uses ("" = rows)."""
    first = cur.tokens[0]
    if first.kind == "name" and _is_call(cur):
        draft = _read_gx_call(cur)
        column = draft.kwargs.get("column")
        return column if isinstance(column, str) else None, draft
    if first.kind == "name" and first.text == "rows":
        cur.take("")
        return "", _read_table_check(cur)
    starts_check = first.kind == "op" or (first.kind == "name" and first.text in _KEYWORDS)
    if first.kind in ("name", "string") and not starts_check:
        column = _read_column_name(cur)
        return column, _read_column_check(cur, column, first)
    if previous is None or not starts_check:
        where = f"before {_quote(first.text)}" if starts_check else f", not {_quote(first.text)}"
        raise cur.error(first, f"expected a column name{' ' * starts_check}{where}", _COL_FIX)
    return previous, (
        _read_table_check(cur) if previous == "" else _read_column_check(cur, previous)
    )


_COL_FIX = (
    'quote a column name that is a number or a keyword: "2024" not null; '
    "write numbers as 5_000_000 or 5,000,000, without spaces"
)


def _read_column_name(cur: _Cursor) -> str:
    tok = cur.take("a column name")
    if tok.kind == "name":
        return tok.text
    value = _literal_eval(cur, tok, tok.text)
    if not isinstance(value, str) or not value:
        raise cur.error(tok, "a column name must be a non-empty string")
    return value


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


def _read_column_check(cur: _Cursor, column: str, column_tok: _Token | None = None) -> _Draft:
    lone = cur.at_end() and column_tok is not None and column_tok.kind == "name"
    if lone and column_tok and (hint := did_you_mean(column_tok.text, _COLUMN_WORDS)):
        # "loan_id unique, notnull": the misspelt check was read as a column name
        raise cur.error(column_tok, f"expected one of {', '.join(_COLUMN_WORDS)}{hint}")
    op = cur.take(f"a check after {_show_column(column)}: one of {', '.join(_COLUMN_WORDS)}")
    reader = _COLUMN_CHECKS.get(op.text) if op.kind in ("name", "op") else None
    if reader is None:
        raise _unknown_check(cur, op, column, _COLUMN_WORDS)
    type_, kwargs = reader(cur, op)
    return _Draft(type_, {"column": column, **kwargs}, op)


def _unknown_check(
    cur: _Cursor, op: _Token, subject: str, words: tuple[str, ...]
) -> ExpectationSyntaxError:
    meant = _OPERATOR_ALIASES.get(op.text)
    hint = f' (did you mean "{meant}"?)' if meant in words else did_you_mean(op.text, words)
    fix = ""
    if op.text in ("=", "==", "!=") and words is _COLUMN_WORDS:
        hint, negate = "", "not " if op.text == "!=" else ""
        fix = f"to compare with values write {_show_column(subject)} {negate}in {{X}}"
    elif op.kind == "name" and not hint and words is _TABLE_WORDS:
        fix = 'rows means the row count; quote a column called rows: "rows" unique'
    elif op.kind == "name" and not hint:
        fix = f'quote a column name with spaces or keywords: "{subject} {op.text}"'
    return cur.error(op, f"expected one of {', '.join(words)}{hint}", fix)


def _check_bound(cur: _Cursor, op: _Token) -> _Check:
    key, strict = _BOUND_OPS[op.text]
    _, value = _read_number(cur, f'a number after "{op.text}"')
    return BETWEEN, {key: value, **({f"strict_{key[:3]}": True} if strict else {})}


def _check_between(cur: _Cursor, op: _Token) -> _Check:
    _, low = _read_number(cur, 'a number after "between"')
    word = cur.take('"and" between the two bounds')
    if word.text != "and":
        hint = did_you_mean(word.text, ("and",))
        raise cur.error(
            word, f'expected "and" between the two bounds{hint}', "e.g. between 0 and 5"
        )
    _, high = _read_number(cur, 'a number after "and"')
    return BETWEEN, {"min_value": low, "max_value": high}


def _check_not(cur: _Cursor, op: _Token) -> _Check:
    word = cur.take('"null" or "in" after "not"')
    if word.text == "null":
        return NOT_NULL, {}
    if word.text == "in":
        return NOT_IN_SET, {"value_set": _read_value_set(cur, word)}
    hint = did_you_mean(word.text, ("null", "in"))
    raise cur.error(word, f'expected "null" or "in" after "not"{hint}')


def _check_matches(cur: _Cursor, op: _Token) -> _Check:
    tok = cur.take('a quoted regular expression after "matches"')
    prefix = tok.text[: len(tok.text) - len(tok.text.lstrip("rRuUbBfF"))].lower()
    if tok.kind != "string" or set(prefix) - {"r", "u"}:
        raise cur.error(tok, 'expected a quoted regular expression, e.g. "^[A-Z]{2}$"')
    regex = _literal_eval(cur, tok, "r" + tok.text[len(prefix) :])  # backslashes kept as written
    try:
        re.compile(regex)
    except re.error as exc:
        raise cur.error(tok, f"invalid regular expression: {exc}") from None
    return MATCHES, {"regex": regex}


def _check_dtype(cur: _Cursor, op: _Token) -> _Check:
    tok = cur.take('a dtype name after "dtype", e.g. int64')
    if tok.kind == "string":
        name = _literal_eval(cur, tok, tok.text)
    elif tok.kind == "name":  # datetime64[ns, UTC]: the name and a bracket group, as written
        last = tok
        if (opener := cur.peek()) is not None and opener.text == "[" and opener.col == tok.end:
            last = _skip_group(cur)
        name = cur.line[tok.col : last.end]
    else:
        name = None
    if not isinstance(name, str) or not name.strip():
        raise cur.error(tok, "expected a dtype name, e.g. int64 or datetime64[ns]")
    return OF_TYPE, {"type_": name}


def _skip_group(cur: _Cursor) -> _Token:
    """Move past a bracket group starting at the next token; return its closing token."""
    depth = 0
    while True:  # the tokenizer has checked that every bracket is closed
        tok = cur.take("a closing bracket")
        depth += (tok.text in _OPENERS) - (tok.text in _OPENERS.values())
        if not depth:
            return tok


def _no_argument(type_: str) -> Callable[[_Cursor, _Token], _Check]:
    return lambda cur, op: (type_, {})


_COLUMN_CHECKS: dict[str, Callable[[_Cursor, _Token], _Check]] = {
    **dict.fromkeys(_BOUND_OPS, _check_bound),
    "between": _check_between,
    "unique": _no_argument(UNIQUE),
    "not": _check_not,
    "in": lambda cur, op: (IN_SET, {"value_set": _read_value_set(cur, op)}),
    "matches": _check_matches,
    "exists": _no_argument(EXISTS),
    "dtype": _check_dtype,
}


def _read_table_check(cur: _Cursor) -> _Draft:
    op = cur.take(f"a check after rows: one of {', '.join(_TABLE_WORDS)}")
    if op.text == "between":
        _, kwargs = _check_between(cur, op)
        kwargs = {key: _row_count(cur, op, value) for key, value in kwargs.items()}
        return _Draft(ROWS_BETWEEN, kwargs, op)
    if op.text in _BOUND_OPS:
        key, strict = _BOUND_OPS[op.text]
        tok, value = _read_number(cur, f'a number after "{op.text}"')
        strict_key = {f"strict_{key[:3]}": True} if strict else {}
        return _Draft(ROWS_BETWEEN, {key: _row_count(cur, tok, value), **strict_key}, op)
    if op.text == "==":
        tok, value = _read_number(cur, 'a number after "=="')
        return _Draft(ROWS_EQUAL, {"value": _row_count(cur, tok, value)}, op)
    raise _unknown_check(cur, op, "rows", _TABLE_WORDS)


def _row_count(cur: _Cursor, tok: _Token, value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise cur.error(tok, f"a row count is a whole number of at least 0, not {value!r}")
    return value


# -- literals -------------------------------------------------------------------------------------


def _literal_eval(cur: _Cursor, tok: _Token, text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        reason = getattr(exc, "msg", "") or "not a literal"
        raise cur.error(tok, f"not a valid literal ({reason})") from None


def _read_number(cur: _Cursor, what: str) -> tuple[_Token, int | float]:
    tok = cur.take(what)
    if tok.kind == "op" and tok.text in "+-" and (nxt := cur.peek()) and nxt.kind == "number":
        tok = _join(cur.line, tok, cur.take(what), "number")  # -5 is reported as written
    if tok.kind != "number":
        raise cur.error(tok, f"expected {what}")
    value = _literal_eval(cur, tok, tok.text.replace(",", ""))
    if isinstance(value, complex) or not math.isfinite(value):
        raise cur.error(tok, "expected a finite real number")
    return tok, value


def _read_value_set(cur: _Cursor, op: _Token) -> list[Any]:
    opener = cur.take(f'a set after "{op.text}", e.g. {{"A", "B"}}')
    if opener.text not in ("{", "["):
        raise cur.error(opener, f'expected a set after "{op.text}", e.g. {{"A", "B"}}')
    cur.pos -= 1
    src = cur.line[opener.col : _skip_group(cur).end]
    try:
        node = ast.parse(src, mode="eval").body
    except SyntaxError as exc:
        raise cur.error(opener, f"not a valid set of values ({exc.msg})") from None
    if isinstance(node, ast.Dict) and not node.keys:
        node = ast.Set(elts=[])
    if not isinstance(node, ast.Set | ast.List):
        raise cur.error(opener, 'expected a set of values, e.g. {"A", "B"}')
    values: dict[tuple[type, Any], Any] = {}  # by type too: True is not 1 here
    for element in node.elts:
        value = _set_element(cur, opener, element)
        values.setdefault((type(value), value), value)
    if not values:
        raise cur.error(opener, "the set of values is empty")
    return list(values.values())


def _set_element(cur: _Cursor, opener: _Token, element: ast.expr) -> Any:
    try:
        value = ast.literal_eval(element)
    except ValueError:
        value = ...
    if value is ... or not isinstance(value, str | int | float | bool | type(None)):
        text = ast.get_source_segment(cur.line[opener.col :], element) or "?"
        col = opener.col + element.col_offset
        tok = _Token("value", text, col, col + len(text))
        raise cur.error(tok, "a set holds quoted strings, numbers, True, False or None")
    return value


# -- the full GX form -----------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() if name[:1].isupper() else name


def _read_gx_call(cur: _Cursor) -> _Draft:
    tokens = cur.rest()
    offset = tokens[0].col
    src = cur.line[offset : tokens[-1].end]
    try:
        call = ast.parse(src, mode="eval").body
    except SyntaxError as exc:
        col = offset + (exc.offset or 1) - 1
        raise cur.error(_Token("call", src, col, col), f"not a valid call ({exc.msg})") from None
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
    return _Draft(name, kwargs, tokens[0], severity, meta)


def _at_node(cur: _Cursor, offset: int, src: str, node: ast.AST, message: str) -> Exception:
    text = ast.get_source_segment(src, node) or "?"
    col = offset + getattr(node, "col_offset", 0)
    return cur.error(_Token("value", text, col, col + len(text)), message)


def _keyword_value(cur: _Cursor, offset: int, src: str, kw: ast.keyword) -> Any:
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


# -- assembling the line --------------------------------------------------------------------------


def _combine(line: str, drafts: list[_Draft]) -> list[_Draft]:
    """Merge one-sided bounds of the same column (``amount >= 0, <= 9``); refuse other repeats."""
    out: list[_Draft] = []
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


def _same(a: _Draft, b: _Draft) -> bool:
    return a.type == b.type and a.kwargs.get("column") == b.kwargs.get("column")


def _sides(draft: _Draft) -> set[str]:
    return {"min" if "min" in key else "max" for key in draft.kwargs if key in _BOUND_KEYS}


def _merge_bounds(into: _Draft, draft: _Draft) -> bool:
    if into.type not in (BETWEEN, ROWS_BETWEEN) or _sides(into) & _sides(draft):
        return False
    if (set(into.kwargs) | set(draft.kwargs)) - {"column", *_BOUND_KEYS}:
        return False
    into.kwargs.update(draft.kwargs)
    into.token = draft.token
    return True


def _check_range(line: str, draft: _Draft) -> None:
    low: Any = draft.kwargs.get("min_value")
    high: Any = draft.kwargs.get("max_value")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        return
    strict = draft.kwargs.get("strict_min") or draft.kwargs.get("strict_max")
    if low > high:
        problem = f"the minimum {_number(low)} is above the maximum {_number(high)}"
        fix = "write the smaller bound first, e.g. between 0 and 100"
    elif low == high and strict:
        problem = f"only {_number(low)} is in range and it is excluded"
        fix = f"write == {_number(low)} as between {_number(low)} and {_number(low)}"
    else:
        return
    raise ExpectationSyntaxError(
        f"no value can pass: {problem}",
        token=draft.token.text,
        column=draft.token.col + 1,
        line=line,
        fix=fix,
    )


def _finish(line: str, draft: _Draft, options: _Options) -> ExpectationConfig:
    kwargs = dict(draft.kwargs)
    if options.mostly is not None and draft.type.startswith(_MAP_PREFIX):
        kwargs["mostly"] = options.mostly
    return ExpectationConfig(
        type=draft.type,
        kwargs=kwargs,
        meta={**draft.meta, "shorthand": line.strip()},
        severity=options.severity or draft.severity or "critical",
    )


def _check_mostly(line: str, options: _Options, configs: list[ExpectationConfig]) -> None:
    if options.mostly_token and not any(c.type.startswith(_MAP_PREFIX) for c in configs):
        tok = options.mostly_token
        raise ExpectationSyntaxError(
            "--mostly applies to checks of column values, and this line has none",
            token=tok.text,
            column=tok.col + 1,
            line=line,
            fix="use it with between, >=, unique, not null, in, not in, matches or dtype",
        )


# -- notebook metadata ----------------------------------------------------------------------------

_PATH = f"metadata.{METADATA_KEY}"


def _path(*parts: str | int) -> str:
    out = _PATH
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _namespace(nb: Mapping[str, Any]) -> Mapping[str, Any]:
    """Our metadata namespace (empty when absent), after checking its version and shape."""
    ns = (nb.get("metadata") or {}).get(METADATA_KEY)
    if ns is None:
        return {}
    if not isinstance(ns, Mapping):
        raise MetadataError(_PATH, "expected an object")
    version = ns.get("schema_version", METADATA_SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise MetadataError(
            _path("schema_version"), f"expected a positive integer, not {version!r}"
        )
    if version > METADATA_SCHEMA_VERSION:
        raise NewerMetadataError(version)
    return ns


def read_expectations(nb: Mapping[str, Any]) -> dict[str, dict[str, Suite]]:
    """The expectation suites recorded in a notebook, by step then variable.

    Args:
        nb: An nbformat ``NotebookNode`` or the same data as a plain dict.

    Returns:
        ``{step: {variable: Suite}}`` (empty when none), steps and variables sorted by name:
        nbformat sorts JSON keys when it saves, so recording order would not survive a save.

    Raises:
        NewerMetadataError: the metadata was written by a newer jupyter-promote.
        MetadataError: the metadata has an invalid shape; the message names its JSON path.

    Example:
        >>> read_expectations({"metadata": {}})
        {}
    """
    raw = _namespace(nb).get("expectations", {})
    if not isinstance(raw, Mapping):
        raise MetadataError(_path("expectations"), "expected an object of steps")
    suites: dict[str, dict[str, Suite]] = {}
    for step, variables in sorted(raw.items()):
        if not isinstance(variables, Mapping):
            raise MetadataError(_path("expectations", step), "expected an object of variables")
        suites[step] = {v: _read_suite(step, v, data) for v, data in sorted(variables.items())}
    return suites


def _read_suite(step: str, variable: str, data: Any) -> Suite:
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _path("expectations", step, variable, *first["loc"])
        raise MetadataError(where, first["msg"][:1].lower() + first["msg"][1:]) from None
    if suite.name != suite_name(step, variable):
        raise MetadataError(
            _path("expectations", step, variable, "name"),
            f'expected "{suite_name(step, variable)}", not {json.dumps(suite.name)}',
        )
    return suite


def all_expectations(nb: Mapping[str, Any]) -> list[tuple[str, str, int, ExpectationConfig]]:
    """Every recorded expectation as ``(step, variable, index, config)``.

    Steps and variables come sorted by name, each suite's expectations in recorded order.

    Raises:
        NewerMetadataError, MetadataError: as :func:`read_expectations`.
    """
    return [
        (step, variable, index, config)
        for step, variables in read_expectations(nb).items()
        for variable, suite in variables.items()
        for index, config in enumerate(suite.expectations)
    ]


def _check_target(step: str, variable: str) -> None:
    if not STEP_NAME.match(step):
        raise ExpectationError(
            f"{step!r} is not a valid step name",
            hint="use the NAME of a step:NAME tag: letters, digits, _ and -",
        )
    if not variable.isidentifier() or keyword.iskeyword(variable):
        raise ExpectationError(
            f"{variable!r} is not a valid variable name", hint="name a Python variable, e.g. loans"
        )


def add_expectations(
    nb: MutableMapping[str, Any], step: str, variable: str, configs: Sequence[ExpectationConfig]
) -> Suite:
    """Record expectations for a step's variable: appended, or replacing the same check.

    Args:
        nb: The notebook, changed in place (only its ``jupyter_promote`` metadata).
        step: The step whose output is checked.
        variable: The variable (DataFrame) the step defines.
        configs: The expectations; one that :meth:`~ExpectationConfig.same_check` an already
            recorded one replaces it at its position.

    Returns:
        The suite as now recorded (not written when ``configs`` is empty).

    Raises:
        ExpectationError: the step or variable name is not valid.
        NewerMetadataError, MetadataError: as :func:`read_expectations`; the notebook is
            left unchanged.

    Example:
        >>> nb = {"metadata": {}}
        >>> _, configs = parse_expect_line("loans: loan_id unique")
        >>> add_expectations(nb, "load", "loans", configs).name
        'load.loans'
    """
    _check_target(step, variable)
    current = read_expectations(nb).get(step, {}).get(variable)
    expectations = list(current.expectations) if current else []
    for config in configs:
        same = next((i for i, old in enumerate(expectations) if old.same_check(config)), None)
        if same is None:
            expectations.append(config)
        else:
            expectations[same] = config
    suite = Suite(
        name=suite_name(step, variable),
        expectations=expectations,
        meta=current.meta if current else {},
    )
    if configs:
        _write_suite(nb, step, variable, suite)
    return suite


def _write_suite(nb: MutableMapping[str, Any], step: str, variable: str, suite: Suite) -> None:
    metadata = nb.setdefault("metadata", nbformat.NotebookNode())
    ns = metadata.setdefault(METADATA_KEY, nbformat.NotebookNode())
    ns.setdefault("schema_version", METADATA_SCHEMA_VERSION)
    steps = ns.setdefault("expectations", nbformat.NotebookNode())
    steps.setdefault(step, nbformat.NotebookNode())[variable] = nbformat.from_dict(
        suite.to_gx_dict()
    )


def remove_expectation(
    nb: MutableMapping[str, Any], step: str, variable: str, index: int | None = None
) -> list[ExpectationConfig]:
    """Remove one recorded expectation, or all of a variable's; empty containers go too.

    Args:
        nb: The notebook, changed in place.
        step: The step, as recorded.
        variable: The variable, as recorded.
        index: 0-based position in the variable's suite (see :func:`all_expectations`);
            None removes the whole suite.

    Returns:
        The removed expectations.

    Raises:
        ExpectationNotFound: nothing is recorded for that step and variable, or ``index`` is
            out of range; the hint lists what exists.
        NewerMetadataError, MetadataError: as :func:`read_expectations`; nothing is changed.
    """
    suites = read_expectations(nb)
    suite = suites.get(step, {}).get(variable)
    if suite is None:
        recorded = ", ".join(suite_name(s, v) for s, vs in suites.items() for v in vs)
        raise ExpectationNotFound(
            f'no expectations are recorded for "{variable}"',
            hint=f"recorded: {recorded}" if recorded else "no expectations are recorded",
            step=step,
            details={"variable": variable},
        )
    if index is not None and not 0 <= index < len(suite.expectations):
        raise ExpectationNotFound(
            f'"{variable}" has no expectation {index}',
            hint="valid indices: "
            + "; ".join(f"{i} ({c.describe()})" for i, c in enumerate(suite.expectations)),
            step=step,
            details={"variable": variable, "index": index},
        )
    keep = [] if index is None else [c for i, c in enumerate(suite.expectations) if i != index]
    removed = suite.expectations if index is None else [suite.expectations[index]]
    if keep:
        _write_suite(nb, step, variable, suite.model_copy(update={"expectations": keep}))
    else:
        _drop_suite(nb, step, variable)
    return list(removed)


def _drop_suite(nb: MutableMapping[str, Any], step: str, variable: str) -> None:
    metadata = nb["metadata"]
    ns = metadata[METADATA_KEY]
    del ns["expectations"][step][variable]
    if not ns["expectations"][step]:
        del ns["expectations"][step]
    if not ns["expectations"]:
        del ns["expectations"]
    if set(ns) <= {"schema_version"}:
        del metadata[METADATA_KEY]
