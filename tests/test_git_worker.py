"""Releases that travel: ``release_source = "git"`` end to end on the session's real Prefect
server. The project is a git repository whose remote is a bare repository (a file URL); a
process worker runs in another, empty folder as another host would (its own working directory,
HOME and environment, no jupyter-promote settings, no access to the project folder), clones the
release, reads its data by relative path from the clone and passes its gates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runcli import promote

from nbbuild import make_nb, write_nb

pytestmark = pytest.mark.prefect

POOL = "remote-host-pool"
NOTEBOOK = (
    ("setup", "import pandas as pd"),
    ("step:load", "raw = pd.read_csv('data/loans.csv')"),
    ("step:clean", "loans_clean = raw.dropna()\nprint('release', RELEASE_MARK)"),
)


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "ana", "GIT_AUTHOR_EMAIL": "ana@bank.example",
           "GIT_COMMITTER_NAME": "ana", "GIT_COMMITTER_EMAIL": "ana@bank.example"}  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def write_notebook(project: Path, mark: str) -> Path:
    from jupyter_promote.expectations import add_expectations, parse_expect_line

    cells = [*NOTEBOOK[:2], (NOTEBOOK[2][0], NOTEBOOK[2][1].replace("RELEASE_MARK", repr(mark)))]
    nb = make_nb(*cells)
    variable, configs = parse_expect_line("loans_clean: amount between 0 and 100, loan_id unique")
    add_expectations(nb, "clean", variable, configs)
    return Path(write_nb(project / "loans.ipynb", nb))


@pytest.fixture(scope="module")
def repos(tmp_path_factory):
    """A bare "remote" and a project cloned from it holding the notebook and its data."""
    base = tmp_path_factory.mktemp("git-source")
    remote, project = base / "remote.git", base / "project"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(remote), cwd=base)
    git("clone", "--quiet", remote.as_uri(), str(project), cwd=base)
    (project / "data").mkdir()
    (project / "data" / "loans.csv").write_text("loan_id,amount\n1,10.0\n2,20.5\n3,50.0\n")
    config = {"release_source": "git", "git_repository": remote.as_uri(), "git_branch": "main",
              "work_pool": POOL}  # fmt: skip
    (project / "jupyter_promote_config.json").write_text(json.dumps({"PromoteConfig": config}))
    write_notebook(project, "v1")
    git("add", ".", cwd=project)
    git("commit", "--quiet", "-m", "loans notebook and data", cwd=project)
    git("push", "--quiet", "origin", "HEAD:main", cwd=project)
    return remote, project


@pytest.fixture(scope="module")
def remote_worker(prefect_server, tmp_path_factory):
    """A process worker for POOL started in an empty folder with an environment of its own."""
    from jupyter_promote.orchestration.processes import log_tail

    host = tmp_path_factory.mktemp("other-host")
    (host / "work").mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(host),
        "LANG": "C.UTF-8",
        "PREFECT_API_URL": prefect_server.api_url,
        "PREFECT_HOME": str(host / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
    }
    log = host / "worker.log"
    prefect = Path(sys.executable).with_name("prefect")
    command = [str(prefect), "worker", "start", "--pool", POOL, "--type", "process"]
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [*command, "--name", "other-host"], cwd=host / "work", env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_online(prefect_server, worker, log)
        yield host
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
        if worker.returncode not in (0, -signal.SIGTERM, 143):
            print(log_tail(str(log), 40))


def wait_online(prefect_server, worker, log: Path, timeout: float = 120) -> None:
    """Until the worker has created POOL and sent its first heartbeat."""
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    from jupyter_promote.orchestration.processes import log_tail

    deadline = time.monotonic() + timeout
    with prefect_server.client() as client:
        while time.monotonic() < deadline and worker.poll() is None:
            try:
                if client.read_workers_for_work_pool(POOL):
                    return
            except (ObjectNotFound, PrefectHTTPStatusError):
                pass
            time.sleep(1)
    raise AssertionError(f"the worker did not come online:\n{log_tail(str(log), 40)}")


def promote_git(prefect_server, project: Path, name: str, *extra: str):
    return promote(
        "promote", str(project / "loans.ipynb"), "--name", name, "--owner", "ana",
        "--schedule", "0 6 1 1 *", "--no-dry-run", "--json", "--project-dir", str(project),
        *extra, env=prefect_server.env, cwd=project,
    )  # fmt: skip


def run_scheduled_now(prefect_server, name: str, timeout: float = 240):
    """A scheduled run of the deployment, due now; its final state (the flow run)."""
    from prefect.states import Scheduled

    with prefect_server.client() as client:
        deployment = client.read_deployment_by_name(f"{name}/{name}")
        run = client.create_flow_run_from_deployment(deployment.id, state=Scheduled())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = client.read_flow_run(run.id)
            if found.state and found.state.is_final():
                return found
            time.sleep(1)
    raise AssertionError(f"the run of {name} did not end within {timeout} s: {found.state}")


def executed_notebooks(host: Path, name: str) -> list[Path]:
    return sorted((host / "jupyter-promote-runs" / name).glob("*.ipynb"))


def test_promote_commit_pushes_and_a_worker_elsewhere_runs_the_release(
    prefect_server, repos, remote_worker
):
    remote, project = repos
    result = promote_git(prefect_server, project, "travel", "--commit")
    assert result.returncode == 0, result.stderr
    version = json.loads(result.stdout)["version"]
    release = f"pipelines/travel/{version}"
    on_branch = git("ls-tree", "-r", "--name-only", "main", cwd=remote)
    assert f"{release}/flow.py" in on_branch and f"{release}/notebook.ipynb" in on_branch
    assert "pipelines/travel/CURRENT" in on_branch  # the deployment is recorded in git too
    assert git("status", "--porcelain", "pipelines", cwd=project) == ""

    run = run_scheduled_now(prefect_server, "travel")
    assert run.state.type.value == "COMPLETED", run.state.message
    notebooks = executed_notebooks(remote_worker, "travel")
    assert notebooks, "the worker kept no executed notebook"
    text = notebooks[-1].read_text()
    assert "release v1" in text  # it ran the step reading data/loans.csv from the clone
    assert not (project / "runs").exists()  # nothing was written into the project folder
    from test_run import quality_artifacts

    artifacts = quality_artifacts(prefect_server, run.id)
    table = json.loads(artifacts["travel-data-quality"].data)
    assert [(r["expectation"], r["success"]) for r in table] == [
        ("amount between 0 and 100", True), ("loan_id unique", True),
    ]  # fmt: skip
    assert "travel-executed-notebook" in artifacts


def test_rollback_moves_the_worker_back_to_the_older_release(prefect_server, repos, remote_worker):
    _, project = repos
    first = json.loads(promote_git(prefect_server, project, "travel", "--commit").stdout)
    write_notebook(project, "v2")
    second = promote_git(prefect_server, project, "travel", "--commit")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["version"] != first["version"]
    back = promote("rollback", "travel", "--project-dir", str(project), env=prefect_server.env)
    assert back.returncode == 0, back.stderr
    with prefect_server.client() as client:
        deployment = client.read_deployment_by_name("travel/travel")
    assert deployment.entrypoint.startswith(f"pipelines/travel/{first['version']}/")
    before = len(executed_notebooks(remote_worker, "travel"))
    run = run_scheduled_now(prefect_server, "travel")
    assert run.state.type.value == "COMPLETED", run.state.message
    notebooks = executed_notebooks(remote_worker, "travel")
    assert len(notebooks) == before + 1
    newest = max(notebooks, key=lambda p: p.stat().st_mtime)
    assert "release v1" in newest.read_text() and "release v2" not in newest.read_text()


def test_a_release_not_on_the_branch_is_refused_at_promote_time(prefect_server, repos):
    _, project = repos
    write_notebook(project, "unpushed")
    result = promote_git(prefect_server, project, "unpushed")
    assert result.returncode == 1
    assert "branch 'main' of file://" in result.stderr and "does not hold pipelines/unpushed/" in (
        result.stderr
    )
    assert "--commit" in result.stderr and "deployment is unchanged" in result.stderr
    with prefect_server.client() as client:
        names = [d.name for d in client.read_deployments()]
    assert "unpushed" not in names


def test_an_unreachable_repository_fails_the_pull_step_saying_what_to_do(
    prefect_server, tmp_path, remote_worker
):
    missing = (tmp_path / "gone.git").as_uri()
    config = {"release_source": "git", "git_repository": missing, "git_branch": "prod",
              "work_pool": POOL}  # fmt: skip
    (tmp_path / "jupyter_promote_config.json").write_text(json.dumps({"PromoteConfig": config}))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "loans.csv").write_text("loan_id,amount\n1,10.0\n")
    write_notebook(tmp_path, "lost")
    promoted = promote_git(prefect_server, tmp_path, "lost")
    assert promoted.returncode == 0, promoted.stderr  # cannot be checked from here: allowed
    run = run_scheduled_now(prefect_server, "lost")
    assert run.state.type.value in ("FAILED", "CRASHED")
    message = run.state.message or ""
    assert f"could not clone branch 'prod' of {missing}" in message
    assert "Check that this worker reaches the repository" in message


def test_commit_is_refused_without_the_git_source(prefect_server, tmp_path):
    write_notebook(tmp_path, "x")
    local = promote_git(prefect_server, tmp_path, "not-git", "--commit")
    assert local.returncode == 1
    assert "--commit is for the git release source" in local.stderr
    assert "release_source = 'git'" in local.stderr
