"""The live monitor end to end, on the session's real Prefect server and worker: a real
`jupyter promote monitor` process follows the server's events and sends alerts to a real webhook
receiver and a real SMTP server (aiosmtpd) on 127.0.0.1, routed by the project's teams.yaml.

- a failing `error` gate in a promoted run: exactly one alert per channel of the owner and the
  team (tier high), within seconds, naming the step, the expectation and the observed values;
- an upstream failure with two downstream pipelines: one incident whose blast radius names both,
  one e-mail to the owner;
- `incidents`, `ack`, `resolve`; the incident events in Prefect's own event feed;
- a restart catches up and sends nothing twice.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from runcli import promote
from sinks import smtp_sink, webhook_receiver

from nbbuild import make_nb, write_nb

pytestmark = pytest.mark.prefect

ROSTER = """\
teams:
  - name: risk
    channels:
      - type: webhook
        url: env:JP_E2E_RISK_HOOK
    members:
      - id: ana
        channels:
          - type: webhook
            url: env:JP_E2E_ANA_HOOK
      - id: ben
        email: ben@bank.example
"""


def gated(project: Path) -> str:
    from jupyter_promote.expectations import add_expectations, parse_expect_line

    nb = make_nb(
        ("setup", "import pandas as pd"),
        ("step:load", "raw = pd.DataFrame({'loan_id': [1, 2, 3], 'amount': [10.0, -12.0, 50.0]})"),
        ("step:clean", "loans_clean = raw.dropna()"),
        ("step:report", "print('published', len(loans_clean))"),
    )
    variable, configs = parse_expect_line("loans_clean: amount between 0 and 100")
    add_expectations(nb, "clean", variable, configs)
    return write_nb(project / "mon_gated.ipynb", nb)


FAILING_EXTRACT = """df = pd.DataFrame({'x': [1]})
df.to_csv('data/mon.csv')
raise RuntimeError('source system down')"""


def chain(project: Path) -> dict[str, str]:
    """mon-up writes data/mon.csv (and fails); mon-down1 and mon-down2 read it."""
    (project / "data").mkdir(exist_ok=True)
    notebooks = {
        "mon_up": make_nb(
            ("setup", "import pandas as pd"),
            (
                "step:extract",
                "df = pd.DataFrame({'x': [1]})\ndf.to_csv('data/mon.csv')\n"
                "raise RuntimeError('source system down')",
            ),
        ),
        "mon_down1": make_nb(
            ("setup", "import pandas as pd"),
            ("step:use", "pd.read_csv('data/mon.csv').to_csv('data/mon_a.csv')"),
        ),
        "mon_down2": make_nb(
            ("setup", "import pandas as pd"),
            ("step:use", "pd.read_csv('data/mon.csv').to_csv('data/mon_b.csv')"),
        ),
    }
    return {name: write_nb(project / f"{name}.ipynb", nb) for name, nb in notebooks.items()}


def cli(server, project: Path, *args: str, env: dict[str, str] | None = None):
    return promote(*args, "--project-dir", str(project), env={**server.env, **(env or {})})


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class MonitorProcess:
    """`jupyter promote monitor` as a real process, its output in a log file."""

    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.project, self.env = project, env
        self.log = project / "monitor-test.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyter_promote", "monitor", "--project-dir",
                 str(self.project)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(lambda: "monitor: following" in self.text() or self.proc.poll() is not None,
                 60, "the monitor to start")  # fmt: skip
        assert self.proc.poll() is None, self.text()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture(scope="module")
def watched(prefect_server, tmp_path_factory):
    project = tmp_path_factory.mktemp("monitored")
    (project / "teams.yaml").write_text(ROSTER)
    paths = {"mon_gated": gated(project), **chain(project)}
    paths["mon_ok"] = write_nb(project / "mon_ok.ipynb", make_nb(("step:only", "x = 1")))
    daily = ["--schedule", "0 6 1 1 *", "--no-dry-run"]
    for name, owner, tier in (
        ("mon_gated", "ana", "high"),
        ("mon_up", "ben", "normal"),
        ("mon_down1", "ben", "normal"),
        ("mon_down2", "ben", "normal"),
        ("mon_ok", "ben", "low"),
    ):
        done = cli(prefect_server, project, "promote", paths[name], "--name",
                   name.replace("_", "-"), "--owner", owner, "--team", "risk", "--tier", tier,
                   *daily)  # fmt: skip
        assert done.returncode == 0, done.stderr
    run_to_completion(prefect_server, project, "mon-ok")  # history before the monitor starts
    with webhook_receiver() as hooks, smtp_sink() as smtp:
        env = {
            **os.environ,
            **prefect_server.env,
            "JP_E2E_ANA_HOOK": hooks.url("/ana"),
            "JP_E2E_RISK_HOOK": hooks.url("/risk"),
            "JUPYTER_PROMOTE_SMTP_HOST": "127.0.0.1",
            "JUPYTER_PROMOTE_SMTP_PORT": str(smtp.port),
            "JUPYTER_PROMOTE_SMTP_STARTTLS": "false",
            "JUPYTER_PROMOTE_SMTP_FROM": "alerts@bank.example",
        }
        monitor = MonitorProcess(project, env)
        monitor.start()
        try:
            yield project, hooks, smtp, monitor, env
        finally:
            monitor.stop()


def run_to_completion(server, project: Path, name: str) -> None:
    done = cli(server, project, "trigger", name)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split("started flow run ", 1)[1].split()[0]

    def completed() -> bool:
        with server.client() as client:
            state = client.read_flow_run(run_id).state
        assert not (state.is_failed() or state.is_crashed()), state
        return state.is_completed()

    wait_for(completed, 180, f"{name}'s run to complete")


def posts(hooks, path: str) -> list[dict]:
    return [json.loads(p["body"]) for p in hooks.posts if p["path"] == path]


def incidents(server, project, *flags: str) -> list[dict]:
    done = cli(server, project, "incidents", "--json", *flags)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_run_history_comes_from_prefect_once(prefect_server, watched, tmp_path):
    """A run that completed just before the monitor started is read from the catch-up's events,
    once; a monitor starting later (here: on a fresh catalog) reads it from Prefect's runs."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services.monitor import MonitorService

    project = watched[0]
    watching = MonitorService(load_config(str(project)))

    def durations() -> list[float]:
        found = watching.state().pipelines.get("mon-ok")
        return found.durations if found else []

    # Prefect stores the run's Completed event a moment after the run ends: the monitor may
    # get it from the catch-up or from the websocket's replay, but once
    wait_for(durations, 60, "the monitor to learn mon-ok's completed run")
    time.sleep(2)
    [seen] = durations()
    fresh = tmp_path / "fresh"
    shutil.copytree(project / "pipelines", fresh / "pipelines")
    service = MonitorService(load_config(str(fresh)))
    assert service.seed_history(datetime.now(timezone.utc)) == ["mon-ok"]
    [seeded] = service.state().pipelines["mon-ok"].durations
    if not (0 < seeded < 120 and abs(seeded - seen) < 5):  # say what Prefect recorded
        run_log = watching.state().pipelines["mon-ok"].runs
        with prefect_server.client() as client:
            states = [(s.name, s.timestamp) for r in run_log
                      for s in client.read_flow_run_states(r.run)]  # fmt: skip
        raise AssertionError(f"seeded {seeded} s, seen {seen} s; {states}; {run_log}")
    assert service.seed_history(datetime.now(timezone.utc)) == []  # it has history now


def test_a_failing_gate_sends_one_alert_to_the_owner_and_the_team(prefect_server, watched):
    project, hooks, _smtp, monitor, _env = watched
    began = time.monotonic()
    done = cli(prefect_server, project, "trigger", "mon-gated")
    assert done.returncode == 0, done.stderr

    ana = wait_for(lambda: posts(hooks, "/ana"), 120, f"the alert to ana\n{monitor.text()}")
    risk = wait_for(lambda: posts(hooks, "/risk"), 10, "the alert to the team")
    took = time.monotonic() - began
    time.sleep(4)  # the run's later events (Failed state, its failure event) say nothing new
    assert len(posts(hooks, "/ana")) == 1 and len(posts(hooks, "/risk")) == 1, hooks.posts
    body = ana[0]
    assert body == risk[0]
    text = json.dumps(body)
    assert body["subject"].startswith("mon-gated"), body
    assert "gate" in body["subject"].lower(), body
    for fact in ("clean", "amount between 0 and 100", "-12.0", "executed"):
        assert fact in text, (fact, body)
    assert took < 120
    found = incidents(prefect_server, project, "--open")
    gate = [i for i in found if i["root_cause"] == "mon-gated"]
    assert [i["kind"] for i in gate] == ["gate-failed"]
    assert gate[0]["first_look"]["step"] == "clean"


def test_an_upstream_failure_is_one_incident_naming_both_downstreams(prefect_server, watched):
    project, _hooks, smtp, monitor, _env = watched
    done = cli(prefect_server, project, "trigger", "mon-up")
    assert done.returncode == 0, done.stderr

    mails = wait_for(lambda: [m for m in smtp.inbox.mails if "mon-up" in m[2]["Subject"]], 120,
                     f"the e-mail to ben\n{monitor.text()}")  # fmt: skip
    time.sleep(3)
    mails = [m for m in smtp.inbox.mails if "mon-up" in m[2]["Subject"]]
    assert len(mails) == 1
    _sender, to, mail = mails[0]
    assert to == ["ben@bank.example"]
    body = mail.get_content()
    assert "mon-down1" in body and "mon-down2" in body, body
    up = [i for i in incidents(prefect_server, project, "--open") if i["root_cause"] == "mon-up"]
    assert len(up) == 1
    assert sorted(up[0]["blast_radius"]) == ["mon-down1", "mon-down2"]


def test_ack_and_resolve_by_hand_and_prefect_sees_the_incident_events(prefect_server, watched):
    project, hooks, _smtp, _monitor, env = watched
    gate = wait_for(
        lambda: [i for i in incidents(prefect_server, project, "--open")
                 if i["root_cause"] == "mon-gated"], 120, "the gate incident")  # fmt: skip
    incident = gate[0]["id"]
    acked = cli(prefect_server, project, "ack", incident, "--by", "ana", env=env)
    assert acked.returncode == 0, acked.stderr
    assert f"{incident}: acknowledged by ana" in acked.stdout
    before = len(posts(hooks, "/ana"))
    resolved = cli(prefect_server, project, "resolve", incident, "--by", "ana", env=env)
    assert resolved.returncode == 0, resolved.stderr
    assert len(posts(hooks, "/ana")) == before + 1  # one resolution alert
    assert "resolved" in posts(hooks, "/ana")[-1]["subject"].lower()
    assert incident not in [i["id"] for i in incidents(prefect_server, project, "--open")]

    unknown = cli(prefect_server, project, "ack", "inc-999")
    assert unknown.returncode != 0
    assert 'no incident "inc-999"' in unknown.stderr

    def incident_events() -> list[dict]:
        events = httpx.post(
            f"{prefect_server.api_url}/events/filter",
            json={"filter": {"event": {"prefix": ["jupyter-promote.incident."]},
                             "occurred": {"since": "2020-01-01T00:00:00Z"}}, "limit": 50},
        ).json()["events"]  # fmt: skip
        return [e for e in events if e["payload"].get("incident") == incident]

    # Prefect stores events a moment after it receives them
    def both() -> list[dict] | None:
        found = incident_events()
        return found if len(found) >= 2 else None

    mine = wait_for(both, 30, "the incident's events in Prefect")
    assert sorted(e["event"] for e in mine) == [
        "jupyter-promote.incident.opened",
        "jupyter-promote.incident.resolved",
    ]
    opened = next(e for e in mine if e["event"].endswith("opened"))
    roles = {r["prefect.resource.role"] for r in opened["related"]}
    assert "deployment" in roles and "flow-run" in roles, opened


def test_a_restart_catches_up_and_sends_nothing_twice(prefect_server, watched):
    project, hooks, smtp, monitor, _env = watched

    def up_incident() -> dict:
        found = incidents(prefect_server, project, "--open")
        [incident] = [i for i in found if i["root_cause"] == "mon-up"]
        return incident

    wait_for(lambda: smtp.inbox.mails, 120, "the upstream failure's e-mail")
    monitor.stop()
    seen = len(up_incident()["events"])
    sent = (len(hooks.posts), len(smtp.inbox.mails))
    done = cli(prefect_server, project, "trigger", "mon-up")  # fails again, while nobody watches
    assert done.returncode == 0, done.stderr
    time.sleep(15)  # long enough for the run to fail
    monitor.start()
    # the catch-up reads the missed failure: recorded on the open incident, nothing sent again
    wait_for(lambda: len(up_incident()["events"]) > seen, 60,
             f"the catch-up to record the missed failure\n{monitor.text()}")  # fmt: skip
    time.sleep(3)
    assert (len(hooks.posts), len(smtp.inbox.mails)) == sent
