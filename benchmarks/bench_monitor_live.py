"""The live monitor's latency (issue #12): an alert leaves within 5 s of the Prefect event that
caused it.

A real embedded Prefect server (no worker), a project of 20 promoted pipelines (release files
and teams.yaml: the monitor reads nothing else), a real ``jupyter promote monitor`` process and
a real webhook receiver on 127.0.0.1. Each sample emits one failure event to the server, as a
failing run does, and times it until the owner's webhook receives the alert; then a completion
resolves the incident. Two cases, side by side:

- ``jupyter-promote.run.failed``: what our flows send when a step, a gate or the kernel fails
  (it carries the step, the cell and the expectation); the alert goes out at once;
- Prefect's bare ``Failed`` state with no such event (a run that died outside our code): the
  monitor waits up to 2 s for the details before it alerts.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.common import table, verdict, write_releases

PIPELINES = 20
SAMPLES = 10
LIMIT_S = 5.0
ROSTER = """\
teams:
  - name: risk
    members:
      - id: ana
        channels:
          - {type: webhook, url: env:BENCH_MONITOR_HOOK}
"""


def _project(folder: Path) -> None:
    from jupyter_promote.release.settings import PromotionSettings

    (folder / "teams.yaml").write_text(ROSTER)
    settings = [
        PromotionSettings(name=f"live-{i:02d}", owner="ana", team="risk") for i in range(PIPELINES)
    ]
    write_releases(folder / "pipelines", "x = 1", settings)


async def _emit(name: str, pipeline: str, run: str, payload: dict[str, object]) -> None:
    from prefect.events import Event
    from prefect.events.clients import get_events_client

    resource = (
        {"prefect.resource.id": f"prefect.flow-run.{run}"}
        if name.startswith("prefect.flow-run.")
        else {"prefect.resource.id": f"jupyter-promote.pipeline.{pipeline}"}
    )
    related = [
        {"prefect.resource.id": f"prefect.flow-run.{run}", "prefect.resource.role": "flow-run"},
        {"prefect.resource.id": f"prefect.deployment.{uuid.uuid4()}",
         "prefect.resource.role": "deployment", "prefect.resource.name": pipeline},
    ]  # fmt: skip
    async with get_events_client() as client:
        await client.emit(Event(event=name, resource=resource, related=related, payload=payload))


def _sample(hooks: object, pipeline: str, bare: bool) -> float:
    run = str(uuid.uuid4())
    before = len(hooks.posts)  # type: ignore[attr-defined]
    started = time.perf_counter()
    if bare:
        asyncio.run(_emit("prefect.flow-run.Failed", pipeline, run, {}))
    else:
        asyncio.run(_emit("jupyter-promote.run.failed", pipeline, run,
                          {"kind": "failed", "step": "main", "cell": 0}))  # fmt: skip
    while len(hooks.posts) == before:  # type: ignore[attr-defined]
        if time.perf_counter() - started > 30:
            raise RuntimeError(f"no alert for {pipeline} within 30 s")
        time.sleep(0.01)
    took = time.perf_counter() - started
    asyncio.run(_emit("prefect.flow-run.Completed", pipeline, str(uuid.uuid4()), {}))
    resolved = before + 2  # the opening alert, then the resolution
    deadline = time.perf_counter() + 30
    while len(hooks.posts) < resolved and time.perf_counter() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.02)
    return took


def run() -> tuple[str, bool]:
    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import stack

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from sinks import free_port, webhook_receiver

    with tempfile.TemporaryDirectory() as tmp, webhook_receiver() as hooks:
        project = Path(tmp)
        _project(project)
        config = PromoteConfig(project_dir=str(project), server_port=free_port())
        stack.up(config, worker=False)
        monitor = None
        try:
            env = {**os.environ, **stack.prefect_env(config),
                   "BENCH_MONITOR_HOOK": hooks.url("/ana")}  # fmt: skip
            os.environ.update(stack.prefect_env(config))
            log = project / "monitor.log"
            with log.open("wb") as out:
                monitor = subprocess.Popen(
                    [sys.executable, "-m", "jupyter_promote", "monitor", "--project-dir", tmp],
                    env=env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            deadline = time.time() + 60
            while "monitor: following" not in log.read_text(errors="replace"):
                if time.time() > deadline or monitor.poll() is not None:
                    raise RuntimeError(f"the monitor did not start:\n{log.read_text()}")
                time.sleep(0.1)
            own, bare = [], []
            for i in range(SAMPLES):
                own.append(_sample(hooks, f"live-{i % PIPELINES:02d}", bare=False))
                bare.append(_sample(hooks, f"live-{(i + SAMPLES) % PIPELINES:02d}", bare=True))
            alerts = [json.loads(p["body"]) for p in hooks.posts]
        finally:
            if monitor is not None:
                monitor.terminate()
                monitor.wait(15)
            stack.down(config)
    rows = [
        ["jupyter-promote.run.failed (our flows)", f"{statistics.median(own):.2f} s",
         f"{max(own):.2f} s", f"< {LIMIT_S:.0f} s", verdict(max(own), LIMIT_S)],
        ["Prefect's bare Failed state (held 2 s for details)", f"{statistics.median(bare):.2f} s",
         f"{max(bare):.2f} s", f"< {LIMIT_S:.0f} s", verdict(max(bare), LIMIT_S)],
    ]  # fmt: skip
    assert len(alerts) >= 4 * SAMPLES, len(alerts)  # every failure alerted and resolved
    text = table(
        f"Live monitor: Prefect event -> alert at the webhook ({SAMPLES} samples each)",
        ["event", "median", "max", "target", ""],
        rows,
    )
    return text, not any(r[-1] == "FAIL" for r in rows)


if __name__ == "__main__":
    text, passed = run()
    print(text)
    sys.exit(0 if passed else 1)
