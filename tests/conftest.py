"""Shared fixtures: isolated Jupyter/IPython/Prefect state, one real local Prefect server
for the session (started through our own `stack.up`, as `jupyter promote up` does), and one
real throwaway PostgreSQL for the session with a fresh database per test (tests/pgserver.py)."""

from __future__ import annotations

import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

_ISOLATED = tempfile.mkdtemp(prefix="jupyter-promote-tests-")
# Set before any test imports prefect or starts a kernel: nothing touches the user's dirs.
os.environ.update(
    JUPYTER_CONFIG_DIR=os.path.join(_ISOLATED, "jupyter-config"),
    JUPYTER_RUNTIME_DIR=os.path.join(_ISOLATED, "jupyter-runtime"),
    IPYTHONDIR=os.path.join(_ISOLATED, "ipython"),
    PREFECT_HOME=os.path.join(_ISOLATED, "prefect-home"),
    PREFECT_SERVER_ANALYTICS_ENABLED="false",
    DO_NOT_TRACK="1",
)
os.environ.pop("PREFECT_API_URL", None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrefectServer:
    """The session's running Prefect server and how to reach it."""

    api_url: str
    ui_url: str
    project_dir: Path
    env: dict[str, str]
    server_log: str = ""

    def client(self):
        """A synchronous Prefect client bound to this server."""
        from prefect.client.orchestration import SyncPrefectClient

        return SyncPrefectClient(self.api_url)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """One real `prefect server start` on 127.0.0.1 (SQLite) and a process worker for the
    whole session."""
    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import stack

    project = tmp_path_factory.mktemp("prefect-project")
    config = PromoteConfig(project_dir=str(project), server_port=free_port())
    # the scheduler checks every 2 s (default 60 s) so scheduled-run tests finish quickly
    os.environ["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = "2"
    # a run waiting for a concurrency slot (pipelines run one at a time by default) is retried
    # every 2 s (default 30 s), so tests that start runs back to back do not idle
    os.environ["PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS"] = "2"
    state, _ = stack.up(config, worker=True)
    env = stack.prefect_env(config)
    os.environ.update(env)
    try:
        yield PrefectServer(state.api_url, state.ui_url, project, env, state.server_log)
    finally:
        stack.down(config)
        for key in env:
            os.environ.pop(key, None)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """One real PostgreSQL (Debian's, `make postgres`) on 127.0.0.1 for the whole session: a
    `pgserver.Postgres` (`.url(db)`, `.asyncpg_url(db)`, `.temporary_database(hint)`,
    `.log_tail()`). Without the binaries: skipped, or failed when `CI` is set (`make test`
    installs them there)."""
    from pgserver import PostgresMissing, start_postgres

    try:
        server, missing = start_postgres(tmp_path_factory.mktemp("postgres")), ""
    except PostgresMissing as exc:
        server, missing = None, str(exc)
    if server is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{missing} (CI is set: the database tests must run)", pytrace=False)
        pytest.skip(missing)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres, request):
    """The SQLAlchemy URL (psycopg 3) of a fresh empty database on the session's PostgreSQL,
    named after the test and dropped afterwards (sessions still connected are ended). For
    asyncpg: `postgres.asyncpg_url(sqlalchemy.make_url(postgres_url).database)`."""
    with postgres.temporary_database(request.node.name) as url:
        yield url


@pytest.fixture(autouse=True)
def _prefect_server_answers(request):
    """Before a test that uses the session's Prefect server: fail at once, with the tail of the
    server's log, if it stopped answering (one hung server otherwise costs every later test its
    timeouts, and CI shows only pytest's output)."""
    if "prefect_server" not in request.fixturenames:
        yield
        return
    import httpx

    from jupyter_promote.orchestration.processes import log_tail

    server = request.getfixturevalue("prefect_server")
    try:
        httpx.get(f"{server.api_url}/health", timeout=30).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(
            f"the session's Prefect server at {server.api_url} does not answer ({exc!r});"
            f" the end of its log ({server.server_log}):\n{log_tail(server.server_log, 60)}",
            pytrace=False,
        )
    yield
