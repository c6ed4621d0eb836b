"""A fleet under load (issue 14): many promoted pipelines, a burst of runs, two process workers,
on the team stack (PostgreSQL) and on the SQLite default, in one benchmark run.

Each scenario starts its own embedded stack (``up``, with the monitor) in a fresh project,
promotes ``BENCH_LOAD_PIPELINES`` small notebooks with a quality gate (in-process, no dry run),
starts a second process worker on the pool, then triggers ``BENCH_LOAD_RUNS`` runs spread over
``BENCH_LOAD_BURST_S`` seconds (round robin over the pipelines; each pipeline runs one at a time,
its default, so its later runs wait for their slot). Throughout, a probe asks the API for flow
runs every second (latency, errors) and ``ls`` (the catalog and Prefect) is timed every 15 s.
Measured: runs per minute (first start to last end), final states, API p95 and worst latency,
failed API calls, "database is locked" anywhere in the server and worker logs or run messages,
``ls`` worst time, whether the monitor is still alive.

Scenarios:

- ``postgresql``: ``up --database`` on a real PostgreSQL (Debian's, as the tests start it);
  the pool takes ``WORKERS * PER_WORKER`` runs at once.
- ``sqlite, self-protected``: ``up`` as a user gets it: the pool takes what the machine carries.
- ``sqlite, unprotected``: the same pool limit as PostgreSQL's, to show where SQLite stops.

Runs cost CPU (a flow process and a kernel with its gate each), so on a small machine the run
count is what sets the duration: 1,000 runs take more than an hour on 2 cores.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import table

PIPELINES = int(os.environ.get("BENCH_LOAD_PIPELINES", "200"))
RUNS = int(os.environ.get("BENCH_LOAD_RUNS", "1000"))
BURST_S = float(os.environ.get("BENCH_LOAD_BURST_S", "180"))
SCENARIOS = os.environ.get("BENCH_LOAD_SCENARIOS", "postgresql,sqlite,sqlite-unprotected")
WORKERS = 2
PER_WORKER = 3
LOCKED = "database is locked"
TESTS = Path(__file__).resolve().parents[1] / "tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _notebook(path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from jupyter_promote.expectations import add_expectations, parse_expect_line

    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})  # fmt: skip
    cells = [("setup", "import pandas as pd"),
             ("step:load", "raw = pd.DataFrame({'id': range(100), 'amount': range(100)})"),
             ("step:clean", "clean = raw[raw.amount >= 0]")]  # fmt: skip
    nb.cells = [new_code_cell(code, metadata={"tags": [tag]}) for tag, code in cells]
    variable, configs = parse_expect_line("clean: amount >= 0, id unique")
    add_expectations(nb, "clean", variable, configs)
    nbformat.write(nb, str(path))


class _Probe(threading.Thread):
    """Every second: ``POST /flow_runs/filter`` (limit 5), timed; every 15 s: ``ls``, timed."""

    def __init__(self, api_url: str, config: Any) -> None:
        super().__init__(daemon=True)
        self.url, self.config, self.stop = api_url, config, threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.ls_seconds: list[float] = []
        self.ls_errors: list[str] = []

    def run(self) -> None:
        import httpx

        from jupyter_promote.services.pipelines import list_pipelines

        tick = 0
        with httpx.Client(timeout=30) as client:
            while not self.stop.wait(1.0):
                tick += 1
                started = time.perf_counter()
                try:
                    client.post(
                        f"{self.url}/flow_runs/filter", json={"limit": 5}
                    ).raise_for_status()
                    self.latencies.append(time.perf_counter() - started)
                except httpx.HTTPError as exc:
                    self.errors.append(repr(exc))
                if tick % 15 == 0:
                    started = time.perf_counter()
                    try:
                        list_pipelines(self.config)
                        self.ls_seconds.append(time.perf_counter() - started)
                    except Exception as exc:  # recorded: `ls` must keep answering
                        self.ls_errors.append(repr(exc))


@dataclass
class Outcome:
    """What one scenario measured."""

    name: str
    pool_limit: int
    promote_s: float = 0.0
    states: Counter[str] = field(default_factory=Counter)
    unfinished: int = 0
    runs_per_minute: float = 0.0
    seconds: float = 0.0
    p95_ms: float = 0.0
    worst_ms: float = 0.0
    api_errors: int = 0
    trigger_errors: int = 0
    probes: int = 0
    locked: int = 0
    ls_worst_s: float = 0.0
    ls_errors: int = 0
    monitor_alive: bool = False
    notes: list[str] = field(default_factory=list)


def _wait_final(client: Any, runs: list[Any], outcome: Outcome) -> dict[Any, Any]:
    """The runs' final states, read every 5 s until all are final, the time is up, or the API
    has not answered for a minute (recorded: the server stopped)."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + max(1800.0, len(runs) * 12.0)
    final: dict[Any, Any] = {}
    silent_since: float | None = None
    while time.monotonic() < deadline and len(final) < len(runs):
        pending = [r for r in runs if r not in final]
        try:
            for chunk in range(0, len(pending), 200):
                ids_filter = FlowRunFilterId(any_=pending[chunk : chunk + 200])
                found = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=ids_filter))
                final.update({r.id: r for r in found if r.state and r.state.is_final()})
            silent_since = None
        except Exception as exc:
            silent_since = silent_since or time.monotonic()
            if time.monotonic() - silent_since > 60:
                outcome.notes.append(f"the API stopped answering for 60 s: {exc!s:.200}")
                break
        time.sleep(5)
    return final


def _scenario(name: str, database_url: str, pool_limit: int | None) -> Outcome:
    import httpx
    from prefect.client.orchestration import SyncPrefectClient

    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import processes, stack, stack_processes
    from jupyter_promote.services.promote import promote

    tmp = tempfile.mkdtemp(prefix=f"bench-load-{name.split(',')[0]}-")
    project = Path(tmp)
    config = PromoteConfig(project_dir=tmp, server_port=_free_port(), database_url=database_url)
    saved = dict(os.environ)
    state, _ = stack.up(config, worker=True, monitor=True)
    outcome = Outcome(name, pool_limit or state.run_limit or 0)
    workers: list[Any] = []
    try:
        env = stack.prefect_env(config)
        os.environ.update(env)
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "CRITICAL"
        pool_url = f"{state.api_url}/work_pools/{state.work_pool}"
        if pool_limit is not None:
            httpx.patch(pool_url, json={"concurrency_limit": pool_limit}).raise_for_status()
        outcome.pool_limit = httpx.get(pool_url).json()["concurrency_limit"] or 0
        started = time.perf_counter()
        for i in range(PIPELINES):
            path = project / f"p{i:03d}.ipynb"
            _notebook(path)
            given = {"name": f"p{i:03d}", "owner": f"owner{i % 17}@bank.example"}
            promote(path, given, config, dry_run=False, remember_in_file=False)
        outcome.promote_s = time.perf_counter() - started
        # a second process worker on the same pool (the stack started the first)
        log = Path(state.worker_log).with_name("worker-2.log")
        command = [str(stack_processes.PREFECT_EXECUTABLE), "worker", "start", "--pool",
                   state.work_pool, "--type", "process", "--name", "second"]  # fmt: skip
        worker_env = {**stack_processes._stack_env(state), **stack_processes.WORKER_ENV}
        workers.append(processes.spawn(command, env=worker_env, log=str(log), cwd=project))
        probe = _Probe(state.api_url, config)
        probe.start()
        with SyncPrefectClient(state.api_url) as client:
            ids = [d.id for d in client.read_deployments()]
            runs = []
            burst_started = time.monotonic()
            for i in range(RUNS):
                due = burst_started + BURST_S * i / max(1, RUNS)
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    runs.append(client.create_flow_run_from_deployment(ids[i % len(ids)]).id)
                except Exception as exc:  # the API refused the run: recorded, the burst goes on
                    outcome.trigger_errors += 1
                    if outcome.trigger_errors == 1:
                        outcome.notes.append(f"run {i + 1} of the burst refused: {exc!s:.300}")
            final = _wait_final(client, runs, outcome)
        probe.stop.set()
        probe.join()
        outcome.states = Counter(r.state.type.value for r in final.values())
        outcome.unfinished = len(runs) - len(final)
        outcome.locked = sum(LOCKED in (r.state.message or "") for r in final.values())
        done = [r for r in final.values() if r.start_time and r.end_time]
        if done:
            span = (max(r.end_time for r in done) - min(r.start_time for r in done)).total_seconds()
            outcome.seconds = span
            outcome.runs_per_minute = outcome.states["COMPLETED"] / (span / 60) if span else 0.0
        latencies = sorted(probe.latencies)
        if latencies:
            outcome.p95_ms = 1000 * latencies[int(0.95 * (len(latencies) - 1))]
            outcome.worst_ms = 1000 * latencies[-1]
        outcome.api_errors, outcome.probes = len(probe.errors), len(latencies) + len(probe.errors)
        outcome.ls_worst_s = max(probe.ls_seconds, default=0.0)
        outcome.ls_errors = len(probe.ls_errors)
        outcome.notes += probe.errors[:3] + probe.ls_errors[:3]
        monitor = processes.live_process(state.monitor_pid, state.monitor_created)
        outcome.monitor_alive = monitor is not None
        for log_file in sorted(Path(state.server_log).parent.glob("*.log")):
            text = log_file.read_text(errors="replace").splitlines()
            hits = [i for i, line in enumerate(text) if LOCKED in line]
            outcome.locked += len(hits)
            if hits:  # where: the last log lines that name a Prefect module before the first hit
                where = [x.strip() for x in text[max(0, hits[0] - 60) : hits[0]] if "prefect" in x]
                outcome.notes.append(
                    f"{log_file.name}: {len(hits)}x {text[hits[0]].strip()[:120]}"
                    f" (after: {' | '.join(where[-3:])[:400]})"
                )
    finally:
        for worker in workers:  # with the flow runs it started, as `down` stops its own
            ladder, home = processes.WORKER_STOP, state.prefect_home
            stack_processes._stop_group(
                "worker", worker.pid, worker.create_time(), ladder, home, runs=True
            )
        stack.down(config)
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)
    return outcome


def run() -> tuple[str, bool]:
    sys.path.insert(0, str(TESTS))
    from pgserver import start_postgres

    outcomes = []
    wanted = [s.strip() for s in SCENARIOS.split(",") if s.strip()]
    shared = WORKERS * PER_WORKER

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        print(f"measured {outcome.name}: {_row(outcome)}", file=sys.stderr, flush=True)

    if "postgresql" in wanted:
        base = Path(tempfile.mkdtemp(prefix="bench-load-pg-"))
        pg = start_postgres(base)
        try:
            pg.create_database("fleet")
            done(_scenario("postgresql", pg.url("fleet", driver=""), shared))
        finally:
            pg.stop()
            shutil.rmtree(base, ignore_errors=True)
    if "sqlite" in wanted:
        done(_scenario("sqlite, self-protected", "", None))
    if "sqlite-unprotected" in wanted:
        done(_scenario("sqlite, unprotected", "", shared))
    rows = [_row(o) for o in outcomes]
    header = ["stack", "runs at once", "promote", "final states", "runs/min", "API p95 / worst",
              "API errors", "db locked", "ls worst", "monitor"]  # fmt: skip
    title = (f"Fleet load: {PIPELINES} pipelines with a gate, {RUNS} runs over {BURST_S:.0f} s,"
             f" {WORKERS} process workers")  # fmt: skip
    text = table(title, header, rows)
    notes = [f"- {o.name}: {note}" for o in outcomes for note in o.notes]
    if notes:
        text += "\n" + "\n".join(notes) + "\n"
    # every run final and COMPLETED, no API error, `ls` answering: on PostgreSQL without a
    # single "database is locked"; on the protected SQLite default Prefect's server may log
    # some (it retries them: the runs and the API are what users see)
    ok = all(
        o.unfinished == 0 and o.api_errors == 0 and o.trigger_errors == 0 and o.ls_errors == 0
        and set(o.states) == {"COMPLETED"} and (o.locked == 0 or o.name != "postgresql")
        for o in outcomes if o.name in ("postgresql", "sqlite, self-protected")
    )  # fmt: skip
    return text, ok


def _row(o: Outcome) -> list[object]:
    states = ", ".join(f"{count} {state.lower()}" for state, count in sorted(o.states.items()))
    if o.unfinished:
        states += f", {o.unfinished} unfinished"
    return [
        o.name, o.pool_limit, f"{o.promote_s:.0f} s ({PIPELINES})", states,
        f"{o.runs_per_minute:.1f}", f"{o.p95_ms:.0f} / {o.worst_ms:.0f} ms",
        f"{o.api_errors} of {o.probes}; {o.trigger_errors} of {RUNS} triggers", o.locked,
        f"{o.ls_worst_s:.2f} s",
        "alive" if o.monitor_alive else "DEAD",
    ]  # fmt: skip


if __name__ == "__main__":
    text, ok = run()
    print(text)
    sys.exit(0 if ok else 1)
