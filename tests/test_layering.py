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
    "jupyter_promote.core.graph",
    "jupyter_promote.core.names",
    "jupyter_promote.core.notebook",
    "jupyter_promote.core.parameters",
    "jupyter_promote.core.pipeline",
    "jupyter_promote.core.render",
    "jupyter_promote.core.source",
    "jupyter_promote.core.spec",
    "jupyter_promote.core.tags",
    "jupyter_promote.service",
    "jupyter_promote.cli",
]
FORBIDDEN = ["tornado", "jupyter_server", "IPython", "prefect", "great_expectations"]


@pytest.mark.parametrize("module", CORE_MODULES)
def test_module_imports_nothing_heavy(module):
    code = (
        f"import sys, json; import {module}; "
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [], f"{module} imported {out.strip()}"


def test_the_check_detects_a_forbidden_import():
    """The probe above really sees an import (so the test above can fail)."""
    code = (
        "import sys, json; import tornado; "
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["tornado"]
