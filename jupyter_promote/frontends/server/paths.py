"""Server-relative paths: resolve a contents-API path under the root, refuse anything outside."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from jupyter_promote.errors import NotebookNotFound, PromoteError


class PathOutsideRoot(PromoteError):
    """A path that is absolute, climbs out with ``..``, or leads out through a symlink."""

    http_status = 400


def resolve_in_root(root: str | Path, path: str, *, must_exist: bool = True) -> Path:
    """The file a server-relative, ``/``-separated path names, refusing anything outside ``root``.

    Args:
        root: The contents manager's root directory.
        path: As the contents API names files (``"folder/loans.ipynb"``).
        must_exist: Raise :class:`NotebookNotFound` when the file is missing.

    Raises:
        PathOutsideRoot: absolute, with ``..`` parts, or a symlink resolving outside the root.
        NotebookNotFound: the file does not exist.

    Example:
        >>> resolve_in_root("/srv", "../etc/passwd", must_exist=False)
        Traceback (most recent call last):
        ...
        jupyter_promote.frontends.server.paths.PathOutsideRoot: "../etc/passwd" is outside ...
    """
    base = Path(root).resolve()
    relative = PurePosixPath(path.replace("\\", "/"))
    if not path.strip() or relative.is_absolute() or ".." in relative.parts:
        raise _outside(path, base)
    resolved = base.joinpath(*relative.parts).resolve()
    if resolved != base and base not in resolved.parents:
        raise _outside(path, base)
    if must_exist and not resolved.is_file():
        raise NotebookNotFound(
            f'notebook "{path}" does not exist under the server root',
            hint="give the path as the file browser shows it (relative to the server root)",
            details={"path": path},
        )
    return resolved


def server_relative(root: str | Path, path: str | Path) -> str:
    """``path`` relative to the root, ``/``-separated, when inside it; else unchanged.

    >>> server_relative("/srv", "/srv/pipelines/a/RUNBOOK.md"), server_relative("/srv", "/tmp/x")
    ('pipelines/a/RUNBOOK.md', '/tmp/x')
    """
    try:
        return Path(path).relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def _outside(path: str, base: Path) -> PathOutsideRoot:
    return PathOutsideRoot(
        f'"{path}" is outside the server root',
        hint="give a path relative to the server root, without .. or a leading /",
        details={"path": path},
    )
