"""Where a deployment's workers get the release from: pull steps, entrypoint, job variables.

Pure: builds the Prefect deployment fields as data. Four sources:

- ``local`` (default): the worker shares this machine's files (the embedded ``process`` pool);
  it runs the release folder in place.
- ``git``: the release folder is committed and pushed with the project (``promote --commit``);
  the worker clones the repository (:data:`GIT_CLONE_STEP`: Prefect's ``git_clone`` with
  messages that say what to do) and runs ``pipelines/NAME/VERSION/flow.py`` from the clone.
- ``storage``: promotion uploads the release folder to ``STORAGE_URL/NAME/VERSION`` (any fsspec
  URL: ``s3://``, ``gs://``, ``az://``, ``file://``); the worker pulls it
  (``pull_from_remote_storage``).
- ``image``: the project (releases included) is baked into a container image at
  ``image_project_dir``; the worker starts that image and runs the release from it.
"""

from __future__ import annotations

import posixpath
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, Field

from jupyter_promote.errors import PromoteError

SourceKind = Literal["local", "git", "storage", "image"]
_STEPS = "prefect.deployments.steps"
#: The git source's pull step (:mod:`jupyter_promote.orchestration.pull`).
GIT_CLONE_STEP = "jupyter_promote.orchestration.pull.git_clone"


class SourceInvalid(PromoteError):
    """The configured release source lacks what it needs."""

    http_status = 422


class ReleaseSource(BaseModel):
    """How remote workers reach releases (from ``PromoteConfig``)."""

    kind: SourceKind = Field(default="local", description="local, git, storage or image.")
    git_repository: str = Field(default="", description="Clone URL of the project's repository.")
    git_branch: str = Field(default="main", description="Branch the releases are pushed to.")
    git_token_secret: str = Field(
        default="", description="Name of a Prefect Secret block holding a git access token."
    )
    storage_url: str = Field(default="", description="fsspec URL releases are uploaded under.")
    image: str = Field(default="", description="Container image holding the project.")
    image_project_dir: str = Field(
        default="/opt/project", description="Where the project lives inside the image."
    )


class DeploymentSource(BaseModel):
    """The deployment fields that say where and how a worker finds the release."""

    path: str | None = Field(description="Local folder of the flow (local source only).")
    entrypoint: str = Field(description="FILE:FUNCTION, relative to the working directory.")
    pull_steps: list[dict[str, Any]] = Field(description="Prefect pull steps, in order.")
    job_variables: dict[str, Any] = Field(description="Work-pool job variables (env, image).")
    upload_to: str | None = Field(default=None, description="Where to upload the release first.")


def deployment_source(
    source: ReleaseSource,
    *,
    release_dir: str,
    release_rel: str,
    workdir_rel: str,
    local_env: dict[str, str],
    entrypoint: str,
) -> DeploymentSource:
    """The deployment fields for ``source``.

    Args:
        source: The configured source.
        release_dir: The release folder on this machine (absolute).
        release_rel: The release folder relative to the project (``pipelines/NAME/VERSION``).
        workdir_rel: The notebook's folder relative to the project (where it reads data from).
        local_env: Environment for runs on this machine (runs folder, working directory).
        entrypoint: ``flow.py:function`` inside the release folder.

    Raises:
        SourceInvalid: a git, storage or image source without its URL or image.

    Example:
        >>> d = deployment_source(ReleaseSource(kind="git", git_repository="https://h/r.git"),
        ...     release_dir="/p/pipelines/a/v1", release_rel="pipelines/a/v1",
        ...     workdir_rel="notebooks", local_env={}, entrypoint="flow.py:a")
        >>> d.entrypoint, d.job_variables
        ('pipelines/a/v1/flow.py:a', {'env': {'JUPYTER_PROMOTE_WORKDIR': 'notebooks'}})
    """
    _require(source)
    if source.kind == "git":
        clone: dict[str, Any] = {
            "id": "clone",
            "repository": source.git_repository,
            "branch": source.git_branch,
            "release": release_rel,
        }
        if source.git_token_secret:
            clone["access_token"] = "{{ prefect.blocks.secret." + source.git_token_secret + " }}"
        return DeploymentSource(
            path=None,
            entrypoint=f"{release_rel}/{entrypoint}",
            pull_steps=[
                {GIT_CLONE_STEP: clone},
                _cd("{{ clone.directory }}"),
            ],
            job_variables={"env": {"JUPYTER_PROMOTE_WORKDIR": workdir_rel}},
        )
    if source.kind == "storage":
        name, version = PurePosixPath(release_dir).parts[-2:]
        url = f"{source.storage_url.rstrip('/')}/{name}/{version}"
        return DeploymentSource(
            path=None,
            entrypoint=entrypoint,
            pull_steps=[
                {f"{_STEPS}.pull_from_remote_storage": {"id": "pull", "url": url}},
                _cd("{{ pull.directory }}"),
            ],
            job_variables={"env": {}},
            upload_to=url,
        )
    if source.kind == "image":
        root = source.image_project_dir.rstrip("/")
        return DeploymentSource(
            path=None,
            entrypoint=entrypoint,
            pull_steps=[_cd(f"{root}/{release_rel}")],
            job_variables={
                "image": source.image,
                "env": {"JUPYTER_PROMOTE_WORKDIR": posixpath.normpath(f"{root}/{workdir_rel}")},
            },
        )
    return DeploymentSource(
        path=release_dir,
        entrypoint=entrypoint,
        pull_steps=[_cd(release_dir)],
        job_variables={"env": dict(local_env)},
    )


def _cd(directory: str) -> dict[str, Any]:
    return {f"{_STEPS}.set_working_directory": {"directory": directory}}


def _require(source: ReleaseSource) -> None:
    local = "://" not in source.storage_url.replace("file://", "")
    if source.kind == "storage" and source.storage_url and local:
        raise SourceInvalid(
            f"storage_url {source.storage_url!r} is a local folder: Prefect's"
            " pull_from_remote_storage cannot pull from one",
            hint="use an object store URL (s3://, gs://, az://) with its fsspec package"
            " installed, or release_source 'local' for workers that share this folder",
        )
    needed = {"git": "git_repository", "storage": "storage_url", "image": "image"}.get(source.kind)
    if needed and not getattr(source, needed):
        raise SourceInvalid(
            f"release_source is {source.kind!r} but PromoteConfig.{needed} is empty",
            hint=f"set c.PromoteConfig.{needed} in jupyter_promote_config.py (see docs/scaling.md)",
        )
