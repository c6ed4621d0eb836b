"""Release sources (pure): the pull steps, entrypoint and job variables for each kind."""

from __future__ import annotations

import pytest

from jupyter_promote.release.sources import ReleaseSource, SourceInvalid, deployment_source

WHERE = {
    "release_dir": "/srv/project/pipelines/loans/0123456789ab",
    "release_rel": "pipelines/loans/0123456789ab",
    "workdir_rel": "notebooks",
    "local_env": {"JUPYTER_PROMOTE_RUNS_DIR": "/srv/project/runs"},
    "entrypoint": "flow.py:loans",
}
CD = "prefect.deployments.steps.set_working_directory"


def test_local_runs_the_release_folder_in_place():
    d = deployment_source(ReleaseSource(), **WHERE)
    assert d.path == WHERE["release_dir"] and d.entrypoint == "flow.py:loans"
    assert d.pull_steps == [{CD: {"directory": WHERE["release_dir"]}}]
    assert d.job_variables == {"env": WHERE["local_env"]} and d.upload_to is None


def test_git_clones_then_runs_the_release_path_inside_the_clone():
    source = ReleaseSource(
        kind="git", git_repository="https://git.example/t/p.git", git_branch="prod",
        git_token_secret="git-token",
    )  # fmt: skip
    d = deployment_source(source, **WHERE)
    assert d.pull_steps == [
        {
            "jupyter_promote.orchestration.pull.git_clone": {
                "id": "clone", "repository": "https://git.example/t/p.git", "branch": "prod",
                "release": "pipelines/loans/0123456789ab",
                "access_token": "{{ prefect.blocks.secret.git-token }}",
            }
        },
        {CD: {"directory": "{{ clone.directory }}"}},
    ]  # fmt: skip
    assert d.entrypoint == "pipelines/loans/0123456789ab/flow.py:loans" and d.path is None
    assert d.job_variables == {"env": {"JUPYTER_PROMOTE_WORKDIR": "notebooks"}}


def test_storage_uploads_then_pulls_name_and_version():
    d = deployment_source(ReleaseSource(kind="storage", storage_url="s3://bucket/rel/"), **WHERE)
    assert d.upload_to == "s3://bucket/rel/loans/0123456789ab"
    assert d.pull_steps[0] == {
        "prefect.deployments.steps.pull_from_remote_storage": {"id": "pull", "url": d.upload_to}
    }
    assert d.pull_steps[1] == {CD: {"directory": "{{ pull.directory }}"}}


def test_image_runs_from_the_project_inside_the_image():
    d = deployment_source(ReleaseSource(kind="image", image="reg.example/p:1"), **WHERE)
    assert d.job_variables == {
        "image": "reg.example/p:1",
        "env": {"JUPYTER_PROMOTE_WORKDIR": "/opt/project/notebooks"},
    }
    assert d.pull_steps == [{CD: {"directory": "/opt/project/pipelines/loans/0123456789ab"}}]
    top = deployment_source(ReleaseSource(kind="image", image="i"), **{**WHERE, "workdir_rel": "."})
    assert top.job_variables["env"]["JUPYTER_PROMOTE_WORKDIR"] == "/opt/project"


@pytest.mark.parametrize(
    ("kind", "field"), [("git", "git_repository"), ("storage", "storage_url"), ("image", "image")]
)
def test_a_source_without_its_location_is_refused(kind, field):
    with pytest.raises(SourceInvalid) as caught:
        deployment_source(ReleaseSource(kind=kind), **WHERE)
    assert f"PromoteConfig.{field} is empty" in caught.value.message


@pytest.mark.parametrize("url", ["file:///srv/releases", "/srv/releases"])
def test_a_local_folder_is_not_a_storage_url(url):
    with pytest.raises(SourceInvalid) as caught:
        deployment_source(ReleaseSource(kind="storage", storage_url=url), **WHERE)
    assert "is a local folder" in caught.value.message
