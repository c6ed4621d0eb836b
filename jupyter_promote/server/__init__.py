"""The Jupyter Server extension: REST routes under ``{base_url}jupyter-promote/api/``.

Enabled by ``jupyter-config/server-config/jupyter_promote.json``. Configure the project through
the server's config, e.g. ``c.PromoteConfig.project_dir = "/srv/project"`` (default: the
server's root directory) or ``c.PromoteConfig.prefect_api_url = "http://prefect:4200/api"``.
Loading imports the tornado handler classes only: the pydantic models of the JSON contract,
the expectation grammar, Prefect, Great Expectations and kernels are imported when a request
needs them (the start-up budget is 100 ms, DESIGN.md section 7).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.server.jobs import JobManager


@dataclass
class ExtensionState:
    """What the handlers share: the project's configuration and the job manager."""

    config: PromoteConfig
    jobs: JobManager


def make_config(serverapp: Any) -> PromoteConfig:
    """The project's config from the server's (``c.PromoteConfig...``); the project folder
    defaults to the server's root directory (``JUPYTER_PROMOTE_PROJECT_DIR`` still wins)."""
    config = PromoteConfig(parent=serverapp)
    configured = "PromoteConfig" in serverapp.config and (
        "project_dir" in serverapp.config.PromoteConfig
    )
    if not configured and not os.environ.get("JUPYTER_PROMOTE_PROJECT_DIR"):
        config.project_dir = str(serverapp.contents_manager.root_dir)
    return config


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the routes and the shared state on the server's web application."""
    from jupyter_server.utils import url_path_join

    from jupyter_promote.server.handlers import API_PREFIX, ROUTES, route_pattern

    state = ExtensionState(config=make_config(serverapp), jobs=JobManager(max_workers=2))
    web_app = serverapp.web_app
    web_app.settings["jupyter_promote"] = state
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, API_PREFIX, route_pattern(template)), handler, kwargs)
            for template, handler, kwargs in ROUTES
        ],
    )
    serverapp.log.info(
        "jupyter-promote: REST API at %s%s (project %s)",
        base_url,
        API_PREFIX,
        state.config.project_path,
    )
