"""The tables (and files) a SQL text reads and writes, parsed with sqlglot.

Reads are every table the statements reference, minus the names of their CTEs and minus
what they write. Writes are the targets of ``INSERT INTO``, ``CREATE TABLE``/``VIEW`` (``AS``),
``MERGE INTO``, ``UPDATE``, ``DELETE FROM``, ``SELECT ... INTO`` and ``COPY ... FROM``.
DuckDB's files count too: ``FROM 'data/x.parquet'``, ``read_csv('x.csv')`` and
``COPY (...) TO 'out.parquet'``. The text is tried in the default dialect, then DuckDB,
PostgreSQL, Snowflake, BigQuery, T-SQL, MySQL and Spark; text that none of them parses as SQL
statements gives nothing. Names keep the ``{...}`` placeholders (and parameter markers) of the
text they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import sqlglot
from sqlglot import exp

from jupyter_promote.fleet.connections import URL
from jupyter_promote.fleet.datasets import looks_like_path

if TYPE_CHECKING:  # sqlglot 30 names its base node Expr; older releases only have Expression
    from sqlglot.expressions import Expr as Node

DIALECTS = (None, "duckdb", "postgres", "snowflake", "bigquery", "tsql", "mysql", "spark")
MAX_CHARS = 100_000
_PLACEHOLDER = re.compile(r"\x02[^\x03]*\x03|\{[^{}]*\}")
_WRITING = (exp.Insert, exp.Create, exp.Update, exp.Delete, exp.Merge)
_STATEMENTS = (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Copy)


@dataclass(frozen=True)
class SqlName:
    """A table (``schema.table``, quoted parts in double quotes) or a file path in SQL."""

    kind: Literal["table", "file"]
    text: str


@dataclass
class SqlUses:
    """What SQL statements read and write, each name once, in order of appearance."""

    reads: list[SqlName] = field(default_factory=list)
    writes: list[SqlName] = field(default_factory=list)


def sql_uses(text: str) -> SqlUses | None:
    """What ``text`` reads and writes, or ``None`` when it is not SQL statements.

    Example:
        >>> uses = sql_uses("WITH recent AS (SELECT * FROM risk.loans) INSERT INTO risk.scores "
        ...                 "SELECT * FROM recent JOIN ref.grades g ON true")
        >>> [n.text for n in uses.reads], [n.text for n in uses.writes]
        (['risk.loans', 'ref.grades'], ['risk.scores'])
        >>> sql_uses("a > 1") is None
        True
    """
    if not text.strip() or len(text) > MAX_CHARS:
        return None
    protected, tokens = _protect(text)
    statements = _parse(protected)
    if not statements:
        return None
    uses = SqlUses()
    for statement in statements:
        _add(uses, statement)
    uses.reads = [_restore(n, tokens) for n in dict.fromkeys(uses.reads) if n not in uses.writes]
    uses.writes = [_restore(n, tokens) for n in dict.fromkeys(uses.writes)]
    return uses


def _protect(text: str) -> tuple[str, dict[str, str]]:
    """Placeholders become identifier-safe tokens (``{as_of}`` is no SQL)."""
    tokens: dict[str, str] = {}

    def swap(found: re.Match[str]) -> str:
        token = f"jpph{len(tokens)}x"
        tokens[token] = found.group()
        return token

    return _PLACEHOLDER.sub(swap, text), tokens


def _restore(name: SqlName, tokens: dict[str, str]) -> SqlName:
    text = name.text
    for token, original in tokens.items():
        text = text.replace(token, original)
    return SqlName(name.kind, text)


def _parse(text: str) -> list[Node]:
    """The statements of the first dialect that parses ``text`` into SQL statements only."""
    for dialect in DIALECTS:
        try:
            parsed = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
            statements: list[Node] = [s for s in parsed if isinstance(s, _STATEMENTS)]
        except Exception:  # sqlglot raises several error types (and RecursionError) on non-SQL
            continue
        if parsed and len(statements) == len(parsed):
            return statements
    return []


def _add(uses: SqlUses, statement: Node) -> None:
    if isinstance(statement, exp.Create) and str(statement.args.get("kind")).upper() not in (
        "TABLE",
        "VIEW",
    ):
        return  # CREATE INDEX, FUNCTION, SCHEMA...: no dataset written
    targets = _targets(statement)
    uses.writes += [n for n in (_table_name(t) for t in targets) if n]
    files = [f for f in (_literal(e) for e in statement.args.get("files") or []) if f]
    copy_from = isinstance(statement, exp.Copy) and bool(statement.args.get("kind"))
    (uses.reads if copy_from else uses.writes).extend(SqlName("file", f) for f in files)
    ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
    for table in sorted(statement.find_all(exp.Table), key=_position):
        if any(table is t for t in targets):
            continue
        name = _read_name(table, ctes)
        if name:
            uses.reads.append(name)


def _position(table: exp.Table) -> int:
    """Where the table's name starts in the text (sqlglot keeps it), for source order."""
    start = table.this.meta.get("start") if isinstance(table.this, exp.Expression) else None
    return start if isinstance(start, int) else 0


def _targets(statement: Node) -> list[exp.Table]:
    """The tables a statement writes."""
    target: Node | None = None
    copy_from = isinstance(statement, exp.Copy) and statement.args.get("kind")  # COPY t FROM
    if copy_from or isinstance(statement, _WRITING):
        target = statement.this
    elif isinstance(statement, exp.Select) and isinstance(statement.args.get("into"), exp.Into):
        target = statement.args["into"].this
    if isinstance(target, exp.Schema):  # INSERT INTO t (a, b) / CREATE TABLE t (a int)
        target = target.this
    return [target] if isinstance(target, exp.Table) else []


def _read_name(table: exp.Table, ctes: set[str]) -> SqlName | None:
    if not isinstance(table.this, exp.Identifier):  # a table function: read_csv('x.csv')
        found = [_literal(e) for e in table.this.find_all(exp.Literal)] if table.this else []
        return next((SqlName("file", f) for f in found if f), None)
    if table.this.quoted and not table.args.get("db") and _is_file(table.name):
        return SqlName("file", table.name)  # DuckDB: FROM 'data/x.parquet'
    if not table.args.get("db") and table.name.lower() in ctes:
        return None
    return _table_name(table)


def _table_name(table: exp.Table) -> SqlName | None:
    """``catalog.db.table`` as written, quoted parts in double quotes."""
    parts = []
    for key in ("catalog", "db", "this"):
        part = table.args.get(key)
        if part is None:
            continue
        if not isinstance(part, exp.Identifier):
            return None
        parts.append(f'"{part.this}"' if part.quoted else str(part.this))
    if isinstance(table.this, exp.Identifier) and table.this.quoted and _is_file(table.name):
        return SqlName("file", table.name)
    return SqlName("table", ".".join(parts)) if parts else None


def _literal(node: Node) -> str | None:
    """The path a string literal holds, when it looks like one."""
    if isinstance(node, exp.Literal) and node.is_string and _is_file(node.this):
        return str(node.this)
    return None


def _is_file(text: str) -> bool:
    return bool(URL.match(text)) or looks_like_path(text) or "*" in text
