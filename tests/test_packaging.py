"""The installed package carries the prebuilt lab extension and enables its server extension
(no Node needed by users): what `jupyter labextension list` / `server extension list` report."""

from __future__ import annotations

import json
import re
import subprocess

from runcli import JUPYTER, ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jupyter(*args):
    done = subprocess.run([str(JUPYTER), *args], capture_output=True, text=True, timeout=120)
    return ANSI.sub("", done.stdout + done.stderr)


def test_prebuilt_lab_extension_is_installed_and_enabled():
    version = json.loads((ROOT / "labextension" / "package.json").read_text())["version"]
    listing = jupyter("labextension", "list")
    assert re.search(rf"jupyter-promote v{re.escape(version)} enabled OK", listing), listing


def test_server_extension_is_enabled_by_the_installed_config():
    listing = jupyter("server", "extension", "list")
    assert re.search(r"jupyter_promote enabled", listing), listing
    assert re.search(r"jupyter_promote \S+ OK", listing), listing


def test_python_and_npm_share_one_version():
    from jupyter_promote import __version__

    package = json.loads((ROOT / "labextension" / "package.json").read_text())
    assert package["version"] == __version__
