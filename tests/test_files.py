"""Atomic writes keep what the user set up: mode, owner, symlinks; new files and release
folders get the usual umask modes (readable by a worker running as another user)."""

from __future__ import annotations

import os
import stat

from jupyter_promote.util.files import atomic_write_text, open_tree


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_rewrite_keeps_the_files_mode(tmp_path):
    target = tmp_path / "nb.ipynb"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o640
    os.chmod(target, 0o604)
    atomic_write_text(target, "newer")
    assert mode(target) == 0o604


def test_a_symlink_stays_a_symlink_and_its_target_is_rewritten(tmp_path):
    real = tmp_path / "real" / "nb.ipynb"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "nb.ipynb"
    link.symlink_to(real)
    written = atomic_write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert written == real and real.read_text() == "new"


def test_a_new_file_gets_the_umask_mode_not_a_private_one(tmp_path):
    old = os.umask(0o022)
    try:
        created = atomic_write_text(tmp_path / "sub" / "new.txt", "x")
    finally:
        os.umask(old)
    assert mode(created) == 0o644  # tempfile alone would leave 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    try:
        atomic_write_text(target, "new")
    except OSError as exc:
        assert exc.errno == 28
    else:
        raise AssertionError("the failed write was not reported")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_open_tree_gives_a_release_folder_the_usual_modes(tmp_path):
    folder = tmp_path / "release"
    (folder / "expectations").mkdir(parents=True)
    (folder / "expectations" / "a.json").write_text("{}")
    os.chmod(folder, 0o700)
    os.chmod(folder / "expectations" / "a.json", 0o600)
    old = os.umask(0o022)
    try:
        open_tree(folder)
    finally:
        os.umask(old)
    assert mode(folder) == 0o755 and mode(folder / "expectations") == 0o755
    assert mode(folder / "expectations" / "a.json") == 0o644
