"""Tokens of an ``%expect`` line: Python's tokenizer, a cursor over them, and literal readers.

Comparison operators written together (``=>``) and grouped numbers (``5,000,000``) come back as
one token each, so errors name them as written.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from jupyter_promote.expectations.errors import ExpectationSyntaxError
from jupyter_promote.util import pyast


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "number", "string", "op" (or another tokenize name: always refused)
    text: str  # as written
    col: int  # 0-based start column
    end: int  # 0-based end column


_SKIPPED = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}
_SKIPPED |= {tokenize.ENDMARKER}
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_STRAY = frozenset("$?`")  # error tokens before Python 3.12, operators since
_THOUSANDS = re.compile(r"^\d{3}(\.\d*)?$")


def split_tokens(line: str) -> list[Token]:
    """The line's tokens (Python's tokenizer), comparison operators and 5,000,000 joined."""
    tokens: list[Token] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(line).readline):
            if tok.type in _SKIPPED or (tok.type == tokenize.ERRORTOKEN and tok.string.isspace()):
                continue
            if tok.type == tokenize.ERRORTOKEN or tok.string in _STRAY:
                raise _bad_character(line, tok.string, tok.start[1])
            kind = tokenize.tok_name[tok.type].lower()
            tokens.append(Token(kind, tok.string, tok.start[1], tok.end[1]))
    except tokenize.TokenError as exc:
        raise _token_error(line, tokens, exc) from None
    return _join_thousands(line, _join_operators(line, tokens))


def _bad_character(line: str, char: str, col: int) -> ExpectationSyntaxError:
    if char in "\"'":
        return ExpectationSyntaxError(
            "this string is never closed", token=line[col:], column=col + 1, line=line
        )
    return ExpectationSyntaxError("unexpected character", token=char, column=col + 1, line=line)


def _token_error(line: str, tokens: list[Token], exc: tokenize.TokenError) -> Exception:
    message = str(exc.args[0])
    position = exc.args[1] if len(exc.args) > 1 else (1, len(line))
    # the column is 0-based before Python 3.12, 1-based since: take the quote at or before it
    quote = max(line.rfind('"', 0, position[1] + 1), line.rfind("'", 0, position[1] + 1))
    if "string" in message and quote >= 0:
        while quote > 0 and line[quote - 1] == line[quote]:
            quote -= 1  # to the start of a triple quote
        return _bad_character(line, line[quote], quote)
    stack: list[Token] = []
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


def _join(line: str, first: Token, last: Token, kind: str) -> Token:
    return Token(kind, line[first.col : last.end], first.col, last.end)


def _join_operators(line: str, tokens: list[Token]) -> list[Token]:
    """Adjacent ``<>=!`` operators as one token, so ``=>`` is reported as written."""
    out: list[Token] = []
    for tok in tokens:
        prev = out[-1] if out else None
        compare = set(tok.text) <= set("<>=!") and tok.kind == "op"
        joins = prev is not None and prev.kind == "op" and prev.end == tok.col
        if compare and joins and prev is not None and set(prev.text) <= set("<>=!"):
            out[-1] = _join(line, prev, tok, "op")
            continue
        out.append(tok)
    return out


def _join_thousands(line: str, tokens: list[Token]) -> list[Token]:
    """``5,000,000`` (no spaces, groups of three) as one number: a column is never a number."""
    out: list[Token] = []
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


def top_level(tokens: Sequence[Token]) -> Iterator[tuple[int, Token, int]]:
    """``(index, token, depth)``: depth counts the brackets the token is inside."""
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.text in _OPENERS.values():
            depth -= 1
        yield index, tok, depth
        if tok.text in _OPENERS:
            depth += 1


@dataclass
class Cursor:
    """Reads one predicate's (or the flags') tokens; ``stop`` is the token after them."""

    line: str
    tokens: list[Token]
    stop: Token | None
    pos: int = 0

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def peek(self) -> Token | None:
        return None if self.at_end() else self.tokens[self.pos]

    def take(self, what: str) -> Token:
        """The next token; at the end, an error saying ``what`` was expected."""
        if self.at_end():
            raise self.error(self.stop, f"expected {what}")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def rest(self) -> list[Token]:
        rest, self.pos = self.tokens[self.pos :], len(self.tokens)
        return rest

    def error(self, tok: Token | None, message: str, fix: str = "") -> ExpectationSyntaxError:
        if tok is None:
            col = len(self.line.rstrip()) + 1
            return ExpectationSyntaxError(message, token=None, column=col, line=self.line, fix=fix)
        return ExpectationSyntaxError(
            message, token=tok.text, column=tok.col + 1, line=self.line, fix=fix
        )


def skip_group(cur: Cursor) -> Token:
    """Move past a bracket group starting at the next token; return its closing token."""
    depth = 0
    while True:  # the tokenizer has checked that every bracket is closed
        tok = cur.take("a closing bracket")
        depth += (tok.text in _OPENERS) - (tok.text in _OPENERS.values())
        if not depth:
            return tok


# -- literals -------------------------------------------------------------------------------------


def literal_eval(cur: Cursor, tok: Token, text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as exc:
        reason = getattr(exc, "msg", "") or "not a literal"
        raise cur.error(tok, f"not a valid literal ({reason})") from None


def read_number(cur: Cursor, what: str) -> tuple[Token, int | float]:
    tok = cur.take(what)
    if tok.kind == "op" and tok.text in "+-" and (nxt := cur.peek()) and nxt.kind == "number":
        tok = _join(cur.line, tok, cur.take(what), "number")  # -5 is reported as written
    if tok.kind != "number":
        raise cur.error(tok, f"expected {what}")
    value = literal_eval(cur, tok, tok.text.replace(",", ""))
    if isinstance(value, complex) or not math.isfinite(value):
        raise cur.error(tok, "expected a finite real number")
    return tok, value


def read_value_set(cur: Cursor, op: Token) -> list[Any]:
    opener = cur.take(f'a set after "{op.text}", e.g. {{"A", "B"}}')
    if opener.text not in ("{", "["):
        raise cur.error(opener, f'expected a set after "{op.text}", e.g. {{"A", "B"}}')
    cur.pos -= 1
    src = cur.line[opener.col : skip_group(cur).end]
    try:
        node = pyast.parse_expression(src).body
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


def _set_element(cur: Cursor, opener: Token, element: ast.expr) -> Any:
    try:
        value = ast.literal_eval(element)
    except ValueError:
        value = ...
    if value is ... or not isinstance(value, str | int | float | bool | type(None)):
        text = ast.get_source_segment(cur.line[opener.col :], element) or "?"
        col = opener.col + element.col_offset
        tok = Token("value", text, col, col + len(text))
        raise cur.error(tok, "a set holds quoted strings, numbers, True, False or None")
    return value
