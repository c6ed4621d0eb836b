"""REST handlers of ``/jupyter-promote/api/...``: parse the request, call the service, render.

Every handler is an ``APIHandler`` behind ``@authenticated`` and ``@authorized`` (resource
``jupyter_promote``; Jupyter Server enforces XSRF on POST). Errors of every handler are rendered
in one place, :meth:`PromoteHandler.write_error`, from :func:`error_answer`. Prefect, Great
Expectations and kernels are imported only inside the handlers and jobs that use them.
"""

from __future__ import annotations

import functools
import getpass
import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel, ValidationError
from tornado import web
from tornado.ioloop import IOLoop

from jupyter_promote.errors import PromoteError
from jupyter_promote.server import models as m
from jupyter_promote.server.paths import resolve_in_root, server_relative

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")
_ANONYMOUS = re.compile(r"[0-9a-f]{32}")  # the id Jupyter's token login gives an unnamed user


def error_answer(exc: BaseException | None, status: int) -> tuple[int, m.ErrorBody]:
    """The one mapping from an exception to an HTTP status and the error body."""
    if isinstance(exc, PromoteError):
        details: Any = exc.details or None
        diagnostics = getattr(exc, "diagnostics", None)
        if diagnostics:
            details = {"diagnostics": [d.model_dump() for d in diagnostics]}
        body = m.ErrorBody(
            message=exc.message, hint=exc.hint or None, reason=type(exc).__name__, details=details
        )
        return exc.http_status, body
    if isinstance(exc, ValidationError):
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        text = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
        body = m.ErrorBody(
            message=f"the request body is invalid: {text}",
            hint="see docs/rest-api.md for the fields of this request",
            reason="BadRequest",
            details={"problems": problems},
        )
        return 400, body
    if isinstance(exc, web.HTTPError):
        message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
        reason = exc.reason or ("Forbidden" if exc.status_code == 403 else "HTTPError")
        return exc.status_code, m.ErrorBody(
            message=message or reason, hint=None, reason=reason, details=None
        )
    message = "internal error; see the Jupyter server log"
    return status, m.ErrorBody(message=message, hint=None, reason="InternalError", details=None)


def identity_name(user: Any) -> str:
    """The Jupyter user's name; the OS user when Jupyter knows only an anonymous token user."""
    username = getattr(user, "username", "") or ""
    return username if username and not _ANONYMOUS.fullmatch(username) else getpass.getuser()


class PromoteHandler(APIHandler):
    """Base: error rendering, body parsing, path resolution, blocking calls off the IOLoop."""

    auth_resource = "jupyter_promote"
    #: OpenAPI operations of the handler: method -> (summary, request model, answer model, status)
    #: (an answer model given as "module:Name" is imported only to write the OpenAPI document)
    api: ClassVar[dict[str, tuple[str, type[BaseModel] | None, type[BaseModel] | str, int]]] = {}

    @property
    def state(self) -> Any:
        """The extension's state (:class:`jupyter_promote.server.ExtensionState`)."""
        return self.settings["jupyter_promote"]

    @property
    def config_(self) -> Any:
        """The project's :class:`~jupyter_promote.config.PromoteConfig`."""
        return self.state.config

    @property
    def root(self) -> str:
        return str(self.contents_manager.root_dir)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        status, body = error_answer(exc, status_code)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body.model_dump_json())

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, PromoteError | ValidationError):
            self.log.info("jupyter-promote %s %s: %s", self.request.method, self.request.uri, value)
        else:
            super().log_exception(typ, value, tb)

    def body(self, model: type[Model]) -> Model:
        """The JSON body as ``model`` (400 for invalid JSON or fields)."""
        return model.model_validate(self.get_json_body() or {})

    def notebook(self, path: str, *, must_exist: bool = True) -> Path:
        """The notebook file of a server-relative path (400 outside the root, 404 missing)."""
        return resolve_in_root(self.root, path, must_exist=must_exist)

    def answer(self, model: BaseModel, status: int = 200) -> None:
        self.set_status(status)
        self.finish(model.model_dump_json())

    async def blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking service call in a thread (its own context: no IOLoop state leaks)."""
        return await IOLoop.current().run_in_executor(None, functools.partial(fn, *args, **kwargs))


class StatusHandler(PromoteHandler):
    api: ClassVar = {"get": ("Project folders and Prefect reachability", None, m.Status, 200)}

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from jupyter_promote import __version__, service

        config = self.config_
        endpoint = await self.blocking(service.prefect_endpoint, config)
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
            m.CheckRequest,
            "jupyter_promote.core.spec:PipelineSpec",
            200,
        )
    }

    @web.authenticated
    @authorized
    async def post(self) -> None:
        from jupyter_promote import service

        request = self.body(m.CheckRequest)
        file = self.notebook(request.path, must_exist=request.notebook is None)
        if request.notebook is not None:
            spec = await self.blocking(service.check_model, request.notebook, request.path)
        else:
            spec = await self.blocking(service.check, file, request.path)
        self.answer(spec)


class ParseHandler(PromoteHandler):
    api: ClassVar = {"post": ("Parse an %expect line", m.ParseRequest, m.ParseResult, 200)}

    @web.authenticated
    @authorized
    def post(self) -> None:
        from jupyter_promote.core.expectations import SEVERITY_BY_LEVEL, parse_expect_line

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
        "post": ("Add, remove or re-grade expectations", m.ApplyRequest, m.ApplyResult, 200)
    }

    @web.authenticated
    @authorized
    def post(self) -> None:
        import nbformat

        from jupyter_promote.core import expectations as ex

        request = self.body(m.ApplyRequest)
        nb = nbformat.from_dict({"metadata": {ex.METADATA_KEY: request.metadata}})
        if request.op == "add":
            configs = [ex.ExpectationConfig.model_validate(c) for c in request.expectations]
            ex.add_expectations(nb, request.step, request.variable, configs)
        elif request.op == "remove":
            ex.remove_expectation(nb, request.step, request.variable, request.index)
        else:
            if request.severity is None:
                raise ex.ExpectationError(
                    "op severity needs a severity", hint='pass "severity": "error" or "warn"'
                )
            ex.set_severity(nb, request.step, request.variable, request.severity, request.index)
        self.answer(m.ApplyResult(metadata=nb.metadata.get(ex.METADATA_KEY, {})))


class DefaultsHandler(PromoteHandler):
    api: ClassVar = {"get": ("The promote form's start values", None, m.PromoteDefaults, 200)}

    @web.authenticated
    @authorized
    def get(self) -> None:
        from jupyter_promote.core.naming import slug
        from jupyter_promote.core.notebook import read_notebook
        from jupyter_promote.core.promotion import read_promotion

        file = self.notebook(self.get_query_argument("path", ""))
        previous = read_promotion(read_notebook(file).nb)
        if previous is not None:
            self.answer(m.PromoteDefaults(settings=previous.model_dump(), source="notebook"))
            return
        settings = {
            "name": slug(file.stem),
            "owner": identity_name(self.current_user),
            "timezone": "UTC",
            "work_pool": self.config_.work_pool,
        }
        self.answer(m.PromoteDefaults(settings=settings, source="new"))


class PreviewHandler(PromoteHandler):
    api: ClassVar = {
        "post": ("Validate settings, preview schedule", m.PreviewRequest, m.Preview, 200)
    }

    @web.authenticated
    @authorized
    def post(self) -> None:
        from jupyter_promote.core import promotion

        request = self.body(m.PreviewRequest)
        try:
            settings = promotion.validate_settings(request.settings)
        except promotion.PromotionInvalid as exc:
            problems = [m.Problem(**_split_problem(p)) for p in exc.problems]
            self.answer(
                m.Preview(ok=False, problems=problems, schedule=None, next_runs=[], sla=None)
            )
            return
        self.answer(
            m.Preview(
                ok=True,
                problems=[],
                schedule=promotion.describe_schedule(settings),
                next_runs=[t.isoformat() for t in promotion.next_runs(settings)],
                sla=promotion.sla_deadline_text(settings),
            )
        )


def _split_problem(text: str) -> dict[str, str]:
    """``"owner: is required; ..."`` -> field and message."""
    field, sep, message = text.partition(": ")
    if sep and re.fullmatch(r"[\w.]+(, [\w.]+)*", field):
        return {"field": field, "message": message}
    return {"field": "", "message": text}


class JobsHandler(PromoteHandler):
    api: ClassVar = {"post": ("Start a dry run or a promotion", m.JobRequest, m.Job, 202)}

    @web.authenticated
    @authorized
    async def post(self) -> None:
        from jupyter_promote.server import work

        request = self.body(m.JobRequest)
        file = self.notebook(request.path)
        if request.kind == "dry-run":
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
            save_to = self.config_.runs_path / "dry-runs" / f"{file.stem}-{stamp}.ipynb"
            job = self.state.jobs.submit("dry-run", request.path, work.dry_run_work(file, save_to))
        else:
            settings = await self.blocking(
                work.preflight_promote, file, request.settings, self.config_
            )
            run = work.promote_work(
                file,
                request.settings,
                self.config_,
                dry_run=request.dry_run,
                promoted_by=identity_name(self.current_user),
            )
            job = self.state.jobs.submit("promote", request.path, run, pipeline=settings.name)
        self.answer(self.state.jobs.get(job.id), status=202)


class JobHandler(PromoteHandler):
    api: ClassVar = {"get": ("A job's state, events and result", None, m.Job, 200)}

    @web.authenticated
    @authorized
    def get(self, job_id: str) -> None:
        self.answer(self.state.jobs.get(job_id))


class PipelinesHandler(PromoteHandler):
    api: ClassVar = {
        "get": (
            "Promoted pipelines with Prefect state",
            None,
            "jupyter_promote.pipelines:PipelineListing",
            200,
        )
    }

    @web.authenticated
    @authorized
    async def get(self) -> None:
        from jupyter_promote import pipelines

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
        from jupyter_promote.core.naming import is_slug
        from jupyter_promote.core.release import ReleaseNotFound, current_release

        if not is_slug(name) or current_release(self.config_.pipelines_path, name) is None:
            raise ReleaseNotFound(
                f"no pipeline {name!r} is promoted in this project",
                hint="GET pipelines lists the promoted pipelines",
                details={"name": name},
            )
        return name


class PipelineHandler(_PipelineHandler):
    api: ClassVar = {"get": ("Manifest, releases, recent runs", None, m.PipelineDetail, 200)}

    @web.authenticated
    @authorized
    async def get(self, name: str) -> None:
        from jupyter_promote import promote

        found = await self.blocking(promote.show, self.known(name), self.config_)
        self.answer(m.PipelineDetail.model_validate(json.loads(json.dumps(found, default=str))))


class TriggerHandler(_PipelineHandler):
    api: ClassVar = {"post": ("Run the pipeline now", m.TriggerRequest, m.Triggered, 200)}

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from jupyter_promote import pipelines

        request = self.body(m.TriggerRequest)
        run = await self.blocking(
            pipelines.trigger, self.known(name), self.config_, request.parameters
        )
        self.answer(m.Triggered(flow_run_id=run.id, ui_url=run.url))


class PauseHandler(_PipelineHandler):
    api: ClassVar = {"post": ("Pause or resume the schedule", None, m.Paused, 200)}

    def initialize(self, paused: bool) -> None:
        self.paused = paused

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from jupyter_promote import pipelines

        await self.blocking(pipelines.set_paused, self.known(name), self.config_, self.paused)
        self.answer(m.Paused(name=name, paused=self.paused))


class RollbackHandler(_PipelineHandler):
    api: ClassVar = {
        "post": (
            "Move the deployment back",
            m.RollbackRequest,
            "jupyter_promote.promote:PromoteResult",
            200,
        )
    }

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        from jupyter_promote import promote

        request = self.body(m.RollbackRequest)
        result = await self.blocking(
            promote.rollback, self.known(name), self.config_, request.version
        )
        self.answer(result)


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
]
API_PREFIX = "jupyter-promote/api/"


def route_pattern(template: str) -> str:
    """``"jobs/{job_id}"`` -> the tornado pattern ``"jobs/(?P<job_id>[^/]+)"``."""
    return re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
