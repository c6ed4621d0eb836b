"""The team database: one PostgreSQL URL, as each of its users needs it.

A team's embedded stack keeps Prefect's state and the fleet catalog in the same PostgreSQL
database (``jupyter promote up --database URL`` or ``c.PromoteConfig.database_url``). Prefect's
server talks to it through asyncpg, the catalog through psycopg, and the catalog's tables live in
their own schema (``jupyter_promote``), apart from Prefect's (``public``), so either side's
migrations and a database administrator's grants never mix them up.

Pure: string handling only, no driver is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from jupyter_promote.errors import PromoteError

#: The PostgreSQL schema holding the catalog's tables in a database shared with Prefect.
CATALOG_SCHEMA = "jupyter_promote"
_SCHEMES = ("postgresql", "postgres")
_DEFAULT_PORT = 5432


class DatabaseUrlInvalid(PromoteError):
    """The database URL is not a PostgreSQL URL this tool can use."""

    http_status = 422


@dataclass(frozen=True)
class TeamDatabase:
    """A PostgreSQL database given as ``postgresql://user:password@host:port/name``.

    Example:
        >>> db = TeamDatabase.parse("postgres://ana:s3cret@db.internal/prefect")
        >>> db.prefect_url
        'postgresql+asyncpg://ana:s3cret@db.internal/prefect'
        >>> db.display
        'postgresql://ana:***@db.internal:5432/prefect'
        >>> db.catalog_url.endswith("?options=-csearch_path%3Djupyter_promote")
        True
    """

    netloc: str  # user:password@host:port, as given
    path: str  # /name
    query: str  # other libpq parameters (sslmode=require), kept for both drivers
    host: str
    port: int
    user: str
    name: str

    @classmethod
    def parse(cls, url: str) -> TeamDatabase:
        """Read a PostgreSQL URL (``postgresql://``, ``postgres://`` or with a SQLAlchemy driver
        such as ``postgresql+asyncpg://``).

        Raises:
            DatabaseUrlInvalid: another kind of URL, or one without a host or database name.
        """
        parts = urlsplit(url.strip())
        scheme = parts.scheme.split("+", 1)[0]
        fix = "give one like postgresql://USER@HOST:5432/DATABASE (the password in PGPASSWORD)"
        if scheme not in _SCHEMES:
            shown = url.split("@")[-1] if "@" in url else url
            raise DatabaseUrlInvalid(
                f"the team database must be PostgreSQL, not {shown!r}",
                hint=f"{fix}; leave it empty for the embedded SQLite default",
            )
        name = parts.path.lstrip("/")
        if not parts.hostname or not name:
            raise DatabaseUrlInvalid(
                f"the database URL {_masked(parts)!r} has no "
                + ("host" if not parts.hostname else "database name"),
                hint=fix,
            )
        try:
            port = parts.port or _DEFAULT_PORT
        except ValueError:
            raise DatabaseUrlInvalid(
                f"the database URL {_masked(parts)!r} has an invalid port", hint=fix
            ) from None
        return cls(
            netloc=parts.netloc,
            path=parts.path,
            query=parts.query,
            host=parts.hostname,
            port=port,
            user=parts.username or "",
            name=name,
        )

    def _url(self, scheme: str, extra: str = "") -> str:
        query = "&".join(part for part in (self.query, extra) if part)
        return urlunsplit((scheme, self.netloc, self.path, query, ""))

    @property
    def prefect_url(self) -> str:
        """What Prefect's server wants in ``PREFECT_API_DATABASE_CONNECTION_URL`` (asyncpg)."""
        return self._url("postgresql+asyncpg")

    @property
    def catalog_url(self) -> str:
        """The catalog's SQLAlchemy URL (psycopg), its tables in the ``jupyter_promote`` schema."""
        return self._url(
            "postgresql+psycopg", "options=" + quote(f"-csearch_path={CATALOG_SCHEMA}")
        )

    @property
    def display(self) -> str:
        """The URL without its password, for ``status`` and messages."""
        password = ":***" if ":" in self.netloc.rsplit("@", 1)[0] and "@" in self.netloc else ""
        user = f"{self.user}{password}@" if self.user else ""
        return f"postgresql://{user}{self.host}:{self.port}{self.path}"


def describe(database_url: str, sqlite_path: str) -> str:
    """What ``status`` says of the database: ``PostgreSQL postgresql://u:***@h:5432/db`` or
    ``SQLite /path/prefect.db``.

    >>> describe("", "/p/.jupyter-promote/prefect/prefect.db")
    'SQLite /p/.jupyter-promote/prefect/prefect.db'
    """
    if not database_url:
        return f"SQLite {sqlite_path}"
    return f"PostgreSQL {TeamDatabase.parse(database_url).display}"


def _masked(parts: SplitResult) -> str:
    """The URL without user and password."""
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))
