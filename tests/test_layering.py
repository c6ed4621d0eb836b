"""The core stays pure: importing it must not pull in servers, kernels or orchestrators."""

import json
import subprocess
import sys

import pytest

CORE_MODULES = [
    "jupyter_promote",
    "jupyter_promote.errors",
    "jupyter_promote.core",
    "jupyter_promote.core.assemble",
    "jupyter_promote.core.backfill",
    "jupyter_promote.core.entrypoint",
    "jupyter_promote.core.expectation_checks",
    "jupyter_promote.core.expectations",
    "jupyter_promote.core.explain",
    "jupyter_promote.core.files",
    "jupyter_promote.core.gate",
    "jupyter_promote.core.graph",
    "jupyter_promote.core.manifest",
    "jupyter_promote.core.name_scopes",
    "jupyter_promote.core.name_visitor",
    "jupyter_promote.core.names",
    "jupyter_promote.core.naming",
    "jupyter_promote.core.notebook",
    "jupyter_promote.core.parameters",
    "jupyter_promote.core.pipeline",
    "jupyter_promote.core.pipeline_checks",
    "jupyter_promote.core.pipeline_context",
    "jupyter_promote.core.pyast",
    "jupyter_promote.core.promotion",
    "jupyter_promote.core.promotion_metadata",
    "jupyter_promote.core.release",
    "jupyter_promote.core.release_content",
    "jupyter_promote.core.release_writer",
    "jupyter_promote.core.render",
    "jupyter_promote.core.run_input",
    "jupyter_promote.core.runbook",
    "jupyter_promote.core.schedule",
    "jupyter_promote.core.secrets",
    "jupyter_promote.core.source",
    "jupyter_promote.core.sources",
    "jupyter_promote.core.spec",
    "jupyter_promote.core.tags",
]
FORBIDDEN = ["tornado", "jupyter_server", "IPython", "prefect", "great_expectations"]
# Surfaces and adapters may use servers and kernels, but must not pay for Prefect or Great
# Expectations until a pipeline really runs.
LAZY_MODULES = [
    "jupyter_promote.service",
    "jupyter_promote.cli",
    "jupyter_promote.cli_run",
    "jupyter_promote.cli_promote",
    "jupyter_promote.deploy",
    "jupyter_promote.prefect_runs",
    "jupyter_promote.promote",
    "jupyter_promote.promote_form",
    "jupyter_promote.promote_options",
    "jupyter_promote.promote_settings",
    "jupyter_promote.releases",
    "jupyter_promote.watch",
    "jupyter_promote.pipelines",
    "jupyter_promote.backfill",
    "jupyter_promote.config",
    "jupyter_promote.stack",
    "jupyter_promote.stack_processes",
    "jupyter_promote.stack_state",
    "jupyter_promote.runner",
    "jupyter_promote.executor",
    "jupyter_promote.expect_api",
    "jupyter_promote.panel_kernel",
    "jupyter_promote.quality",
]
HEAVY = ["prefect", "great_expectations"]


def imported_after(module, watched):
    code = (  # (the start-up fix only spares jsonschema's 1.4 s grammar build, see _startup)
        "import sys, json; from jupyter_promote._startup import skip_unused_optional_imports; "
        f"skip_unused_optional_imports(); import {module}; "
        f"print(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)


@pytest.mark.parametrize("module", LAZY_MODULES)
def test_surfaces_import_prefect_and_gx_lazily(module):
    assert imported_after(module, HEAVY) == []


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_nothing_heavy(module):
    assert imported_after(module, FORBIDDEN) == []


def test_the_check_detects_a_forbidden_import():
    """The probe really sees an import (so the tests above can fail)."""
    assert imported_after("jupyter_promote.flow", HEAVY) == ["prefect"]


SERVER_MODULES = [
    "jupyter_promote.server",
    "jupyter_promote.server.base",
    "jupyter_promote.server.handlers",
    "jupyter_promote.server.jobs",
    "jupyter_promote.server.models",
    "jupyter_promote.server.paths",
    "jupyter_promote.server.pipeline_handlers",
    "jupyter_promote.server.work",
]
# What must wait until a request needs it: JupyterLab starts with the extension loaded.
SERVER_HEAVY = ["prefect", "great_expectations", "nbclient", "papermill"]


@pytest.mark.parametrize("module", SERVER_MODULES)
def test_server_extension_imports_no_runtime_at_start(module):
    code = (
        f"import sys, json, jupyter_promote; jupyter_promote._jupyter_server_extension_points();"
        f" import {module}; print(json.dumps([m for m in {SERVER_HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


# Loading the extension at server start (registering the handler classes) must not pay for the
# REST models (pydantic) or the expectation grammar: the first request that needs them imports
# them (DESIGN.md section 7, under 100 ms).
START_LAZY = [
    "jupyter_promote.server.models",
    "jupyter_promote.core.expectations",
    "jupyter_promote.core.pipeline",
    "jupyter_promote.core.pyast",
]
_LOAD_EXTENSION = """
import asyncio, json, sys, tempfile
from jupyter_server.serverapp import ServerApp

app = ServerApp(jpserver_extensions={"jupyter_promote": True}, root_dir=tempfile.mkdtemp())
app.initialize(argv=["--allow-root"], find_extensions=False, new_httpserver=False)
routes = [
    r.matcher.regex.pattern
    for rule in app.web_app.default_router.rules
    for r in getattr(rule.target, "rules", [])
    if "jupyter-promote/api" in r.matcher.regex.pattern
]
imported = [m for m in WATCHED if m in sys.modules]
state = app.web_app.settings["jupyter_promote_state"]
asyncio.run(app.extension_manager.stop_all_extensions())  # the server's shutdown hook
try:
    state.jobs.submit("dry-run", "x.ipynb", lambda progress: {})
    refused = None
except Exception as exc:
    refused = type(exc).__name__
print(json.dumps({"routes": len(routes), "imported": imported, "after_stop": refused}))
"""


def test_loading_the_extension_imports_no_models_or_expectations():
    code = f"WATCHED = {START_LAZY + SERVER_HEAVY!r}\n{_LOAD_EXTENSION}"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = json.loads(out)
    assert loaded["routes"] == 14  # the handler classes really were registered
    assert loaded["imported"] == []
    assert loaded["after_stop"] == "ServerStopping"  # stopping the server stopped the jobs
