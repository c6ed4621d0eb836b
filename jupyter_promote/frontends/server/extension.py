"""The Jupyter Server extension app: routes, shared state, and stopping jobs on shutdown."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from jupyter_server.extension.application import ExtensionApp

from jupyter_promote.config import PromoteConfig
from jupyter_promote.frontends.server.jobs import JobManager
from jupyter_promote.frontends.server.state import STATE_KEY, ExtensionState

STOP_WAIT = 10.0  # seconds the server's shutdown waits for running jobs to reach a step's end


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


class PromoteExtension(ExtensionApp):
    """The server extension: registers the routes and the shared state, and stops the jobs when
    the server stops (queued ones are dropped, running ones end after their current step)."""

    name = "jupyter_promote"
    description = "jupyter-promote: tag, expect, promote and watch notebook pipelines"
    load_other_extensions = True

    state: ExtensionState | None = None

    def initialize_settings(self) -> None:
        self.state = ExtensionState(
            config=make_config(self.serverapp), jobs=JobManager(max_workers=2)
        )
        self.settings[STATE_KEY] = self.state

    def initialize_handlers(self) -> None:
        from jupyter_server.utils import url_path_join

        from jupyter_promote.frontends.server.handlers import API_PREFIX, ROUTES, route_pattern

        self.handlers.extend(
            (url_path_join(API_PREFIX, route_pattern(template)), handler, kwargs)
            for template, handler, kwargs in ROUTES
        )
        assert self.state is not None
        self.log.info(
            "jupyter-promote: REST API at %s%s (project %s)",
            self.serverapp.base_url if self.serverapp else "/",
            API_PREFIX,
            self.state.config.project_path,
        )

    async def stop_extension(self) -> None:
        """Called by the server on shutdown: stop the jobs, waiting up to ``STOP_WAIT`` s."""
        if self.state is not None:
            await asyncio.to_thread(self.state.jobs.shutdown, STOP_WAIT)
