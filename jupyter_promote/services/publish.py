"""Putting a release where the deployment's workers fetch it, before the deployment moves.

Only the git release source needs it (``local`` workers share the folder, ``storage`` uploads in
:func:`jupyter_promote.orchestration.deploy.upsert`, an ``image`` is built by CI): with
``--commit`` the release folder is committed and pushed to the branch workers clone; without,
the branch must already hold it, which is checked when the repository answers from here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError
from jupyter_promote.release import git
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.store import GITIGNORE


class _Progress(Protocol):
    def event(self, step: str, state: str, message: str = "") -> None: ...


def check_commit(config: PromoteConfig) -> None:
    """Refuse ``--commit`` before anything is written when it cannot work here.

    Raises:
        PromoteError: the release source is not git.
        GitFailed: the project is not in a git repository.
    """
    if config.release_source != "git":
        raise PromoteError(
            f"--commit is for the git release source; this project's is {config.release_source!r}",
            hint="set c.PromoteConfig.release_source = 'git' and git_repository in"
            " jupyter_promote_config.py (docs/scaling.md), or promote without --commit",
        )
    if git.toplevel(config.project_path) is None:
        raise git.GitFailed(
            f"{config.project_path} is not in a git repository, so --commit cannot commit the"
            " release",
            hint="make the project a repository (git init; git remote add origin URL), or"
            " promote without --commit and commit the pipelines folder yourself",
        )


def publish(
    config: PromoteConfig,
    folder: Path,
    manifest: ReleaseManifest,
    entrypoint: str,
    commit: bool,
    author: str,
    progress: _Progress | None = None,
) -> None:
    """Make sure the branch workers clone holds the release (see the module docstring).

    Args:
        entrypoint: The deployment's ``FILE:FUNCTION``, relative to the repository's root.
        commit: Commit and push the release (``--commit``).
        author: Who commits when git has no identity configured.

    Raises:
        PromoteError, GitFailed: ``commit`` without the git source or a repository
            (:func:`check_commit`), or the commit or the push failed.
        ReleaseNotPushed: the branch does not hold the release (and ``commit`` is off).
    """
    if commit:
        check_commit(config)
    if config.release_source != "git":
        return
    repository, branch = config.git_repository, config.git_branch
    if commit:
        message = f"Release {manifest.name} {manifest.version} (jupyter promote)"
        made = git.commit(config.project_path, [folder], message, author)
        git.push(config.project_path, repository, branch)
        what = f"commit {made[:10]}" if made else "already committed"
        if progress:
            progress.event("release", "completed", f"{what}, pushed to {branch!r} of {repository}")
        return
    path = entrypoint.split(":", 1)[0]
    held = git.holds(config.project_path, repository, branch, path)
    if held is False:
        raise git.not_pushed(repository, branch, path)
    if held is None and progress:
        progress.event(
            "release",
            "completed",
            f"could not check from here that {branch!r} of {repository} holds {path}:"
            " workers will fail to clone it if it does not",
        )


def record_deployed(
    config: PromoteConfig, folder: Path, manifest: ReleaseManifest, author: str
) -> list[str]:
    """After the deployment moved: commit what records it (the manifest's deployment id, the
    pipeline's ``CURRENT`` and runbook) and push; a failure is a warning, the release is out
    already."""
    paths = [folder.parent, folder.parent.parent / GITIGNORE]
    message = f"Deploy {manifest.name} {manifest.version} (jupyter promote)"
    try:
        git.commit(config.project_path, [p for p in paths if p.exists()], message, author)
        git.push(config.project_path, config.git_repository, config.git_branch)
    except git.GitFailed as exc:
        return [f"the deployment runs {manifest.version}, but recording it in git failed: {exc}"]
    return []
