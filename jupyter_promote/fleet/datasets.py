"""Dataset names the OpenLineage way, from what code and people write.

Paths, URLs and table names become a :class:`~.model.DatasetRef` (namespace, name) following
https://openlineage.io/docs/spec/naming, so the same data found in two notebooks, declared on a
command line or reported by another tool joins on one key:

- object stores and remote files: ``s3://bucket`` + key (``s3a``/``s3n`` are ``s3``, ``gcs`` is
  ``gs``), ``gs://``, Azure (``abfss://container@account...``), ``hdfs://host:port``,
  ``https://host`` + path;
- local files: ``file`` + the path relative to the project when inside it, absolute otherwise;
- tables: the database server as namespace (``postgres://host:5432``) and
  ``database.schema.table`` as name, or ``sql`` + the name as written when the connection is not
  known statically.

Credentials never reach a name: ``user:password@`` and query strings (presigned URLs, SAS
tokens) are dropped. Connection URLs are read by :mod:`.connections`.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath

from jupyter_promote.fleet.connections import (
    BIGQUERY,
    MEMORY,
    URL,
    connection_target,
    netloc_without_credentials,
    normal_path,
    normal_scheme,
    url_namespace,
)
from jupyter_promote.fleet.model import FILE, SQL, DatasetRef
from jupyter_promote.fleet.patterns import names_overlap

_EMBEDDED_CREDENTIALS = re.compile(r"://[^/@\s]*:[^/@\s]*@")  # in a path made of URLs
_TABLE_PREFIX = re.compile(r"^(sql|table|bigquery):(.*)$", re.IGNORECASE | re.DOTALL)
# a part of a table name: quoted, or unquoted (my-project, 2024_loans, loans_{as_of})
_IDENTIFIER_PART = r'(?:"[^"]*"|`[^`]*`|\[[^\]]*\]|[\w{][\w${}-]*)'
_DOTTED = re.compile(rf"^{_IDENTIFIER_PART}(?:\s*\.\s*{_IDENTIFIER_PART})*$")
_FILE_DATABASES = ("sqlite", "duckdb")  # their namespace holds the database file's path
# fmt: off
FILE_SUFFIXES = frozenset({
    "csv", "tsv", "txt", "dat", "parquet", "pq", "json", "jsonl", "ndjson", "xlsx", "xls", "xlsm",
    "ods", "feather", "arrow", "ipc", "orc", "avro", "pkl", "pickle", "h5", "hdf", "hdf5", "xml",
    "dta", "sas7bdat", "xpt", "sav", "zsav", "sqlite", "db", "duckdb", "gz", "bz2", "zip", "xz",
    "zst", "yaml", "yml", "md", "html", "pdf", "png", "npy", "npz",
})
# fmt: on


def dataset_from_path(
    text: str, *, base: PurePosixPath | None = None, project: PurePosixPath | None = None
) -> DatasetRef:
    """The dataset at a path or URL, as code or a person wrote it.

    Args:
        text: A URL (``s3://bucket/key``, ``file:///abs/x.csv``...) or a local path.
        base: The folder relative paths start from (the notebook's folder, project-relative).
        project: The project's folder: local paths inside it are named relative to it.

    Returns:
        The dataset; ``{...}`` placeholders in the path are kept as given.

    Example:
        >>> dataset_from_path("s3a://AK:secret@lake/loans/{as_of}.parquet?versionId=3").key
        's3://lake/loans/{as_of}.parquet'
        >>> dataset_from_path("../data/./loans.csv", base=PurePosixPath("nbs")).key
        'file:data/loans.csv'
        >>> dataset_from_path("/srv/proj/out/x.csv", project=PurePosixPath("/srv/proj")).key
        'file:out/x.csv'
    """
    text = text.strip()
    url = URL.match(text)
    if url is None or _TABLE_PREFIX.match(text):
        return DatasetRef(FILE, local_name(text, base=base, project=project))
    scheme, netloc, path = url.group(1).lower(), url.group(2), url.group(3)
    return _from_url(text, normal_scheme(scheme), netloc, path, project)


def local_name(
    path: str, *, base: PurePosixPath | None = None, project: PurePosixPath | None = None
) -> str:
    """A local path as the ``file`` namespace names it: resolved against ``base``, normalised
    (``./``, ``..``, ``//``), relative to ``project`` when inside it.

    >>> local_name("a//b/../c.csv", base=PurePosixPath("nb"))
    'nb/a/c.csv'
    >>> local_name("../../up.csv", base=PurePosixPath("nb"), project=PurePosixPath("/p"))
    '/up.csv'
    """
    path = scrub(path.strip().replace("\\", "/"))
    if base is not None and not path.startswith(("/", "~")):
        path = posixpath.join(str(base), path)
    name = normal_path(path)
    if project is not None:
        name = _relative_to(name, normal_path(str(project)))
    return name


def _relative_to(name: str, project: str) -> str:
    if not name.startswith("/"):
        if name != ".." and not name.startswith("../"):
            return name
        name = normal_path(posixpath.join(project, name))  # above the project: name it absolutely
    if name == project:
        return "."
    root = project.rstrip("/") + "/"
    inside = name.startswith(root) and project.startswith("/")
    return normal_path(name[len(root) :]) if inside else name


def _from_url(
    text: str, scheme: str, netloc: str, path: str, project: PurePosixPath | None
) -> DatasetRef:
    if scheme == "file" and netloc_without_credentials(scheme, netloc) in ("", "localhost"):
        return DatasetRef(FILE, local_name(path or "/", project=project))
    if scheme in _FILE_DATABASES:
        return _file_database(text, scheme, netloc + path)
    netloc = netloc_without_credentials(scheme, netloc)
    if not netloc:  # no authority (s3:///bucket/key): the first segment is the authority
        netloc, _, path = path.strip("/").partition("/")
        netloc = netloc_without_credentials(scheme, netloc)
        if not netloc.strip():
            return DatasetRef(FILE, local_name(text))
    return DatasetRef(url_namespace(scheme, netloc), _trim(scrub(path)))


def scrub(text: str) -> str:
    """``text`` without the ``user:password@`` of URLs inside it (a path glued from URLs).

    >>> scrub("out/s3://AKIA:s3cret@lake/x")
    'out/s3://lake/x'
    """
    while True:  # "://a:b@c:d@" hides a second one behind the first
        tidy = _EMBEDDED_CREDENTIALS.sub("://", text)
        if tidy == text:
            return text
        text = tidy


def _file_database(text: str, scheme: str, rest: str) -> DatasetRef:
    """``sqlite:///data/app.db/loans`` -> (``sqlite:///data/app.db``, ``loans``)."""
    database, _, table = rest.rpartition("/") if "/" in rest.lstrip("/") else (rest, "", "")
    database = normal_path(database[1:] if database.startswith("/") else database)
    if database in (".", "/", ":memory:"):
        return DatasetRef(FILE, local_name(text))
    return DatasetRef(f"{scheme}:///{database}", _trim(table))


def _trim(name: str) -> str:
    """Without outer whitespace and slashes (``/dir/`` -> ``dir``)."""
    while True:
        tidy = name.strip().strip("/")
        if tidy == name:
            return name
        name = tidy


def dataset_from_table(table: str, *, connection: str | None = None) -> DatasetRef:
    """The dataset of a SQL table, named from the connection it is read or written through.

    Args:
        table: ``table``, ``schema.table`` or ``db.schema.table``; unquoted identifiers are
            lowercased, quoted ones (``"Risk"``) kept as written.
        connection: The connection URL (SQLAlchemy style) or libpq DSN when known; its
            database (and default schema) complete a name that lacks them. Credentials are
            never kept.

    Returns:
        ``(postgres://host:5432, risk.schema.table)`` and the like; ``(sql, schema.table)``
        without a connection, or with an in-memory one.

    Example:
        >>> dataset_from_table("Loans.Book", connection="postgresql+psycopg://u:p@db:5432/risk").key
        'postgres://db:5432/risk.loans.book'
        >>> dataset_from_table('"Risk".Loans').key
        'sql:Risk.loans'
    """
    parts = identifier_parts(table)
    namespace, prefix = connection_target(connection) if connection else (SQL, [])
    if namespace in (SQL, MEMORY):
        return DatasetRef(SQL, scrub(".".join(parts)).strip())
    missing = len(prefix) + 1 - len(parts)
    if missing > 0:
        parts = [*prefix[:missing], *parts]
    return DatasetRef(namespace, _trim(scrub(".".join(parts))))  # as a URL's path would be


def identifier_parts(table: str) -> list[str]:
    """The dot-separated parts of a table name: unquoted ones lowercased, quotes removed.

    >>> identifier_parts('Risk."My.Table"')
    ['risk', 'My.Table']
    """
    parts: list[str] = []
    current, quoted, closing = "", False, ""
    for ch in table.strip():
        if closing:
            if ch == closing:
                closing = ""
            else:
                current += ch
        elif ch in '"`[':
            closing, quoted = {'"': '"', "`": "`", "[": "]"}[ch], True
        elif ch == ".":
            parts.append(current if quoted else current.strip().lower())
            current, quoted = "", False
        else:
            current += ch
    parts.append(current if quoted else current.strip().lower())
    return parts


def parse_dataset(text: str) -> DatasetRef:
    """The dataset a person names on a command line, in ``--reads``/``--writes`` or an API.

    Accepts a URL, ``file:PATH``, a bare path (it holds ``/`` or ends in a file extension),
    ``sql:NAME`` (kept exactly), ``table:NAME`` (normalised as :func:`dataset_from_table`
    does), ``bigquery:project.dataset.table``, or a bare dotted name (a table). It is the
    exact inverse of :attr:`DatasetRef.key` for every dataset this module makes.

    Raises:
        ValueError: ``text`` is empty.

    Example:
        >>> [parse_dataset(t).key for t in ("risk.loans", "data/x.csv", "loans.csv")]
        ['sql:risk.loans', 'file:data/x.csv', 'file:loans.csv']
        >>> parse_dataset("postgres://db:5432/risk.public.loans")
        DatasetRef(namespace='postgres://db:5432', name='risk.public.loans')
    """
    text = text.strip()
    if not text:
        raise ValueError("name a dataset: a path, a URL or a table such as sql:schema.table")
    table = _TABLE_PREFIX.match(text)  # before URLs: sql://x is the table "//x", no URL
    if table:
        kind, rest = table.group(1).lower(), table.group(2).strip()
        if kind == "table":
            return dataset_from_table(rest)
        return DatasetRef(SQL if kind == "sql" else BIGQUERY, scrub(rest))
    if URL.match(text):
        return dataset_from_path(text)
    if text[:5].lower() == "file:":
        return DatasetRef(FILE, local_name(text[5:]))
    if is_table_name(text):
        return dataset_from_table(text)
    return DatasetRef(FILE, local_name(text))


def is_table_name(text: str) -> bool:
    """Whether ``text`` is a (dotted, maybe quoted) table name, not a path or a sentence.

    >>> is_table_name('risk."Loans 2026"'), is_table_name("loans_{as_of}"), is_table_name("a b")
    (True, True, False)
    """
    return bool(_DOTTED.match(text.strip())) and not looks_like_path(text)


def looks_like_path(text: str) -> bool:
    """Whether ``text`` reads as a file path rather than a table name.

    >>> looks_like_path("out/x"), looks_like_path("loans.csv.gz"), looks_like_path("risk.loans")
    (True, True, False)
    """
    if "/" in text or "\\" in text or text.startswith((".", "~")):
        return True
    return any(part.lower() in FILE_SUFFIXES for part in text.split(".")[1:])


def matches(a: DatasetRef, b: DatasetRef) -> bool:
    """Whether ``a`` and ``b`` can be the same data: equal, or equal once each ``{...}``
    placeholder (in either name) stands for any run of characters without ``/``.

    Example:
        >>> csv = lambda name: DatasetRef("file", name)
        >>> matches(csv("loans_{as_of}.csv"), csv("loans_2026-11-01.csv"))
        True
        >>> matches(csv("loans_{as_of}.csv"), csv("loans_{date}.csv"))
        True
        >>> matches(csv("loans_{as_of}.csv"), csv("loans/2026.csv"))
        False
    """
    if a == b:
        return True
    if a.namespace != b.namespace or ("{" not in a.name and "{" not in b.name):
        return False
    return names_overlap(a.name, b.name)
