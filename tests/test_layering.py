"""The core stays pure: importing it must not pull in servers, kernels or orchestrators.

The static side (which module may import which) is import-linter's (`make lint`, contracts in
pyproject.toml); these tests check what importing really loads, in fresh interpreters.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_FOLDERS = ("analysis", "release", "util")  # and expectations/ outside gx/


def modules(*folders: str) -> list[str]:
    """Every module under the given folders of the package (all of them when none given)."""
    package = ROOT / "jupyter_promote"
    found = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if "labextension" in parts or (folders and parts[0] not in folders):
            continue
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        found.append(".".join(("jupyter_promote", *parts)))
    return found


IMPURE_FLEET = ("jupyter_promote.fleet.catalog", "jupyter_promote.fleet.schema")
CORE_MODULES = [
    "jupyter_promote",
    "jupyter_promote.errors",
    *modules(*PURE_FOLDERS),
    *(m for m in modules("expectations") if ".gx" not in m),
    *(m for m in modules("fleet") if m not in IMPURE_FLEET),
]
FORBIDDEN = ["tornado", "jupyter_server", "IPython", "prefect", "great_expectations"]
# Surfaces and adapters may use servers and kernels, but must not pay for Prefect or Great
# Expectations until a pipeline really runs; only the flow itself imports Prefect at once.
LAZY_MODULES = [
    m
    for m in modules(
        "services", "orchestration", "execution", "frontends", "expectations", "fleet", "monitor"
    )
    if m != "jupyter_promote.execution.flow"
] + ["jupyter_promote.config"]
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
    assert imported_after("jupyter_promote.execution.flow", HEAVY) == ["prefect"]


SERVER_MODULES = modules("frontends")
SERVER_MODULES = [m for m in SERVER_MODULES if ".server" in m]
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
    "jupyter_promote.frontends.server.models",
    "jupyter_promote.expectations",
    "jupyter_promote.analysis.pipeline",
    "jupyter_promote.util.pyast",
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
    assert loaded["routes"] == 15  # the handler classes really were registered
    assert loaded["imported"] == []
    assert loaded["after_stop"] == "ServerStopping"  # stopping the server stopped the jobs
