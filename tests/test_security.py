"""Every REST route and method refuses what it must, through a real Jupyter Server: no token,
a login cookie without the XSRF token, an authorizer that says no. The operations come from
:data:`ROUTES` and the handler classes, so a new route or method is covered without editing
this file; each refusal has a control that differs in one thing and is not refused."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from conftest import free_port
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.utils import HTTP_METHOD_TO_AUTH_ACTION
from jupyter_server.base.handlers import APIHandler
from tornado import web
from traitlets import List

from jupyter_promote.frontends.server.handlers import ROUTES

pytest_plugins = ("pytest_jupyter.jupyter_server",)

RESOURCE = "jupyter_promote"  # the auth resource the handlers declare (PromoteHandler)
DEAD_API = f"http://127.0.0.1:{free_port()}/api"  # no Prefect: nothing leaves the machine
FILL = {"name": "nope", "job_id": "0123456789ab"}  # path parameters naming nothing that exists


def implemented(handler: type[web.RequestHandler]) -> list[str]:
    """The HTTP methods ``handler`` answers itself (not APIHandler's defaults), upper case."""
    return [
        method
        for method in web.RequestHandler.SUPPORTED_METHODS
        if getattr(handler, method.lower()) is not getattr(APIHandler, method.lower())
    ]


OPERATIONS = [
    pytest.param(method, template.format(**FILL), id=f"{method} {template}")
    for template, handler, _ in ROUTES
    for method in implemented(handler)
]
POSTS = [op for op in OPERATIONS if op.values[0] == "POST"]


class RecordingAuthorizer(Authorizer):
    """Allows everything; records each (action, resource) it is asked about."""

    allow = True
    asked = List()

    def is_authorized(self, handler, user, action, resource):
        self.asked.append((action, resource))
        return self.allow


class DenyingAuthorizer(RecordingAuthorizer):
    """Denies everything; records each (action, resource) it is asked about."""

    allow = False


@pytest.fixture
def authorizer_class():
    return RecordingAuthorizer


@pytest.fixture
def jp_server_config(authorizer_class):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_promote": True},
            "authorizer_class": authorizer_class,
        },
        "PromoteConfig": {"prefect_api_url": DEAD_API},
    }


@pytest.fixture
def asked(jp_serverapp):
    """What the server's authorizer has been asked so far: [(action, resource), ...]."""
    return jp_serverapp.authorizer.asked


@pytest.fixture
def call(jp_fetch):
    """``await call("POST", "jobs", headers=...)`` -> (status, JSON answer); POSTs send ``{}``."""

    async def fetch(method, route, **kwargs):
        if method == "POST":
            kwargs.setdefault("body", "{}")
        response = await jp_fetch(
            "jupyter-promote", "api", *route.split("/"), method=method, raise_error=False, **kwargs
        )
        return response.code, json.loads(response.body or b"null")

    return fetch


def cookies(response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(values: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in values.items())


@pytest.fixture
def login(jp_fetch, jp_serverapp):
    """``await login()`` -> a browser's cookies after logging in with the token on the /login
    page, as a person does: the login cookie and ``_xsrf`` (its value is the token to echo)."""

    async def log_in():
        page = await jp_fetch("login", headers={"Authorization": ""})
        jar = cookies(page)
        assert "_xsrf" in jar, page.headers
        form = {"_xsrf": jar["_xsrf"], "password": jp_serverapp.identity_provider.token}
        answer = await jp_fetch(
            "login",
            method="POST",
            body=urlencode(form),
            headers={"Authorization": "", "Cookie": cookie_header(jar)},
            follow_redirects=False,
            raise_error=False,
        )
        assert answer.code == 302, answer.body
        logged_in = cookies(answer)
        assert any(name.startswith("username-") for name in logged_in), answer.headers
        return {**jar, **logged_in}

    return log_in


def assert_refused(status, body, *words):
    """403 with the error body of :func:`error_answer`, its message naming ``words``."""
    assert status == 403, body
    assert set(body) == {"message", "hint", "reason", "details"}, body
    assert body["reason"] == "Forbidden" and body["message"], body
    for word in words:
        assert word in body["message"], body


def assert_let_through(status, body):
    """Past authentication, XSRF and authorization; answered by the handler, not a bare 500."""
    assert status != 403 and status < 500, body


def test_every_implemented_method_is_in_the_api_table():
    """The OpenAPI table of each handler lists exactly the methods it answers."""
    assert len(OPERATIONS) >= len(ROUTES)
    for _, handler, _ in ROUTES:
        assert sorted(m.lower() for m in implemented(handler)) == sorted(handler.api), handler


async def test_a_token_and_an_allowing_authorizer_get_the_status(call, asked):
    status, body = await call("GET", "status")
    assert status == 200, body
    assert body["prefect_api_url"] == DEAD_API
    assert asked == [("read", RESOURCE)]


@pytest.mark.parametrize(("method", "route"), OPERATIONS)
async def test_without_a_token_every_operation_is_403(call, login, asked, method, route):
    # a valid _xsrf pair but no login cookie: the refusal is for authentication, not XSRF
    xsrf = (await login())["_xsrf"]
    headers = {"Authorization": "", "Cookie": f"_xsrf={xsrf}", "X-XSRFToken": xsrf}
    status, body = await call(method, route, headers=headers)
    assert_refused(status, body)
    assert asked == []


@pytest.mark.parametrize(("method", "route"), POSTS)
async def test_a_login_cookie_without_the_xsrf_token_is_refused(call, login, asked, method, route):
    browser = await login()
    headers = {"Authorization": "", "Cookie": cookie_header(browser)}
    status, body = await call(method, route, headers=headers)
    assert_refused(status, body, "_xsrf")
    assert asked == []
    # the control: the same request echoing the XSRF token passes, as the lab extension's does
    headers["X-XSRFToken"] = browser["_xsrf"]
    status, body = await call(method, route, headers=headers)
    assert_let_through(status, body)
    assert asked == [(HTTP_METHOD_TO_AUTH_ACTION[method], RESOURCE)]


@pytest.mark.parametrize("authorizer_class", [DenyingAuthorizer])
@pytest.mark.parametrize(("method", "route"), OPERATIONS)
async def test_a_denying_authorizer_gets_403_everywhere(call, asked, method, route):
    action = HTTP_METHOD_TO_AUTH_ACTION[method]
    status, body = await call(method, route)
    assert_refused(status, body, f"not authorized to {action} on resource: {RESOURCE}")
    assert asked == [(action, RESOURCE)]


@pytest.mark.parametrize(("method", "route"), OPERATIONS)
async def test_an_allowing_authorizer_lets_every_operation_through(call, asked, method, route):
    """The control of the test above: the same requests, only the authorizer differs."""
    status, body = await call(method, route)
    assert_let_through(status, body)
    assert asked == [(HTTP_METHOD_TO_AUTH_ACTION[method], RESOURCE)]
