"""The ``%expect`` line language: ``VARIABLE: PREDICATE[, PREDICATE...] [--severity] [--mostly]``.

A user writes ``loans: loan_id unique, not null, amount between 0 and 5_000_000 --severity warn``;
:func:`parse_expect_line` turns it into Great Expectations 1.x expectation configurations in GX's
own suite-JSON shape. :func:`describe_forms` lists the accepted predicates.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jupyter_promote.expectations.errors import ExpectationSyntaxError, quote
from jupyter_promote.expectations.models import (
    KEYWORDS,
    MAP_PREFIX,
    SEVERITY_BY_LEVEL,
    ExpectationConfig,
    GXSeverity,
    describe_forms,
)
from jupyter_promote.expectations.predicates import (
    Draft,
    combine,
    read_column_check,
    read_gx_call,
    read_table_check,
)
from jupyter_promote.expectations.tokens import (
    Cursor,
    Token,
    literal_eval,
    read_number,
    split_tokens,
    top_level,
)
from jupyter_promote.util.spelling import did_you_mean

__all__ = ["describe_forms", "parse_expect_line"]

# -- the line -------------------------------------------------------------------------------------


@dataclass
class _Options:
    severity: GXSeverity | None = None
    mostly: float | None = None
    mostly_token: Token | None = None


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
    tokens = split_tokens(line)
    variable, rest = _split_variable(line, tokens)
    body, flags = _split_flags(rest)
    options = _read_flags(line, flags)
    drafts = combine(line, _read_predicates(line, body, flags[0] if flags else None))
    configs = [_finish(line, draft, options) for draft in drafts]
    _check_mostly(line, options, configs)
    return variable, configs


def _split_variable(line: str, tokens: list[Token]) -> tuple[str, list[Token]]:
    colon = next((i for i, tok, depth in top_level(tokens) if tok.text == ":" and not depth), None)
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


def _is_flag_start(tokens: Sequence[Token], i: int) -> bool:
    """``--`` written without a space between the dashes."""
    if i + 1 >= len(tokens):
        return False
    first, second = tokens[i], tokens[i + 1]
    return first.text == second.text == "-" and first.end == second.col


def _split_flags(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    for i, tok, depth in top_level(tokens):
        if not depth and tok.text == "-" and _is_flag_start(tokens, i):
            return tokens[:i], tokens[i:]
    return tokens, []


# -- flags ----------------------------------------------------------------------------------------

_FLAGS = ("severity", "mostly")
_SEVERITY_ALIASES = {"critical": "error", "warning": "warn", "block": "error", "fail": "error"}


def _read_flags(line: str, tokens: list[Token]) -> _Options:
    options = _Options()
    cur = Cursor(line, tokens, None)
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


def _read_severity(cur: Cursor) -> GXSeverity:
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


def _read_mostly(cur: Cursor) -> tuple[Token, float]:
    tok, value = read_number(cur, "a fraction after --mostly, e.g. 0.99")
    if not 0 < value <= 1:
        fix = f"write {value / 100:g} for {value:g}%" if 1 < value <= 100 else ""
        raise cur.error(tok, "--mostly must be a fraction above 0 and at most 1", fix)
    return tok, float(value)


# -- predicates -----------------------------------------------------------------------------------


def _split_predicates(tokens: list[Token]) -> list[tuple[list[Token], Token | None]]:
    """Tokens split at top-level commas, each part with the comma after it (None at the end)."""
    parts: list[tuple[list[Token], Token | None]] = []
    start = 0
    for i, tok, depth in top_level(tokens):
        if tok.text == "," and not depth:
            parts.append((tokens[start:i], tok))
            start = i + 1
    parts.append((tokens[start:], None))
    return parts


def _read_predicates(line: str, tokens: list[Token], flag: Token | None) -> list[Draft]:
    drafts: list[Draft] = []
    subject: str | None = None  # the previous predicate's column ("" = the table's rows)
    for part, comma in _split_predicates(tokens):
        cur = Cursor(line, part, comma or flag)
        if not part:
            raise cur.error(comma or flag, "expected a check here (the predicate is empty)")
        subject, draft = _read_predicate(cur, subject)
        if (extra := cur.peek()) is not None:
            raise cur.error(extra, f"unexpected {quote(extra.text)} after the check")
        drafts.append(draft)
    return drafts


def _is_call(cur: Cursor) -> bool:
    src = cur.line[cur.tokens[0].col : cur.tokens[-1].end]
    found = re.match(r"([A-Za-z_][\w.]*)\s*\(", src)
    return found is not None and found.group(1).split(".")[-1].lower().startswith("expect")


def _read_predicate(cur: Cursor, previous: str | None) -> tuple[str | None, Draft]:
    """One predicate; ``previous`` is the column a predicate without one uses ("" = rows)."""
    first = cur.tokens[0]
    if first.kind == "name" and _is_call(cur):
        draft = read_gx_call(cur)
        column = draft.kwargs.get("column")
        return column if isinstance(column, str) else None, draft
    if first.kind == "name" and first.text == "rows":
        cur.take("")
        return "", read_table_check(cur)
    starts_check = first.kind == "op" or (first.kind == "name" and first.text in KEYWORDS)
    if first.kind in ("name", "string") and not starts_check:
        column = _read_column_name(cur)
        return column, read_column_check(cur, column, first)
    if previous is None or not starts_check:
        where = f"before {quote(first.text)}" if starts_check else f", not {quote(first.text)}"
        raise cur.error(first, f"expected a column name{' ' * starts_check}{where}", _COL_FIX)
    return previous, (read_table_check(cur) if previous == "" else read_column_check(cur, previous))


_COL_FIX = (
    'quote a column name that is a number or a keyword: "2024" not null; '
    "write numbers as 5_000_000 or 5,000,000, without spaces"
)


def _read_column_name(cur: Cursor) -> str:
    tok = cur.take("a column name")
    if tok.kind == "name":
        return tok.text
    value = literal_eval(cur, tok, tok.text)
    if not isinstance(value, str) or not value:
        raise cur.error(tok, "a column name must be a non-empty string")
    return value


# -- finishing the line ---------------------------------------------------------------------------


def _finish(line: str, draft: Draft, options: _Options) -> ExpectationConfig:
    kwargs = dict(draft.kwargs)
    if options.mostly is not None and draft.type.startswith(MAP_PREFIX):
        kwargs["mostly"] = options.mostly
    return ExpectationConfig(
        type=draft.type,
        kwargs=kwargs,
        meta={**draft.meta, "shorthand": line.strip()},
        severity=options.severity or draft.severity or "critical",
    )


def _check_mostly(line: str, options: _Options, configs: list[ExpectationConfig]) -> None:
    if options.mostly_token and not any(c.type.startswith(MAP_PREFIX) for c in configs):
        tok = options.mostly_token
        raise ExpectationSyntaxError(
            "--mostly applies to checks of column values, and this line has none",
            token=tok.text,
            column=tok.col + 1,
            line=line,
            fix="use it with between, >=, unique, not null, in, not in, matches or dtype",
        )
