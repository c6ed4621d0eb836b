"""Configuration spine: one traitlets ``Configurable`` shared by the CLI, the magics and the
server extension.

Values come, in increasing priority, from the defaults below, a ``jupyter_promote_config.py`` or
``.json`` in the Jupyter config path or the project folder (``c.PromoteConfig.work_pool = ...``),
and ``JUPYTER_PROMOTE_*`` environment variables (the CLI's own flags win over all of them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from traitlets import Enum, Float, Int, Unicode, default
from traitlets.config import Configurable

if TYPE_CHECKING:
    from jupyter_promote.release.sources import ReleaseSource

DEFAULT_WORK_POOL = "jupyter-promote"


class PromoteConfig(Configurable):
    """Where jupyter-promote keeps its state and which Prefect it talks to."""

    project_dir = Unicode(
        help="The project folder: state, runs and releases are kept under it. "
        "Default: the current directory."
    ).tag(config=True)

    state_dir = Unicode(
        help="Folder of the embedded Prefect stack (PREFECT_HOME, SQLite database, logs, pids)."
        " Default: <project_dir>/.jupyter-promote"
    ).tag(config=True)

    runs_dir = Unicode(
        help="Folder where each run's executed notebook is kept. Default: <project_dir>/runs"
        " (visible, so JupyterLab opens them; the state folder is hidden)"
    ).tag(config=True)

    pipelines_dir = Unicode(
        help="Folder of promoted releases (git-friendly). Default: <project_dir>/pipelines"
    ).tag(config=True)

    prefect_api_url = Unicode(
        help="URL of an existing Prefect API (e.g. http://prefect.internal:4200/api). Empty: "
        "use PREFECT_API_URL, else the embedded stack started by `jupyter promote up`."
    ).tag(config=True)

    work_pool = Unicode(
        DEFAULT_WORK_POOL, help="Prefect work pool that runs promoted deployments."
    ).tag(config=True)

    release_source = Enum(
        ["local", "git", "storage", "image"],
        "local",
        help="How workers get releases: 'local' (they share this machine's files, as the"
        " embedded process pool does), 'git' (clone git_repository), 'storage' (upload to and"
        " pull from storage_url) or 'image' (the project is baked into `image`). docs/scaling.md",
    ).tag(config=True)

    git_repository = Unicode(help="Clone URL of the project's repository (git source).").tag(
        config=True
    )
    git_branch = Unicode("main", help="Branch that releases are pushed to (git source).").tag(
        config=True
    )
    git_token_secret = Unicode(
        help="Name of a Prefect Secret block with a git access token (private repositories)."
    ).tag(config=True)
    storage_url = Unicode(
        help="fsspec URL releases are uploaded under, e.g. s3://bucket/releases (storage source)."
    ).tag(config=True)
    image = Unicode(help="Container image with the project inside (image source).").tag(config=True)
    image_project_dir = Unicode(
        "/opt/project", help="Where the project folder is inside the image (image source)."
    ).tag(config=True)

    server_port = Int(4200, help="Preferred port of the embedded Prefect server.").tag(config=True)

    startup_timeout = Float(
        60.0, help="Seconds to wait for the embedded Prefect server to answer its health check."
    ).tag(config=True)

    database_url = Unicode(
        help="PostgreSQL database of a team's embedded stack, e.g. postgresql://prefect@db/team"
        " (password in PGPASSWORD or ~/.pgpass): `jupyter promote up` runs Prefect's server on"
        " it and the fleet catalog keeps its tables there (schema jupyter_promote). Empty:"
        " SQLite in state_dir, or the database of the running stack (`up --database`)."
        " Environment: JUPYTER_PROMOTE_DATABASE_URL."
    ).tag(config=True)
    local_run_limit = Int(
        0,
        help="Flow runs at once on the embedded SQLite stack's work pool (more queue): SQLite"
        " locks under many concurrent runs. 0: what this machine carries (one per CPU, at most"
        " one per 1 GB of memory). Not applied on PostgreSQL.",
    ).tag(config=True)

    catalog_url = Unicode(
        help="SQLAlchemy URL of the fleet catalog (lineage, owners, reads, notices, incidents):"
        " e.g. postgresql+psycopg://host/db for a team. Default: SQLite in state_dir."
        " Environment: JUPYTER_PROMOTE_CATALOG_URL."
    ).tag(config=True)
    stale_days = Int(
        30, help="Days without a read of its outputs after which a pipeline nobody uses is stale."
    ).tag(config=True)

    @default("catalog_url")
    def _default_catalog_url(self) -> str:
        env = os.environ.get("JUPYTER_PROMOTE_CATALOG_URL")
        if env:
            return env
        if self.database_url:
            from jupyter_promote.util.database import TeamDatabase

            return TeamDatabase.parse(self.database_url).catalog_url
        return f"sqlite:///{Path(self.state_dir).resolve() / 'catalog.db'}"

    @default("database_url")
    def _default_database_url(self) -> str:
        return os.environ.get("JUPYTER_PROMOTE_DATABASE_URL") or _recorded_database(
            Path(self.state_dir)
        )

    @default("project_dir")
    def _default_project_dir(self) -> str:
        return os.environ.get("JUPYTER_PROMOTE_PROJECT_DIR") or os.getcwd()

    @default("state_dir")
    def _default_state_dir(self) -> str:
        env = os.environ.get("JUPYTER_PROMOTE_STATE_DIR")
        return env or str(Path(self.project_dir) / ".jupyter-promote")

    @default("runs_dir")
    def _default_runs_dir(self) -> str:
        return str(Path(self.project_dir) / "runs")

    @default("pipelines_dir")
    def _default_pipelines_dir(self) -> str:
        return str(Path(self.project_dir) / "pipelines")

    @default("prefect_api_url")
    def _default_prefect_api_url(self) -> str:
        return os.environ.get("JUPYTER_PROMOTE_PREFECT_API_URL", "")

    @property
    def state_path(self) -> Path:
        """``state_dir`` as an absolute path."""
        return Path(self.state_dir).resolve()

    @property
    def project_path(self) -> Path:
        """``project_dir`` as an absolute path."""
        return Path(self.project_dir).resolve()

    @property
    def pipelines_path(self) -> Path:
        """``pipelines_dir`` as an absolute path."""
        return Path(self.pipelines_dir).resolve()

    @property
    def runs_path(self) -> Path:
        """``runs_dir`` as an absolute path."""
        return Path(self.runs_dir).resolve()


def _recorded_database(state_dir: Path) -> str:
    """The database the running embedded stack was started on (``up --database``), as
    recorded in its ``stack.json``; empty for SQLite or when nothing is recorded."""
    try:
        record = json.loads((state_dir / "stack.json").read_text())
    except (OSError, ValueError):
        return ""
    return str(record.get("database_url") or "") if isinstance(record, dict) else ""


def load_config(project_dir: str | None = None) -> PromoteConfig:
    """The configuration for a CLI or magic session: defaults, config files, environment.

    Config files named ``jupyter_promote_config.{py,json}`` are read from Jupyter's config path
    and then from the project folder (which wins).
    """
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    base = Path(project_dir or os.environ.get("JUPYTER_PROMOTE_PROJECT_DIR") or os.getcwd())
    merged = PromoteConfig().config
    for folder in [*reversed(jupyter_config_path()), str(base)]:
        for loader_class, name in (
            (JSONFileConfigLoader, "jupyter_promote_config.json"),
            (PyFileConfigLoader, "jupyter_promote_config.py"),
        ):
            if (Path(folder) / name).is_file():
                merged.merge(loader_class(name, path=folder).load_config())
    config = PromoteConfig(config=merged)
    if project_dir:
        config.project_dir = str(base)
    return config


def release_source(config: PromoteConfig) -> ReleaseSource:
    """The configured release source as the core's model."""
    from jupyter_promote.release.sources import ReleaseSource  # not at server start-up

    return ReleaseSource(
        kind=config.release_source,
        git_repository=config.git_repository,
        git_branch=config.git_branch,
        git_token_secret=config.git_token_secret,
        storage_url=config.storage_url,
        image=config.image,
        image_project_dir=config.image_project_dir,
    )
