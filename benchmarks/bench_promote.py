"""Promotion of a 50-cell notebook on a warm local server, dry run excluded: under 1.5 s
(DESIGN.md §7), with the split: checks (static + settings + secrets), release write,
deployment upsert. Each timed promotion changes one cell, so every one is a new version."""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from benchmarks.common import table, verdict

LIMIT_S = 1.5
REPEAT = 5


def _notebook(cells: int = 50) -> nbformat.NotebookNode:
    body = [
        new_code_cell(
            "as_of: str = '2026-11-01'\nlimit: int = 10", metadata={"tags": ["parameters"]}
        ),
        new_code_cell("import math", metadata={"tags": ["setup"]}),
    ]
    step = 0
    while len(body) < cells:
        if len(body) % 6 == 2:
            step += 1
            prev = f"rows_{step - 1}" if step > 1 else "list(range(limit))"
            body.append(
                new_code_cell(
                    f"rows_{step} = [x + 1 for x in {prev}]", metadata={"tags": [f"step:s{step}"]}
                )
            )
        else:
            body.append(
                new_code_cell(f"total_{len(body)} = sum(math.sqrt(x) for x in rows_{step})")
            )
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return new_notebook(cells=body, metadata={"kernelspec": kernelspec})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run() -> tuple[str, bool]:
    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import stack

    with tempfile.TemporaryDirectory() as tmp:
        config = PromoteConfig(project_dir=tmp, server_port=_free_port())
        stack.up(config, worker=False)
        try:
            os.environ.update(stack.prefect_env(config))
            rows = _measure(Path(tmp), config)
        finally:
            stack.down(config)
    total = statistics.median(r["total"] for r in rows)
    phases = ["checks", "release", "deploy", "total"]
    lines = [
        [
            phase,
            *(
                f"{v:.3f}"
                for v in (min(r[phase] for r in rows), statistics.median(r[phase] for r in rows))
            ),
            f"< {LIMIT_S}" if phase == "total" else "",
            verdict(total, LIMIT_S) if phase == "total" else "",
        ]
        for phase in phases
    ]
    text = table(
        f"Promotion of a 50-cell notebook, warm server, dry run excluded (s, {REPEAT} promotions)",
        ["phase", "min", "median", "target", "result"],
        lines,
    )
    return text, total < LIMIT_S


def _measure(project: Path, config) -> list[dict[str, float]]:
    from jupyter_promote.services import promote as service

    path = project / "fifty.ipynb"
    nb = _notebook()
    nbformat.write(nb, path)
    form = {"name": "fifty", "owner": "bench", "interval_seconds": 3600}
    service.promote(path, form, config, dry_run=False)  # warm-up: imports, flow registration
    clock = _PhaseClock(service)
    rows = []
    for i in range(REPEAT):
        nb = nbformat.read(path, as_version=4)  # keeps the remembered promotion form
        nb.cells[3].source = f"# change {i}\n" + nb.cells[3].source
        nbformat.write(nb, path)
        clock.reset()
        start = time.perf_counter()
        result = service.promote(path, {}, config, dry_run=False)
        total = time.perf_counter() - start
        assert not result.unchanged
        rows.append({**clock.phases(total), "total": total})
    clock.restore()
    return rows


class _PhaseClock:
    """Wraps the service's release write and deployment upsert to time them."""

    def __init__(self, service) -> None:
        from jupyter_promote.orchestration import deploy

        self.service, self.deploy = service, deploy
        self.real_write, self.real_upsert = service.write_release, deploy.upsert
        self.times: dict[str, float] = {}
        service.write_release = self._timed("release", self.real_write)
        deploy.upsert = self._timed("deploy", self.real_upsert)

    def _timed(self, name, fn):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.times[name] = time.perf_counter() - start

        return wrapper

    def reset(self) -> None:
        self.times = {}

    def phases(self, total: float) -> dict[str, float]:
        return {
            "release": self.times["release"],
            "deploy": self.times["deploy"],
            "checks": total - self.times["release"] - self.times["deploy"],
        }

    def restore(self) -> None:
        self.service.write_release, self.deploy.upsert = self.real_write, self.real_upsert


if __name__ == "__main__":
    text, ok = run()
    print(text)
    sys.exit(0 if ok else 1)
