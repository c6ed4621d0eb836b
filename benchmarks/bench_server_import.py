"""Server-extension import cost at JupyterLab start: target under 100 ms beyond jupyter_server's
own import (DESIGN.md §7).

Each sample is a fresh interpreter that first imports ``jupyter_server.serverapp`` (paid by any
Jupyter server anyway), then times what loading our extension adds: ``import jupyter_promote``,
``_jupyter_server_extension_points()`` and importing the extension module with its handlers.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from benchmarks.common import table, verdict

LIMIT_MS = 100.0
SAMPLES = 7
_PROBE = """
import json, sys, time
t0 = time.perf_counter()
import jupyter_server.serverapp
t1 = time.perf_counter()
import jupyter_promote
points = jupyter_promote._jupyter_server_extension_points()
import importlib
for point in points:
    importlib.import_module(point["module"])
import jupyter_promote.frontends.server.handlers
t2 = time.perf_counter()
heavy = [m for m in ("prefect", "great_expectations", "nbclient", "papermill") if m in sys.modules]
print(json.dumps({"server": (t1 - t0) * 1000, "extension": (t2 - t1) * 1000, "heavy": heavy}))
"""


def sample() -> dict[str, float]:
    """One fresh interpreter's timings in milliseconds."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def run() -> tuple[str, bool]:
    sample()  # warm the file system cache
    samples = [sample() for _ in range(SAMPLES)]
    heavy = sorted({m for s in samples for m in s["heavy"]})
    rows = []
    for key, label in (("server", "jupyter_server.serverapp (baseline)"), ("extension", "")):
        values = [s[key] for s in samples]
        limit = f"< {LIMIT_MS:.0f}" if key == "extension" else ""
        passed = verdict(statistics.median(values), LIMIT_MS) if key == "extension" else ""
        rows.append(
            [
                label or "jupyter_promote + extension points + server handlers",
                f"{min(values):.1f}",
                f"{statistics.median(values):.1f}",
                f"{max(values):.1f}",
                limit,
                passed,
            ]
        )
    ok = statistics.median(s["extension"] for s in samples) < LIMIT_MS and not heavy
    title = f"Server-extension import, fresh interpreter, {SAMPLES} samples, ms"
    text = table(title, ["import", "min", "median", "max", "target", "verdict"], rows)
    if heavy:
        text += f"\nFAIL: loading the extension imported {', '.join(heavy)}\n"
    return text, ok


if __name__ == "__main__":
    text, passed = run()
    print(text)
    sys.exit(0 if passed else 1)
