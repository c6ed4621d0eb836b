"""REST handlers of promoted pipelines: list, show, trigger, pause/resume, rollback."""

from __future__ import annotations

import json
from typing import ClassVar

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_promote.frontends.server.base import PromoteHandler
from jupyter_promote.frontends.server.paths import server_relative


class PipelinesHandler(PromoteHandler):
    api: ClassVar = {
        "get": (
            "Promoted pipelines with Prefect state",
            None,
            "jupyter_promote.services.pipelines:PipelineListing",
            200,
        )
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from jupyter_promote.services import pipelines

        listing = await self.blocking(pipelines.list_pipelines, self.config_)
        project = self.config_.project_path
        for row in listing.pipelines:
            row.release_dir = server_relative(self.root, row.release_dir)
            row.runbook = server_relative(self.root, row.runbook)
            if row.last_executed_notebook:
                row.last_executed_notebook = server_relative(self.root, row.last_executed_notebook)
            row.source_notebook = server_relative(self.root, project / row.source_notebook)
        self.answer(listing)


class _PipelineHandler(PromoteHandler):
    def known(self, name: str) -> str:
        """``name`` if a pipeline of that name was promoted here (404 otherwise)."""
        from jupyter_promote.release.store import ReleaseNotFound, current_release
        from jupyter_promote.util.naming import is_slug

        if not is_slug(name) or current_release(self.config_.pipelines_path, name) is None:
            raise ReleaseNotFound(
                f"no pipeline {name!r} is promoted in this project",
                hint="GET pipelines lists the promoted pipelines",
                details={"name": name},
            )
        return name


class PipelineHandler(_PipelineHandler):
    api: ClassVar = {"get": ("Manifest, releases, recent runs", None, "PipelineDetail", 200)}

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services import releases

        found = await self.blocking(releases.show, self.known(name), self.config_)
        self.answer(m.PipelineDetail.model_validate(json.loads(json.dumps(found, default=str))))


class TriggerHandler(_PipelineHandler):
    api: ClassVar = {"post": ("Run the pipeline now", "TriggerRequest", "Triggered", 200)}

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services import pipelines

        request = self.body(m.TriggerRequest)
        run = await self.blocking(
            pipelines.trigger, self.known(name), self.config_, request.parameters
        )
        self.answer(m.Triggered(flow_run_id=run.id, ui_url=run.url))


class PauseHandler(_PipelineHandler):
    api: ClassVar = {"post": ("Pause or resume the schedule", None, "Paused", 200)}

    def initialize(self, paused: bool) -> None:
        self.paused = paused

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services import pipelines

        await self.blocking(pipelines.set_paused, self.known(name), self.config_, self.paused)
        self.answer(m.Paused(name=name, paused=self.paused))


class RollbackHandler(_PipelineHandler):
    api: ClassVar = {
        "post": (
            "Move the deployment back",
            "RollbackRequest",
            "jupyter_promote.services.releases:PromoteResult",
            200,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services import releases

        request = self.body(m.RollbackRequest)
        result = await self.blocking(
            releases.rollback, self.known(name), self.config_, request.version
        )
        self.answer(result)


class LineageHandler(_PipelineHandler):
    api: ClassVar = {"get": ("The lineage around a pipeline", None, "LineageGraph", 200)}

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services.fleet import neighbourhood

        depth = self.get_query_argument("depth", "2")
        if not depth.isdigit() or not 1 <= int(depth) <= 5:
            raise web.HTTPError(400, "depth must be a number from 1 to 5")
        nodes, edges = await self.blocking(
            neighbourhood, self.config_, self.known(name), int(depth)
        )
        self.answer(m.LineageGraph(center=name, nodes=nodes, edges=edges))
