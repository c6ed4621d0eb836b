"""Which calls read or write data, and which argument names it.

Calls are recognised by the function's or method's *name*, whatever the receiver, since
pandas, polars, pyarrow and duckdb are imported under any alias and DataFrames have any name:
``read_csv``, ``to_parquet``, ``read_sql``, ``to_sql``, ``execute``... Spark's reader and
writer methods (``csv``, ``parquet``, ``save``...) count only on a ``.read``/``.write`` chain;
``open(path, mode)`` and ``Path(...).read_text()``/``write_text()``/``open()`` count too.
Database connections are recognised where they are opened (``create_engine(url)``,
``sqlite3.connect(path)``, ``duckdb.connect()``, ``psycopg.connect(dsn)``...).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from jupyter_promote.fleet.connections import MEMORY
from jupyter_promote.fleet.model import Direction
from jupyter_promote.fleet.values import Scope, qualified, resolve, resolve_str

Kind = Literal["path", "table", "sql", "sql_or_table"]
_READ_KW = ("filepath_or_buffer", "path", "io", "path_or_buf", "source", "file", "paths")
_WRITE_KW = ("path_or_buf", "path", "excel_writer", "file", "target", "path_or_buffer")
# fmt: off
PATH_READS = frozenset({
    "read_csv", "read_parquet", "read_json", "read_excel", "read_feather", "read_orc",
    "read_pickle", "read_table", "read_fwf", "read_xml", "read_hdf", "read_stata", "read_sas",
    "read_spss", "read_ipc", "read_ndjson", "read_avro", "read_delta", "scan_csv", "scan_parquet",
    "scan_ipc", "scan_ndjson", "scan_delta", "read_csv_auto",
})
PATH_WRITES = frozenset({
    "to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_orc", "to_pickle", "to_hdf",
    "to_xml", "to_stata", "write_csv", "write_parquet", "write_ipc", "write_ndjson", "write_json",
    "write_excel", "write_avro", "write_delta", "sink_parquet", "sink_csv", "sink_ipc",
    "sink_ndjson", "ExcelWriter",
})
# fmt: on
# name -> (direction, kind, (position, keywords) of the target, (position, keywords) of con)
_DATABASE: dict[str, tuple[Direction, Kind, int, tuple[str, ...], int, tuple[str, ...]]] = {
    "read_sql": ("read", "sql_or_table", 0, ("sql",), 1, ("con",)),
    "read_sql_query": ("read", "sql", 0, ("sql",), 1, ("con",)),
    "read_sql_table": ("read", "table", 0, ("table_name",), 1, ("con",)),
    "to_sql": ("write", "table", 0, ("name",), 1, ("con",)),
    "read_database": ("read", "sql_or_table", 0, ("query",), 1, ("connection",)),
    "read_database_uri": ("read", "sql_or_table", 0, ("query",), 1, ("uri",)),
    "write_database": ("write", "table", 0, ("table_name",), 1, ("connection",)),
}
_SECOND_ARG_WRITES = {
    "write_table": "where",
    "write_to_dataset": "root_path",
    "write_dataset": "base_dir",
}
SQL_RUNNERS = frozenset(
    {"execute", "executescript", "executemany", "exec_driver_sql", "sql", "query"}
)
_SQL_KW = ("sql", "query", "statement", "sql_script", "operation")
_SPARK_FORMATS = frozenset(
    {"csv", "parquet", "json", "orc", "text", "avro", "delta", "load", "save"}
)
_FILE_DB_MODULES = {"sqlite3": "sqlite", "duckdb": "duckdb"}
_SERVER_MODULES = {"psycopg": "postgres", "psycopg2": "postgres", "pg8000": "postgres",
                   "pymysql": "mysql", "MySQLdb": "mysql", "mysql.connector": "mysql"}  # fmt: skip
_PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"})
_PROPAGATE = frozenset({"connect", "begin", "cursor", "raw_connection", "execution_options"})


@dataclass(frozen=True)
class IoCall:
    """One read or write a call makes: what it names (``target``) and through what."""

    direction: Direction
    kind: Kind
    target: ast.expr
    label: str
    connection: ast.expr | None = None
    schema: ast.expr | None = None


def argument(call: ast.Call, position: int, keywords: tuple[str, ...]) -> ast.expr | None:
    """The argument at ``position`` (when no ``*args`` comes first) or under a keyword."""
    before = call.args[: position + 1]
    if len(call.args) > position and not any(isinstance(a, ast.Starred) for a in before):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg in keywords), None)


def io_calls(call: ast.Call, scope: Scope) -> list[IoCall]:
    """The reads and writes ``call`` makes, if it is one of the calls this module knows."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else qualified(func, scope.imports)
    name = name.rsplit(".", 1)[-1]
    label = label_of(func)
    if name in PATH_READS or name in PATH_WRITES:
        direction: Direction = "read" if name in PATH_READS else "write"
        target = argument(call, 0, _READ_KW if direction == "read" else _WRITE_KW)
        return [IoCall(direction, "path", target, label)] if target else []
    if name in _SECOND_ARG_WRITES:
        target = argument(call, 1, (_SECOND_ARG_WRITES[name],))
        return [IoCall("write", "path", target, label)] if target else []
    if name in _DATABASE:
        direction, kind, at, keys, con_at, con_keys = _DATABASE[name]
        target, con = argument(call, at, keys), argument(call, con_at, con_keys)
        schema = argument(call, 2, ("schema",)) if kind == "table" else None
        return [IoCall(direction, kind, target, label, con, schema)] if target else []
    if isinstance(func, ast.Attribute):
        return _method_calls(call, func, name, label, scope)
    return _builtin_calls(call, name, label, scope)


def _method_calls(
    call: ast.Call, func: ast.Attribute, name: str, label: str, scope: Scope
) -> list[IoCall]:
    chain = _chain(func.value)
    target: ast.expr | None
    if name in _SPARK_FORMATS | {"table"} and chain & {"read", "readStream"}:
        kind: Kind = "table" if name == "table" else "path"
        target = argument(call, 0, ("path", "paths", "tableName"))
        return [IoCall("read", kind, target, label)] if target else []
    if name in _SPARK_FORMATS and chain & {"write", "writeStream"}:
        target = argument(call, 0, ("path",))
        return [IoCall("write", "path", target, label)] if target else []
    if name in ("saveAsTable", "insertInto", "writeTo") or (name == "table" and chain == {"spark"}):
        target = argument(call, 0, ("name", "tableName", "table"))
        direction: Direction = "read" if name == "table" else "write"
        return [IoCall(direction, "table", target, label)] if target else []
    if name in SQL_RUNNERS:
        target = argument(call, 0, _SQL_KW)
        return [IoCall("read", "sql", target, label, func.value)] if target else []
    if name == "dataset" and (
        qualified(func, scope.imports).startswith("pyarrow") or chain == {"ds"}
    ):
        target = argument(call, 0, ("source",))
        return [IoCall("read", "path", target, label)] if target else []
    if name in _PATH_METHODS:  # Path(...).write_text(...), Path(...).open("w")
        writes = name.startswith("write") or (name == "open" and _opens_for_writing(call, 0, scope))
        return [IoCall("write" if writes else "read", "path", func.value, label)]
    return []


def _builtin_calls(call: ast.Call, name: str, label: str, scope: Scope) -> list[IoCall]:
    origin = qualified(call.func, scope.imports)
    if name in SQL_RUNNERS and origin.startswith("duckdb."):  # from duckdb import sql
        target = argument(call, 0, _SQL_KW)
        con = ast.Name(id="duckdb", ctx=ast.Load())
        return [IoCall("read", "sql", target, label, con)] if target else []
    if origin in ("open", "io.open", "builtins.open") and call.args:
        writes = _opens_for_writing(call, 1, scope)
        return [IoCall("write" if writes else "read", "path", call.args[0], label)]
    return []


def _opens_for_writing(call: ast.Call, position: int, scope: Scope) -> bool:
    mode = argument(call, position, ("mode",))
    text = "r" if mode is None else resolve_str(mode, scope) or "r"
    return any(flag in text for flag in "wax+")


def _chain(node: ast.expr) -> set[str]:
    """The names along a receiver chain: ``spark.read.format("csv").option(...)`` ->
    {spark, read, format, option}."""
    names: set[str] = set()
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            node = node.func
            continue
        names.add(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def label_of(func: ast.expr) -> str:
    """How a call is shown: its source (``pd.read_csv``), shortened when long
    (``spark.read.format("csv").load`` -> ``spark….load``)."""
    text = ast.unparse(func)
    if len(text) <= 40:
        return text
    head = func
    while isinstance(head, ast.Attribute | ast.Call):
        head = head.func if isinstance(head, ast.Call) else head.value
    start = head.id if isinstance(head, ast.Name) else "…"
    return f"{start}….{func.attr}" if isinstance(func, ast.Attribute) else text[:40] + "…"


def opened_connection(call: ast.Call, scope: Scope) -> str | None:
    """The connection URL a call opens (:data:`MEMORY` for an in-memory database), if any.

    >>> from jupyter_promote.fleet.values import Scope
    >>> call = ast.parse("sqlite3.connect('data/app.db')", mode="eval").body
    >>> opened_connection(call, Scope(imports={"sqlite3": "sqlite3"}))
    'sqlite:///data/app.db'
    """
    origin = qualified(call.func, scope.imports)
    module, _, name = origin.rpartition(".")
    first = argument(call, 0, ("url", "database", "dsn", "conninfo", "conn_string"))
    text = resolve_str(first, scope) if first is not None else None
    if name in ("create_engine", "create_async_engine"):
        return text
    if name != "connect":
        return None
    if module in _FILE_DB_MODULES:
        if text is None and first is not None:
            return None
        if not text or text.startswith(":memory:"):
            return MEMORY
        return text if "://" in text else f"{_FILE_DB_MODULES[module]}:///{text}"
    if module in _SERVER_MODULES:
        return text if text else _from_keywords(call, _SERVER_MODULES[module], scope)
    return text if text and "://" in text else None


def _from_keywords(call: ast.Call, scheme: str, scope: Scope) -> str | None:
    """``psycopg.connect(host="db", dbname="risk")`` -> ``postgres://db/risk``."""
    values = {k.arg: resolve(k.value, scope) for k in call.keywords if k.arg}
    given = {k: str(v) for k, v in values.items() if v is not None}
    host, port = given.get("host"), given.get("port")
    database = given.get("dbname") or given.get("database") or given.get("db") or ""
    if not host:
        return None
    return f"{scheme}://{host}{':' + port if port else ''}/{database}"


def connection_of(node: ast.expr, scope: Scope) -> str | None:
    """The connection URL an expression stands for: a name bound to an opened connection,
    ``engine.connect()``/``.cursor()``/``.begin()`` on one, an opening call, or a URL string."""
    if isinstance(node, ast.Name):
        if node.id in scope.connections:
            return scope.connections[node.id]
        if scope.imports.get(node.id) == "duckdb":  # duckdb.sql(...): the default database
            return MEMORY
    if isinstance(node, ast.Call):
        opened = opened_connection(node, scope)
        if opened is not None:
            return opened
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _PROPAGATE:
            return connection_of(func.value, scope)
        return None
    text = resolve_str(node, scope)
    return text if text and "://" in text else None
