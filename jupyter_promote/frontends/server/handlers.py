"""REST handlers of ``/jupyter-promote/api/...``: parse the request, call the service, render.

This module holds the notebook-facing handlers (status, check, expectations, the promote form,
jobs) and :data:`ROUTES`; :mod:`.pipeline_handlers` the promoted pipelines; :mod:`.base` the
error mapping. The pydantic models, Prefect, Great Expectations and kernels are imported only
inside the handlers and jobs that use them, so loading the extension stays cheap.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from jupyter_server.auth.decorator import authorized
from tornado import web

from jupyter_promote.frontends.server.base import PromoteHandler, identity_name
from jupyter_promote.frontends.server.pipeline_handlers import (
    LineageHandler,
    PauseHandler,
    PipelineHandler,
    PipelinesHandler,
    RollbackHandler,
    TriggerHandler,
)

__all__ = ["API_PREFIX", "ROUTES", "PromoteHandler", "route_pattern"]


class StatusHandler(PromoteHandler):
    api: ClassVar = {"get": ("Project folders and Prefect reachability", None, "Status", 200)}

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from jupyter_promote._version import __version__
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services.status import prefect_endpoint

        config = self.config_
        endpoint = await self.blocking(prefect_endpoint, config)
        defaults = m.Defaults(
            owner=identity_name(self.current_user), timezone="UTC", work_pool=config.work_pool
        )
        self.answer(
            m.Status(
                version=__version__,
                project_dir=str(config.project_path),
                pipelines_dir=str(config.pipelines_path),
                prefect_api_url=endpoint.api_url,
                prefect_ui_url=endpoint.ui_url,
                prefect_reachable=endpoint.reachable,
                prefect_error=endpoint.error,
                defaults=defaults,
            )
        )


class CheckHandler(PromoteHandler):
    api: ClassVar = {
        "post": (
            "Static check: the pipeline spec",
            "CheckRequest",
            "jupyter_promote.analysis.spec:PipelineSpec",
            200,
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services import check as checking

        request = self.body(m.CheckRequest)
        file = self.notebook(request.path, must_exist=request.notebook is None)
        if request.notebook is not None:
            spec = await self.blocking(checking.check_model, request.notebook, request.path)
        else:
            spec = await self.blocking(checking.check, file, request.path)
        self.answer(spec)


class ParseHandler(PromoteHandler):
    api: ClassVar = {"post": ("Parse an %expect line", "ParseRequest", "ParseResult", 200)}

    @web.authenticated
    @authorized
    def post(self) -> None:
        from jupyter_promote.expectations import SEVERITY_BY_LEVEL, parse_expect_line
        from jupyter_promote.frontends.server import models as m

        request = self.body(m.ParseRequest)
        variable, configs = parse_expect_line(request.line)
        if request.severity is not None:
            severity = SEVERITY_BY_LEVEL[request.severity]
            configs = [c.model_copy(update={"severity": severity}) for c in configs]
        self.answer(
            m.ParseResult(
                variable=variable,
                expectations=[c.to_gx_dict() for c in configs],
                descriptions=[c.describe() for c in configs],
            )
        )


class ApplyHandler(PromoteHandler):
    api: ClassVar = {
        "post": ("Add, remove or re-grade expectations", "ApplyRequest", "ApplyResult", 200)
    }

    @web.authenticated
    @authorized
    def post(self) -> None:
        from jupyter_promote.expectations import apply_change
        from jupyter_promote.frontends.server import models as m

        request = self.body(m.ApplyRequest)
        metadata = apply_change(
            request.metadata,
            request.op,
            request.step,
            request.variable,
            expectations=request.expectations,
            index=request.index,
            severity=request.severity,
        )
        self.answer(m.ApplyResult(metadata=metadata))


class DefaultsHandler(PromoteHandler):
    api: ClassVar = {"get": ("The promote form's start values", None, "PromoteDefaults", 200)}

    @web.authenticated
    @authorized
    def get(self) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services.promote import form_defaults

        file = self.notebook(self.get_query_argument("path", ""))
        owner = identity_name(self.current_user)
        settings, source = form_defaults(file, self.config_, owner)
        self.answer(m.PromoteDefaults(settings=settings, source=source))


class PreviewHandler(PromoteHandler):
    api: ClassVar = {
        "post": ("Validate settings, preview schedule", "PreviewRequest", "Preview", 200)
    }

    @web.authenticated
    @authorized
    def post(self) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.services.promote import preview

        request = self.body(m.PreviewRequest)
        path = self.notebook(request.path) if request.path else None
        answer = preview(request.settings, path)
        self.answer(
            m.Preview(
                ok=answer.settings is not None,
                problems=[m.Problem(**_split_problem(p)) for p in answer.problems],
                schedule=answer.schedule,
                next_runs=[t.isoformat() for t in answer.next_runs],
                sla=answer.sla,
                concurrency=answer.concurrency,
            )
        )


def _split_problem(text: str) -> dict[str, str]:
    """``"owner: is required; ..."`` -> field and message."""
    field, sep, message = text.partition(": ")
    if sep and re.fullmatch(r"[\w.]+(, [\w.]+)*", field):
        return {"field": field, "message": message}
    return {"field": "", "message": text}


class JobsHandler(PromoteHandler):
    api: ClassVar = {"post": ("Start a dry run or a promotion", "JobRequest", "Job", 202)}

    @web.authenticated
    @authorized
    async def post(self) -> None:
        from jupyter_promote.frontends.server import models as m
        from jupyter_promote.frontends.server import work

        request = self.body(m.JobRequest)
        file = self.notebook(request.path)
        if request.kind == "dry-run":
            run = work.dry_run_work(file, self.config_, self.root)
            job = self.state.jobs.submit("dry-run", request.path, run)
        else:
            from jupyter_promote.services.promote import prepare

            prepared = await self.blocking(prepare, file, request.settings, self.config_)
            run = work.promote_work(
                prepared,
                self.config_,
                dry_run=request.dry_run,
                promoted_by=identity_name(self.current_user),
                root=self.root,
                remember_in_file=request.remember_in_file,
            )
            name = prepared.settings.name
            job = self.state.jobs.submit("promote", request.path, run, pipeline=name)
        self.answer(self.state.jobs.get(job.id), status=202)


class JobHandler(PromoteHandler):
    api: ClassVar = {"get": ("A job's state, events and result", None, "Job", 200)}

    @web.authenticated
    @authorized
    def get(self, job_id: str) -> None:
        self.answer(self.state.jobs.get(job_id))


#: Routes under ``{base_url}jupyter-promote/api/``, as OpenAPI path templates.
ROUTES: list[tuple[str, type[PromoteHandler], dict[str, Any]]] = [
    ("status", StatusHandler, {}),
    ("check", CheckHandler, {}),
    ("expectations/parse", ParseHandler, {}),
    ("expectations/apply", ApplyHandler, {}),
    ("promote/defaults", DefaultsHandler, {}),
    ("promote/preview", PreviewHandler, {}),
    ("jobs", JobsHandler, {}),
    ("jobs/{job_id}", JobHandler, {}),
    ("pipelines", PipelinesHandler, {}),
    ("pipelines/{name}", PipelineHandler, {}),
    ("pipelines/{name}/trigger", TriggerHandler, {}),
    ("pipelines/{name}/pause", PauseHandler, {"paused": True}),
    ("pipelines/{name}/resume", PauseHandler, {"paused": False}),
    ("pipelines/{name}/rollback", RollbackHandler, {}),
    ("pipelines/{name}/lineage", LineageHandler, {}),
]
API_PREFIX = "jupyter-promote/api/"


def route_pattern(template: str) -> str:
    """``"jobs/{job_id}"`` -> the tornado pattern ``"jobs/(?P<job_id>[^/]+)"``."""
    return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
