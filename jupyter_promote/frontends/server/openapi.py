"""``docs/openapi.yaml`` generated from the routes and the pydantic models.

Run ``python -m jupyter_promote.frontends.server.openapi > docs/openapi.yaml`` after changing a
route or
a model; a test fails while the committed file differs from what this module generates.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from jupyter_promote._version import __version__
from jupyter_promote.frontends.server import models as m
from jupyter_promote.frontends.server.handlers import API_PREFIX, ROUTES

METHODS = ("get", "post", "put", "patch", "delete")
_ERRORS = {
    "400": "Bad request body or path outside the server root.",
    "403": "Not authenticated or not authorized (Jupyter Server).",
    "404": "Notebook, pipeline, release or job unknown.",
    "409": "Another promotion of the pipeline is running, or no Prefect server is configured.",
    "422": "Notebook, settings or expectation invalid (each problem listed in details).",
    "500": "Unexpected server error (logged).",
    "502": "The Prefect server failed or is unreachable.",
}
_QUERY = {("promote/defaults", "get"): ["path"]}


def _model(ref: str) -> type[BaseModel]:
    """A handler's model by name: ``"Status"`` in :mod:`.models`, ``"module:Name"`` elsewhere."""
    module, _, name = ref.rpartition(":")
    owner = importlib.import_module(module) if module else m
    return getattr(owner, name)  # type: ignore[no-any-return]


def operations() -> list[tuple[str, str, Any]]:
    """Every (path template, method, handler class) the extension registers."""
    return [
        (template, method, handler)
        for template, handler, _ in ROUTES
        for method in METHODS
        if method in vars(handler)
    ]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document as a mapping."""
    models: set[type[BaseModel]] = {m.ErrorBody}
    paths: dict[str, dict[str, Any]] = {}
    for template, method, handler in operations():
        summary, request, answer, status = handler.api[method]
        request_model = _model(request) if request is not None else None
        answer_model = _model(answer)
        models.update(x for x in (request_model, answer_model) if x is not None)
        operation: dict[str, Any] = {
            "summary": summary,
            "operationId": f"{method}_{re.sub(r'[{}]', '', template).replace('/', '_')}",
            "responses": {
                str(status): {
                    "description": answer_model.__doc__.strip().splitlines()[0]
                    if answer_model.__doc__
                    else summary,
                    "content": {"application/json": {"schema": _ref(answer_model)}},
                },
                **{code: {"$ref": f"#/components/responses/Error{code}"} for code in _ERRORS},
            },
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _path_names(template)
        ] + [
            {"name": name, "in": "query", "required": True, "schema": {"type": "string"}}
            for name in _QUERY.get((template, method), [])
        ]
        if parameters:
            operation["parameters"] = parameters
        if request_model is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(request_model)}},
            }
        paths.setdefault(f"/{API_PREFIX}{template}", {})[method] = operation
    ordered = sorted(models, key=lambda x: x.__name__)
    _, schemas = models_json_schema(
        [(x, "serialization") for x in ordered], ref_template="#/components/schemas/{model}"
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-promote server extension",
            "version": __version__,
            "description": "REST API of the JupyterLab panel; see docs/rest-api.md. Paths are "
            "relative to the Jupyter Server base URL; authentication, XSRF and authorization "
            "(resource jupyter_promote) are Jupyter Server's.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "responses": {
                f"Error{code}": {
                    "description": text,
                    "content": {"application/json": {"schema": _ref(m.ErrorBody)}},
                }
                for code, text in _ERRORS.items()
            },
        },
    }


def _path_names(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


def render() -> str:
    """The document as YAML text (the content of ``docs/openapi.yaml``)."""
    return yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    print(render(), end="")
