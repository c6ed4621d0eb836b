"""Scaling out on a real Prefect server: a kubernetes-type pool gets git pull steps, a
local-only release is refused for it, and a storage source really runs on the process worker."""

from __future__ import annotations

import contextlib
import json
import shutil

import pytest
from runcli import ROOT, promote

pytestmark = pytest.mark.prefect


def project(tmp_path, name, **config):
    shutil.copy(ROOT / "example_notebooks" / "loans.ipynb", tmp_path / f"{name}.ipynb")
    if config:
        text = json.dumps({"PromoteConfig": config})
        (tmp_path / "jupyter_promote_config.json").write_text(text)
    return tmp_path / f"{name}.ipynb"


def promote_to(server, path, tmp_path, name, *extra):
    return promote(
        "promote", str(path), "--name", name, "--owner", "ana", "--schedule", "0 6 1 1 *",
        "--no-dry-run", "--json", "--project-dir", str(tmp_path), *extra, env=server.env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def kubernetes_pool(prefect_server):
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with prefect_server.client() as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name="k8s-test", type="kubernetes"))
    return "k8s-test"


def test_kubernetes_pool_gets_git_pull_steps_and_job_variables(
    prefect_server, tmp_path, kubernetes_pool
):
    repo = "https://git.example/risk/loans-project.git"
    path = project(tmp_path, "k8s", release_source="git", git_repository=repo, git_branch="prod")
    result = promote_to(prefect_server, path, tmp_path, "on-k8s", "--work-pool", kubernetes_pool)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    with prefect_server.client() as client:
        d = client.read_deployment_by_name("on-k8s/on-k8s")
    assert d.work_pool_name == "k8s-test"
    assert d.pull_steps == [
        {
            "jupyter_promote.orchestration.pull.git_clone": {
                "id": "clone", "repository": repo, "branch": "prod",
                "release": f"pipelines/on-k8s/{out['version']}",
            }
        },
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ clone.directory }}"}},
    ]  # fmt: skip
    assert d.entrypoint == f"pipelines/on-k8s/{out['version']}/flow.py:on_k8s"
    assert d.job_variables == {"env": {"JUPYTER_PROMOTE_WORKDIR": "."}}
    assert str(tmp_path) not in json.dumps(d.job_variables)  # no path of this machine leaks


def test_local_release_on_a_kubernetes_pool_is_refused(prefect_server, tmp_path, kubernetes_pool):
    path = project(tmp_path, "local-k8s")
    result = promote_to(prefect_server, path, tmp_path, "local-k8s", "--work-pool", "k8s-test")
    assert result.returncode == 1
    assert "work pool 'k8s-test' is a kubernetes pool" in result.stderr
    assert "release_source" in result.stderr
    assert not (tmp_path / "pipelines").exists()
    missing = promote_to(prefect_server, path, tmp_path, "local-k8s", "--work-pool", "nowhere")
    assert "work pool 'nowhere' does not exist" in missing.stderr


def test_storage_source_uploads_the_release_and_pulls_it(prefect_server, tmp_path, monkeypatch):
    import fsspec

    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.services.promote import promote as promote_notebook

    path = project(tmp_path, "stored")
    for key, value in prefect_server.env.items():
        monkeypatch.setenv(key, value)
    config = PromoteConfig(
        project_dir=str(tmp_path), release_source="storage", storage_url="memory://releases"
    )
    given = {"name": "stored", "owner": "ana", "schedule": "0 6 1 1 *"}
    result = promote_notebook(path, given, config, dry_run=False)
    fs = fsspec.filesystem("memory")
    uploaded = {p.rsplit("/", 1)[-1] for p in fs.find(f"/releases/stored/{result.version}")}
    assert {"flow.py", "notebook.ipynb", "manifest.yaml", "RUNBOOK.md"} <= uploaded
    with prefect_server.client() as client:
        d = client.read_deployment_by_name("stored/stored")
    url = f"memory://releases/stored/{result.version}"
    assert d.pull_steps[0] == {
        "prefect.deployments.steps.pull_from_remote_storage": {"id": "pull", "url": url}
    }
    assert d.entrypoint == "flow.py:stored" and d.path is None


def test_a_local_folder_as_storage_is_refused(prefect_server, tmp_path):
    path = project(tmp_path, "folder", release_source="storage", storage_url="file:///srv/rel")
    result = promote_to(prefect_server, path, tmp_path, "folder")
    assert result.returncode == 1
    assert "storage_url 'file:///srv/rel' is a local folder" in result.stderr
