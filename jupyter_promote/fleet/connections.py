"""Where a database connection points, as an OpenLineage namespace, without its credentials.

A SQLAlchemy URL (``postgresql+psycopg://user:pw@db:5432/risk``) or a libpq DSN
(``host=db dbname=risk``) names the server (the namespace, ``postgres://db:5432``) and the
database and default schema that complete a table name written without them. SQLite and
DuckDB files are named by their path (``sqlite:///data/app.db``); in-memory databases are
:data:`MEMORY`: their tables are gone when the run ends, so they are nobody's dataset.
"""

from __future__ import annotations

import posixpath
import re

from jupyter_promote.fleet.model import SQL

MEMORY = "memory"  # the namespace of in-memory databases (never a dataset)
BIGQUERY = "bigquery"
_SCHEMES = {
    "s3a": "s3", "s3n": "s3", "gcs": "gs", "postgresql": "postgres", "psycopg": "postgres",
    "psycopg2": "postgres", "pgsql": "postgres", "mariadb": "mysql", "sqlserver": "mssql",
}  # fmt: skip
_AZURE = frozenset({"az", "abfs", "abfss", "wasb", "wasbs", "adl"})  # user part = container
_PORTS = {"postgres": 5432, "mysql": 3306, "mssql": 1433, "redshift": 5439}
_SCHEMAS = {"postgres": "public", "mssql": "dbo", "redshift": "public", "snowflake": "public"}
# scheme, authority, path; a query (?...) is dropped: it holds tokens and passwords. A "#"
# stays part of the name (SQL Server's #temp tables, file names), no fragment is assumed.
URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?]*)([^?]*)", re.DOTALL)
_DSN_ITEM = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")


def normal_scheme(scheme: str) -> str:
    """The OpenLineage scheme for a URL scheme: driver suffixes dropped, aliases unified.

    >>> normal_scheme("postgresql+psycopg"), normal_scheme("s3a"), normal_scheme("GCS")
    ('postgres', 's3', 'gs')
    """
    scheme = scheme.lower().split("+", 1)[0]
    return _SCHEMES.get(scheme, scheme)


def netloc_without_credentials(scheme: str, netloc: str) -> str:
    """``user:password@host`` -> ``host``; Azure's ``container@account`` is kept.

    >>> netloc_without_credentials("s3", "AKIA:s3cr3t@lake")
    'lake'
    >>> netloc_without_credentials("abfss", "raw@acct.dfs.core.windows.net")
    'raw@acct.dfs.core.windows.net'
    """
    user, at, host = netloc.rpartition("@")
    if not at or (scheme in _AZURE and ":" not in user):
        return netloc
    return host


def normal_path(path: str) -> str:
    """``posixpath.normpath``, with one leading slash at most and no outer whitespace.

    >>> normal_path("//a/./b/../c/ "), normal_path("")
    ('/a/c', '.')
    """
    for _ in range(4):  # stripping may expose a trailing slash, normalising a trailing space
        tidy = re.sub(r"^/+", "/", posixpath.normpath(path.strip() or ".")).strip()
        if tidy == path:
            break
        path = tidy
    return path


def url_namespace(scheme: str, host: str) -> str:
    """``scheme://host``, with the default port of the database servers that have one.

    >>> url_namespace("postgres", "db"), url_namespace("s3", "lake")
    ('postgres://db:5432', 's3://lake')
    """
    if scheme == "snowflake":
        host = host.lower().removesuffix(".snowflakecomputing.com")
    elif scheme in _PORTS and host and not re.search(r":\d+$", host):
        host = f"{host}:{_PORTS[scheme]}"
    return f"{scheme}://{host}"


def connection_target(connection: str) -> tuple[str, list[str]]:
    """The namespace of a connection and the name parts it implies (database, schema).

    Args:
        connection: A SQLAlchemy-style URL, a libpq DSN, or anything else (then unknown).

    Returns:
        ``(namespace, prefix)``: ``prefix`` completes a table name lacking leading parts.
        :data:`MEMORY` for in-memory databases, ``sql`` when the connection is not understood.

    Example:
        >>> connection_target("postgresql+psycopg://ana:pw@db/risk?sslmode=require")
        ('postgres://db:5432', ['risk', 'public'])
        >>> connection_target("host=db port=5433 dbname=Risk user=ana password=pw")
        ('postgres://db:5433', ['risk', 'public'])
        >>> connection_target("sqlite://")
        ('memory', [])
    """
    text = connection.strip()
    url = URL.match(text)
    if url is None:
        dsn = dict((k.lower(), v.strip("'")) for k, v in _DSN_ITEM.findall(text))
        if "host" in dsn or "dbname" in dsn:
            port = f":{dsn['port']}" if dsn.get("port") else ""
            return connection_target(
                f"postgres://{dsn.get('host', '')}{port}/{dsn.get('dbname', '')}"
            )
        return SQL, []
    scheme = normal_scheme(url.group(1))
    if scheme in ("sqlite", "duckdb"):
        return _file_database(scheme, url.group(2) + url.group(3))
    host = netloc_without_credentials(scheme, url.group(2))
    parts = [p.lower() for p in url.group(3).split("/") if p.strip()]
    if scheme == BIGQUERY:
        return BIGQUERY, [host.lower(), *parts][:2]
    if not host.strip():  # a local server (libpq's default) or nothing known
        if scheme not in _PORTS:
            return SQL, []
        host = "localhost"
    if len(parts) == 1 and scheme in _SCHEMAS:
        parts.append(_SCHEMAS[scheme])
    return url_namespace(scheme, host), parts


def _file_database(scheme: str, rest: str) -> tuple[str, list[str]]:
    """``sqlite:///rel.db`` / ``sqlite:////abs.db`` (SQLAlchemy's slashes) -> its namespace."""
    path = rest[1:] if rest.startswith("/") else rest
    database = normal_path(path)
    if database in (".", "/") or database.startswith(":memory:"):
        return MEMORY, []
    return f"{scheme}:///{database}", []
