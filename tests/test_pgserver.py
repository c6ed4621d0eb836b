"""The real-PostgreSQL fixtures (tests/pgserver.py, conftest's `postgres` and `postgres_url`):
SQLAlchemy works against them, each test's database is its own, the server is reachable on
127.0.0.1 only, and stop() really stops it."""

from __future__ import annotations

import socket

import pgserver
import pytest
import sqlalchemy as sa


def _scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar()
    finally:
        engine.dispose()


def test_sqlalchemy_roundtrip(postgres_url):
    assert postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE runs (id serial PRIMARY KEY, name text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO runs (name) VALUES (:n)"), [{"n": "a"}, {"n": "b"}])
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, name FROM runs ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, "a"), (2, "b")]
    finally:
        engine.dispose()


def test_databases_are_isolated_and_dropped(postgres, postgres_url):
    with postgres.temporary_database("other") as other_url:
        assert other_url != postgres_url
        engine = sa.create_engine(postgres_url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("CREATE TABLE mine (x int)"))
        finally:
            engine.dispose()
        assert _scalar(other_url, "SELECT to_regclass('mine') IS NULL") is True
        assert _scalar(postgres_url, "SELECT to_regclass('mine') IS NULL") is False
        other = sa.make_url(other_url).database
    # dropped on exit
    exists = f"SELECT count(*) FROM pg_database WHERE datname = '{other}'"
    assert _scalar(postgres.url(), exists) == 0


def test_drop_ends_sessions_still_connected(postgres):
    with postgres.temporary_database("leaky") as url:
        engine = sa.create_engine(url)
        leaked = engine.connect()  # as a test that forgot to close its connection
    try:
        exists = f"SELECT count(*) FROM pg_database WHERE datname = '{sa.make_url(url).database}'"
        assert _scalar(postgres.url(), exists) == 0
    finally:
        leaked.invalidate()
        engine.dispose()


def test_listens_on_loopback_only_with_test_settings(postgres):
    url = postgres.url()
    assert _scalar(url, "SHOW listen_addresses") == "127.0.0.1"
    assert _scalar(url, "SHOW unix_socket_directories") == str(postgres.data_dir)
    assert _scalar(url, "SHOW fsync") == "off"
    assert (
        postgres.asyncpg_url("db") == f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/db"
    )


def test_stop_closes_the_port(postgres, tmp_path):
    """A second server of our own (the session's one stays up); `postgres` only lends its
    skip/fail-when-missing rule."""
    server = pgserver.start_postgres(tmp_path)
    try:
        assert server.port != postgres.port
        assert _scalar(server.url(), "SELECT 1") == 1
    finally:
        server.stop()
    assert server.process.returncode is not None
    assert not server.data_dir.exists()
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", server.port), timeout=5),
    ):
        pass
    assert "database system is shut down" in server.log_tail()
    server.stop()  # a second stop is harmless


def test_missing_binaries_say_what_to_run(monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(pgserver.glob, "glob", lambda pattern: [])
    with pytest.raises(pgserver.PostgresMissing, match="run `make postgres`"):
        pgserver.find_bin_dir()
