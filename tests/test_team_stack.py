"""A team's stack: `jupyter promote up --database postgresql://...` runs the embedded Prefect
server on a real PostgreSQL (Debian's, started by the session's fixture), with the fleet catalog
in the same database (schema `jupyter_promote`); a promoted pipeline runs on it."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from test_stack import free_port, promote

from nbbuild import make_nb, write_nb

pytestmark = pytest.mark.prefect


@pytest.fixture(scope="module")
def team(postgres, tmp_path_factory):
    """`up --database` in a fresh project (no monitor); `down` at the end."""
    project = tmp_path_factory.mktemp("team-project")
    name = "team_stack"
    postgres.create_database(name)
    url = postgres.url(name, driver="")
    started = promote("up", "--database", url, "--project-dir", str(project), "--no-monitor",
                      timeout=300)  # fmt: skip
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        yield project, url, started.stdout
    finally:
        promote("down", "--project-dir", str(project))
        postgres.drop_database(name)


def test_up_on_postgresql_says_so_and_status_tells_which_database(team, postgres):
    project, url, out = team
    shown = f"PostgreSQL postgresql://postgres@127.0.0.1:{postgres.port}/team_stack"
    assert f"Database: {shown}" in out
    assert "Runs at once" not in out  # the SQLite self-protection is not applied
    status = promote("status", "--project-dir", str(project))
    assert status.returncode == 0, status.stderr
    assert f"database:     {shown}" in status.stdout
    recorded = json.loads((project / ".jupyter-promote" / "stack.json").read_text())
    assert recorded["database_url"] == url and recorded["run_limit"] is None


def test_a_pipeline_runs_on_it_and_the_catalog_shares_the_database(team):
    project, url, _ = team
    nb = make_nb(("step:load", "rows = [1, 2, 3]"), ("step:report", "print('total', sum(rows))"))
    write_nb(project / "team.ipynb", nb)
    promoted = promote("promote", str(project / "team.ipynb"), "--name", "team", "--owner",
                       "ana", "--no-dry-run", "--json", "--project-dir", str(project))  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    assert json.loads(promoted.stdout)["warnings"] == []
    api_url = json.loads((project / ".jupyter-promote" / "stack.json").read_text())["api_url"]
    from prefect.client.orchestration import SyncPrefectClient

    with SyncPrefectClient(api_url) as client:
        deployment = client.read_deployment_by_name("team/team")
        run = client.create_flow_run_from_deployment(deployment.id)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            run = client.read_flow_run(run.id)
            if run.state and run.state.is_final():
                break
            time.sleep(1)
    assert run.state.type.value == "COMPLETED", run.state.message
    with psycopg.connect(url) as conn:
        prefect_rows = conn.execute("SELECT name FROM public.deployment").fetchall()
        catalog_rows = conn.execute("SELECT name FROM jupyter_promote.jp_pipelines").fetchall()
    assert ("team",) in prefect_rows and ("team",) in catalog_rows
    listed = promote("ls", "--json", "--project-dir", str(project))
    assert listed.returncode == 0, listed.stderr
    assert [p["name"] for p in json.loads(listed.stdout)["pipelines"]] == ["team"]


def test_a_running_stack_does_not_move_to_another_database(team, tmp_path):
    project, _, _ = team
    other = promote("up", "--database", "postgresql://postgres@127.0.0.1:1/elsewhere",
                    "--project-dir", str(project))  # fmt: skip
    assert other.returncode == 1
    assert "already runs on PostgreSQL postgresql://postgres@127.0.0.1:" in other.stderr
    assert "jupyter promote down" in other.stderr


def test_an_unreachable_or_wrong_database_is_refused_at_once(tmp_path):
    port = free_port()
    gone = promote("up", "--database", f"postgresql://ana@127.0.0.1:{port}/team",
                   "--project-dir", str(tmp_path), timeout=60)  # fmt: skip
    assert gone.returncode == 1
    assert f"cannot reach the PostgreSQL server of postgresql://ana@127.0.0.1:{port}/team" in (
        gone.stderr
    )
    assert not (tmp_path / ".jupyter-promote" / "stack.json").exists()
    wrong = promote("up", "--database", "mysql://h/db", "--project-dir", str(tmp_path))
    assert wrong.returncode == 1 and "must be PostgreSQL" in wrong.stderr
