"""Atomic file writes that keep what the user set up: a reader sees the old file or the new one,
never half of one; a rewritten file keeps its permissions and owner; a symlink stays a symlink
(its target is rewritten); new files and folders get the usual ``umask`` modes, not
``tempfile``'s private 0600/0700, so a worker running as another user can read a release.

Jupyter Server's ``atomic_writing`` would do part of this, but this module serves the CLI, the
release writer and kernels, where Jupyter Server may not be installed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def default_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file (0o666 minus the umask)."""
    return 0o666 & ~_umask()


def default_dir_mode() -> int:
    """The mode ``mkdir`` would give a new folder (0o777 minus the umask)."""
    return 0o777 & ~_umask()


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    The folder is created if needed. An existing file keeps its mode (and, where the process
    may, its owner and group); a symlink is followed and its target replaced, so the link
    survives. Returns the path written (the link's target for a symlink).

    Example:
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> target = atomic_write_text(os.path.join(folder, "a.txt"), "one")
        >>> os.chmod(target, 0o640)
        >>> _ = atomic_write_text(target, "two")
        >>> oct(os.stat(target).st_mode & 0o777), target.read_text()
        ('0o640', 'two')
    """
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        before: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        before = None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_identity(tmp, before)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _copy_identity(tmp: str, before: os.stat_result | None) -> None:
    if before is None:
        os.chmod(tmp, default_file_mode())
        return
    os.chmod(tmp, stat.S_IMODE(before.st_mode))
    if hasattr(os, "chown"):
        # only root may give a file away; others keep their own ownership
        with contextlib.suppress(PermissionError):
            os.chown(tmp, before.st_uid, before.st_gid)


def open_tree(folder: str | Path) -> None:
    """Give a folder written under ``tempfile`` (0700/0600) the usual modes, recursively."""
    dir_mode, file_mode = default_dir_mode(), default_file_mode()
    for root, _dirs, files in os.walk(folder):
        os.chmod(root, dir_mode)
        for name in files:
            os.chmod(os.path.join(root, name), file_mode)
