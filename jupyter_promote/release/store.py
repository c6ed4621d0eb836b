"""Releases on disk: finding and reading them, the CURRENT pointer, and the pipeline lock.

Releases are immutable, content-addressed folders under the project's pipelines folder:
``pipelines/NAME/VERSION/`` holds what a promotion produced (the files and the VERSION hash are
described in :mod:`~jupyter_promote.release.version`, the manifest in
:mod:`~jupyter_promote.release.manifest`; :mod:`~jupyter_promote.release.writer` writes them).
``NAME/CURRENT`` names the release the deployment runs (moved by promotion and rollback), and
:func:`pipeline_lock` serialises promotions of one pipeline across processes.
"""

from __future__ import annotations

import fcntl
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from pydantic import ValidationError

from jupyter_promote.errors import PromoteError
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.version import MANIFEST, VERSION_LENGTH
from jupyter_promote.util.files import atomic_write_text

CURRENT = "CURRENT"
GITIGNORE = ".gitignore"
_VERSION = re.compile(rf"^[0-9a-f]{{{VERSION_LENGTH}}}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ReleaseError(PromoteError):
    """A release folder cannot be written or read."""

    http_status = 422


class ReleaseBusy(ReleaseError):
    """Another promotion of the same pipeline holds its lock."""

    http_status = 409


class ReleaseNotFound(ReleaseError):
    """No release of that pipeline has that version."""

    http_status = 404


# -- paths and the lock ---------------------------------------------------------------------------


def _pipeline_dir(pipelines_dir: str | Path, name: str) -> Path:
    if not _SAFE_NAME.match(name):
        raise ReleaseError(
            f"{name!r} cannot name a pipeline folder",
            hint="use a lowercase slug: letters, digits, - and _",
        )
    return Path(pipelines_dir) / name


def release_dir(pipelines_dir: str | Path, name: str, version: str) -> Path:
    """``pipelines_dir/NAME/VERSION`` (whether or not it exists)."""
    return _pipeline_dir(pipelines_dir, name) / version


@contextmanager
def pipeline_lock(pipelines_dir: str | Path, name: str, timeout: float = 30) -> Iterator[None]:
    """Hold the pipeline's lock (``NAME/.lock``) while promoting or rolling it back.

    Works across threads and processes on one machine (``flock``); not re-entrant.

    Raises:
        ReleaseBusy: the lock was not free within ``timeout`` seconds.

    Example:
        >>> import tempfile
        >>> with pipeline_lock(tempfile.mkdtemp(), "sales"):
        ...     pass
    """
    folder = _pipeline_dir(pipelines_dir, name)
    folder.mkdir(parents=True, exist_ok=True)
    ignore = Path(pipelines_dir) / GITIGNORE
    if not ignore.exists():  # the locks are this machine's, never committed with the releases
        atomic_write_text(ignore, ".lock\n")
    with open(folder / ".lock", "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ReleaseBusy(
                        f"another promotion of {name} is in progress",
                        hint="try again when it has finished",
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- reading --------------------------------------------------------------------------------------


#: PyYAML's safe loader in C when libyaml is there (10x faster: a fleet reads 1,000 manifests).
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_manifest(folder: Path) -> ReleaseManifest:
    """The manifest of the release in ``folder``.

    Raises:
        ReleaseError: ``manifest.yaml`` is missing, not YAML, or not a valid manifest.
    """
    path = folder / MANIFEST
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        return ReleaseManifest.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ReleaseError(
            f"cannot read {path}: {str(exc).splitlines()[0]}",
            hint="restore the release folder from version control; releases are not edited",
        ) from None


def list_releases(pipelines_dir: str | Path, name: str) -> list[ReleaseManifest]:
    """Every release of a pipeline, oldest promotion first (empty when none)."""
    folder = _pipeline_dir(pipelines_dir, name)
    if not folder.is_dir():
        return []
    found = [
        read_manifest(child)
        for child in folder.iterdir()
        if _VERSION.match(child.name) and (child / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda m: (m.promoted_datetime, m.version))


def read_release(pipelines_dir: str | Path, name: str, version: str) -> ReleaseManifest:
    """The manifest of one release.

    Raises:
        ReleaseNotFound: no such version; the hint lists the known ones.
    """
    folder = release_dir(pipelines_dir, name, version)
    if _VERSION.match(version) and (folder / MANIFEST).is_file():
        return read_manifest(folder)
    known = [m.version for m in list_releases(pipelines_dir, name)]
    hint = f"known versions: {', '.join(known)}" if known else f"{name} has no releases yet"
    raise ReleaseNotFound(
        f"{name} has no release {version!r}",
        hint=hint,
        details={"pipeline": name, "version": version, "known_versions": known},
    )


def current_release(pipelines_dir: str | Path, name: str) -> ReleaseManifest | None:
    """The release the deployment runs: the one ``NAME/CURRENT`` names, else the newest
    deployed one, else None.

    Raises:
        ReleaseNotFound: ``CURRENT`` names a version that does not exist.
    """
    pointer = _pipeline_dir(pipelines_dir, name) / CURRENT
    if pointer.is_file():
        return read_release(pipelines_dir, name, pointer.read_text(encoding="utf-8").strip())
    deployed = [m for m in list_releases(pipelines_dir, name) if m.deployed]
    return deployed[-1] if deployed else None


def set_current(pipelines_dir: str | Path, name: str, version: str) -> ReleaseManifest:
    """Point ``NAME/CURRENT`` at an existing release (atomically).

    Raises:
        ReleaseNotFound: no such version.
    """
    manifest = read_release(pipelines_dir, name, version)
    atomic_write_text(_pipeline_dir(pipelines_dir, name) / CURRENT, version + "\n")
    return manifest
