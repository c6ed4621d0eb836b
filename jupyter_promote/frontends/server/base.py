"""The base of every REST handler: auth resource, one error mapping, bodies, paths, threads.

Every handler is an ``APIHandler`` behind ``@authenticated`` and ``@authorized`` (resource
``jupyter_promote``; Jupyter Server enforces XSRF on POST). Errors of every handler are rendered
in one place, :meth:`PromoteHandler.write_error`, from :func:`error_answer`.

The pydantic models of the JSON contract (:mod:`.models`) are imported by the first request
that uses them, not when the server loads the extension: with pydantic and the expectation
grammar they would cost more than JupyterLab's start-up budget (DESIGN.md section 7).
"""

from __future__ import annotations

import functools
import getpass
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.ioloop import IOLoop

from jupyter_promote.errors import PromoteError
from jupyter_promote.frontends.server.paths import resolve_in_root
from jupyter_promote.frontends.server.state import STATE_KEY

if TYPE_CHECKING:
    from pydantic import BaseModel

    from jupyter_promote.frontends.server.models import ErrorBody

Model = TypeVar("Model", bound="BaseModel")
T = TypeVar("T")
_ANONYMOUS = re.compile(r"[0-9a-f]{32}")  # the id Jupyter's token login gives an unnamed user


def error_answer(exc: BaseException | None, status: int) -> tuple[int, ErrorBody]:
    """The one mapping from an exception to an HTTP status and the error body."""
    from pydantic import ValidationError

    from jupyter_promote.frontends.server.models import ErrorBody

    if isinstance(exc, PromoteError):
        details: Any = exc.details or None
        diagnostics = getattr(exc, "diagnostics", None)
        if diagnostics:
            details = {"diagnostics": [d.model_dump() for d in diagnostics]}
        body = ErrorBody(
            message=exc.message, hint=exc.hint or None, reason=type(exc).__name__, details=details
        )
        return exc.http_status, body
    if isinstance(exc, ValidationError):
        problems = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        text = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems)
        body = ErrorBody(
            message=f"the request body is invalid: {text}",
            hint="see docs/rest-api.md for the fields of this request",
            reason="BadRequest",
            details={"problems": problems},
        )
        return 400, body
    if isinstance(exc, web.HTTPError):
        message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
        reason = exc.reason or ("Forbidden" if exc.status_code == 403 else "HTTPError")
        return exc.status_code, ErrorBody(
            message=message or reason, hint=None, reason=reason, details=None
        )
    message = "internal error; see the Jupyter server log"
    return status, ErrorBody(message=message, hint=None, reason="InternalError", details=None)


def identity_name(user: Any) -> str:
    """The Jupyter user's name; the OS user when Jupyter knows only an anonymous token user."""
    username = getattr(user, "username", "") or ""
    return username if username and not _ANONYMOUS.fullmatch(username) else getpass.getuser()


class PromoteHandler(APIHandler):
    """Base: error rendering, body parsing, path resolution, blocking calls off the IOLoop."""

    auth_resource = "jupyter_promote"
    #: OpenAPI operations of the handler: method -> (summary, request model, answer model, status).
    #: Models are named, not imported ("Status": :mod:`.models`; "module:Name" elsewhere): they
    #: are imported only to write the OpenAPI document.
    api: ClassVar[dict[str, tuple[str, str | None, str, int]]] = {}

    @property
    def state(self) -> Any:
        """The extension's state (:class:`jupyter_promote.frontends.server.ExtensionState`)."""
        return self.settings[STATE_KEY]

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
        from pydantic import ValidationError

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
