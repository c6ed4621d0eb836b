"""Releases in git: commit and push a release, and check a branch holds it.

With ``release_source = "git"`` a worker clones the project's repository and runs the release
folder from it, so the release must be on the configured branch before the deployment points at
it: ``promote --commit`` commits the release folder and pushes it; without ``--commit`` the
promotion checks the branch already holds it (a CI job that committed the release itself).

Runs the ``git`` command (never asks for credentials: ``GIT_TERMINAL_PROMPT=0``); every failure
is a :class:`GitFailed` naming the repository, the branch and the fix.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from jupyter_promote.errors import PromoteError

_TIMEOUT = 60.0
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "LC_ALL": "C"}
# Who commits when git has no identity configured (a CI runner, a fresh container).
_FALLBACK_IDENTITY = ("jupyter-promote", "jupyter-promote@localhost")


class GitFailed(PromoteError):
    """A git command the promotion needs failed (not a repository, push rejected, ...)."""

    http_status = 422


class ReleaseNotPushed(PromoteError):
    """The branch workers clone does not hold the release the deployment would run."""

    http_status = 409


def toplevel(folder: Path) -> Path | None:
    """The root of the git repository ``folder`` is in, None when it is in none (or there is
    no ``git``)."""
    try:
        done = _run(["rev-parse", "--show-toplevel"], folder)
    except GitFailed:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def commit(folder: Path, paths: list[Path], message: str, author: str = "") -> str | None:
    """Commit exactly ``paths`` (files or folders; other staged changes stay staged), as the
    configured git user, else as ``author``.

    Returns:
        The new commit's id, or None when those paths had nothing to commit.

    Raises:
        GitFailed: ``folder`` is not in a git repository, or git refused.
    """
    root = toplevel(folder)
    if root is None:
        raise GitFailed(
            f"{folder} is not in a git repository, so the release cannot be committed",
            hint="make the project a repository (git init; git remote add origin URL), or"
            " promote without --commit and commit the pipelines folder yourself",
        )
    names = [str(Path(path).resolve().relative_to(root)) for path in paths]
    _check(["add", "--", *names], root, "stage the release")
    if _run(["diff", "--cached", "--quiet", "--", *names], root).returncode == 0:
        return None
    identity = [] if _configured(root) else _identity(author)
    _check([*identity, "commit", "--quiet", "-m", message, "--", *names], root, "commit")
    return _check(["rev-parse", "HEAD"], root, "read the commit").stdout.strip()


def push(folder: Path, repository: str, branch: str) -> None:
    """Push ``HEAD`` to ``branch`` of ``repository`` (a URL or a remote's name).

    Raises:
        GitFailed: the push was refused or the repository cannot be reached (git's words, with
            what to do).
    """
    done = _run(["push", "--quiet", repository, f"HEAD:refs/heads/{branch}"], folder)
    if done.returncode != 0:
        raise GitFailed(
            f"cannot push the release to branch {branch!r} of {repository}: {_last(done)}",
            hint=f"if the branch moved on, pull it (git pull --rebase {repository} {branch})"
            " and promote again; check the URL and your access otherwise. The deployment is"
            " unchanged",
        )


def holds(folder: Path, repository: str, branch: str, path: str) -> bool | None:
    """Whether the head of ``branch`` in ``repository`` has the file ``path`` (relative to the
    repository's root); None when it cannot be told from here (the repository does not answer,
    or ``folder`` is not a repository to fetch into): the worker may still reach it.

    Fetches the branch's head into ``folder``'s repository when it lacks it (no ref changes).
    """
    try:
        listed = _run(["ls-remote", repository, f"refs/heads/{branch}"], folder, timeout=20)
        if listed.returncode != 0:
            return None
        if not listed.stdout.strip():
            return False  # the repository answers and has no such branch
        head = listed.stdout.split()[0]
        root = toplevel(folder)
        if root is None:
            return None
        if _run(["cat-file", "-e", f"{head}^{{commit}}"], root).returncode != 0:
            fetch = ["fetch", "--quiet", "--no-tags", repository, f"refs/heads/{branch}"]
            if _run(fetch, root).returncode != 0:
                return None
        found = _run(["ls-tree", "--name-only", head, "--", path], root)
    except GitFailed:
        return None
    return bool(found.returncode == 0 and found.stdout.strip())


def not_pushed(repository: str, branch: str, path: str) -> ReleaseNotPushed:
    """The refusal of a deployment whose release is not on the branch workers clone."""
    return ReleaseNotPushed(
        f"branch {branch!r} of {repository} does not hold {path}: workers cloning it would not"
        " find the release",
        hint="promote with --commit (commits the release and pushes it), or commit the"
        f" pipelines folder and push it to {branch!r} first; the deployment is unchanged",
    )


def _configured(root: Path) -> bool:
    return bool(_run(["config", "user.email"], root).stdout.strip())


def _identity(author: str) -> list[str]:
    name, email = _FALLBACK_IDENTITY
    return ["-c", f"user.name={author or name}", "-c", f"user.email={email}"]


def _check(args: list[str], cwd: Path, what: str) -> subprocess.CompletedProcess[str]:
    done = _run(args, cwd)
    if done.returncode != 0:
        raise GitFailed(
            f"git could not {what} in {cwd}: {_last(done)}",
            hint="fix the repository's state (git status tells), then promote again",
        )
    return done


def _run(args: list[str], cwd: Path, timeout: float = _TIMEOUT) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **_ENV},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except FileNotFoundError:
        raise GitFailed(
            "git is not installed here", hint="install git (apt-get install git)"
        ) from None
    except subprocess.TimeoutExpired:
        raise GitFailed(
            f"`git {' '.join(args[:2])}` did not finish within {timeout:g} s",
            hint="check the network and the repository URL",
        ) from None


def _last(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()]
    return " / ".join(lines[-2:]) or f"exit code {done.returncode}"
