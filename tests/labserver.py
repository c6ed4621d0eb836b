"""A real JupyterLab for browser tests and the lab benchmark: ``start_lab(root, home, env)``
runs ``jupyter lab`` on 127.0.0.1 (free port, random token, no news toast) and
``launch_chromium(playwright)`` the system's headless Chromium."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

CHROMIUM = "/usr/bin/chromium"
# Playwright's own browser download cannot work here: the system Chromium, told to stay offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
_NO_NEWS = ("@jupyterlab/apputils-extension", "notification.jupyterlab-settings")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    """A running ``jupyter lab`` subprocess and how to reach it."""

    base_url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def tree_url(self, path: str) -> str:
        """The address that opens ``path`` (server-relative) in JupyterLab."""
        return f"{self.base_url}lab/tree/{path}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate, then kill after 10 s; then end any kernel it left working in its root
        (a kernel still starting when the server stops can outlive it)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for kernel in _kernels_in(self.root):
            kernel.kill()


def _kernels_in(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if "ipykernel_launcher" not in " ".join(process.info["cmdline"] or []):
            continue
        try:
            if Path(process.cwd()).is_relative_to(folder):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def start_lab(root: Path, home: Path, env: dict[str, str], timeout: float = 90) -> Lab:
    """Start JupyterLab serving ``root``; its settings and log live in ``home``.

    Raises:
        RuntimeError: The server did not answer ``/api/status`` in time (with its log tail).
    """
    settings = home / "lab-settings"
    (settings / _NO_NEWS[0]).mkdir(parents=True, exist_ok=True)
    (settings / _NO_NEWS[0] / _NO_NEWS[1]).write_text(json.dumps({"fetchNews": "false"}))
    token, port = secrets.token_hex(16), _free_port()
    log = home / "jupyter-lab.log"
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={home / 'lab-workspaces'}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands by id
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}/", token, root, log, process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{lab.base_url}api/status?token={token}", timeout=2):
                return lab
        except OSError:
            time.sleep(0.25)
    lab.stop()
    raise RuntimeError(f"jupyter lab did not come up on port {port}:\n{lab.log_tail()}")


def launch_chromium(playwright):  # type: ignore[no-untyped-def]
    """The system Chromium, headless, through Python playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_panel(page) -> None:  # type: ignore[no-untyped-def]
    """Run ``jupyter-promote:open-panel`` once JupyterLab has restored its layout (clicking the
    sidebar tab instead would close a panel the layout restored)."""
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    for attempt in range(3):
        try:
            page.evaluate(
                "async () => { await window.jupyterapp.restored;"
                " await window.jupyterapp.commands.execute('jupyter-promote:open-panel'); }"
            )
            return
        except PlaywrightError as exc:
            # Chromium may drop the evaluation's promise while the page settles ("Resulting
            # promise was garbage collected"); the command itself is idempotent
            if attempt == 2 or "garbage collected" not in str(exc):
                raise
            page.wait_for_timeout(500)
