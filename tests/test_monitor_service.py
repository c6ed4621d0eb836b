"""The live monitor's parts below Prefect's websocket: Prefect events translated into timeline
events (Prefect's own event models), turns stored in the catalog (SQLite and a real PostgreSQL),
the outbox sent to a real webhook receiver (a failed channel retried alone, nothing sent twice),
ack/resolve, and the panel's per-pipeline health."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from monitor_fleets import pipe, write_project
from sinks import webhook_receiver

from jupyter_promote.config import PromoteConfig
from jupyter_promote.fleet.catalog import Catalog
from jupyter_promote.fleet.monitor_store import MAX_ATTEMPTS, MonitorStore
from jupyter_promote.monitor.policy import UnknownIncident
from jupyter_promote.orchestration.events import Translator
from jupyter_promote.services.monitor import MonitorService, pipeline_health

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=timezone.utc)
ROSTER = """\
teams:
  - name: data
    channels:
      - {type: webhook, url: env:SVC_TEAM_HOOK}
    members:
      - id: ana
        channels:
          - {type: webhook, url: env:SVC_ANA_HOOK}
"""


def prefect_event(name: str, run: str, pipeline: str | None, **extra):
    from prefect.events import Event

    related = [{"prefect.resource.id": f"prefect.flow-run.{run}",
                "prefect.resource.role": "flow-run"}]  # fmt: skip
    if pipeline is not None:
        related.append({"prefect.resource.id": "prefect.deployment.d-1",
                        "prefect.resource.role": "deployment",
                        "prefect.resource.name": pipeline})  # fmt: skip
    resource = {"prefect.resource.id": f"prefect.flow-run.{run}"}
    if not name.startswith("prefect.flow-run."):
        resource = extra.pop("resource", {"prefect.resource.id": "x.y"})
        related = related[:1] if extra.pop("no_deployment", False) else related
    return Event(event=name, resource=resource, related=related, occurred=T0, **extra)


def test_prefect_flow_run_states_become_run_events():
    tr = Translator({"extract"}, ui_url="http://127.0.0.1:4200")
    assert tr.timeline(prefect_event("prefect.flow-run.Running", "r1", "extract")) == {
        "at": T0, "event": "started", "pipeline": "extract", "run": "r1"}  # fmt: skip
    assert tr.timeline(prefect_event("prefect.flow-run.Completed", "r1", "extract"))["event"] == (
        "completed"
    )
    failed = tr.timeline(prefect_event("prefect.flow-run.Crashed", "r2", "extract"))
    assert failed["event"] == "crashed"
    assert failed["detail"] == {"url": "http://127.0.0.1:4200/runs/flow-run/r2"}
    assert tr.deployments == {"extract": "d-1"}
    # Prefect's times are pendulum's, which plain datetimes cannot always be compared with
    assert type(failed["at"]) is datetime
    assert tr.timeline(prefect_event("prefect.flow-run.Pending", "r3", "extract")) is None
    assert tr.timeline(prefect_event("prefect.flow-run.Running", "r4", "not-ours")) is None


def test_a_task_run_start_is_a_step_start_of_its_flow_run():
    tr = Translator({"extract"})
    tr.timeline(prefect_event("prefect.flow-run.Running", "r1", "extract"))
    step = prefect_event(
        "prefect.task-run.Running", "r1", None, no_deployment=True,
        resource={"prefect.resource.id": "prefect.task-run.t1", "prefect.resource.name": "clean"},
    )  # fmt: skip
    assert tr.timeline(step) == {
        "at": T0, "event": "started", "pipeline": "extract", "run": "r1", "step": "clean",
    }  # fmt: skip
    gate = prefect_event(
        "prefect.task-run.Running", "r1", None, no_deployment=True,
        resource={"prefect.resource.id": "prefect.task-run.t2",
                  "prefect.resource.name": "gate:clean"},
    )  # fmt: skip
    assert tr.timeline(gate) is None  # a gate is part of its step


def test_a_runs_own_failure_event_carries_the_details_and_silences_the_bare_state():
    tr = Translator({"extract"})
    own = prefect_event(
        "jupyter-promote.run.failed", "r1", "extract",
        payload={"pipeline": "extract", "kind": "gate-failed", "step": "clean", "cell": 4,
                 "expectation": "amount between 0 and 100", "observed": "1 of 3 outside",
                 "executed_notebook": "/runs/extract/x.ipynb", "error": "boom"},
    )  # fmt: skip
    line = tr.timeline(own)
    assert (line["event"], line["step"]) == ("gate-failed", "clean")
    assert line["detail"]["expectation"] == "amount between 0 and 100"
    assert line["detail"]["executed_notebook"] == "/runs/extract/x.ipynb"
    assert Translator.bare_failure(prefect_event("prefect.flow-run.Failed", "r1", "extract"))
    assert tr.timeline(prefect_event("prefect.flow-run.Failed", "r1", "extract")) is None


@pytest.fixture
def project(tmp_path, monkeypatch):
    write_project(tmp_path, [
        pipe("extract", "ana", "data", "high", writes=["file:data/x.csv"]),
        pipe("report", "ana", "data", "normal", reads=["file:data/x.csv"]),
        pipe("solo", "ana", "data", "normal"),
    ])  # fmt: skip
    (tmp_path / "teams.yaml").write_text(ROSTER)
    return tmp_path


def service_of(project, url: str | None = None, clock=None) -> MonitorService:
    config = PromoteConfig(project_dir=str(project))
    if url:
        config.catalog_url = url
    return MonitorService(config, clock=clock or (lambda: T0 + timedelta(minutes=30)))


def failed(at=T0, pipeline="extract", run="r1"):
    return {"at": at, "event": "failed", "pipeline": pipeline, "run": run, "step": "load"}


def test_a_turn_stores_the_state_and_queues_its_alerts_in_one_transaction(project):
    service = service_of(project)
    [alert] = service.turn([failed()])
    assert (alert.kind, alert.incident, alert.to) == ("failed", "inc-1", ["ana", "team data"])
    assert [q.body["incident"] for q in service.store.pending()] == ["inc-1"]
    again = service_of(project)  # a restart reads the same state: a repeat says nothing new
    assert again.turn([failed(T0 + timedelta(minutes=1), run="r2")]) == []
    assert [i.id for i in again.incidents(open_only=True)] == ["inc-1"]


def test_translated_prefect_events_feed_the_policy(project):
    service = service_of(project)
    tr = Translator({"extract", "report"})
    lines = [tr.timeline(prefect_event(f"prefect.flow-run.{state}", "r1", "extract"))
             for state in ("Running", "Crashed")]  # fmt: skip
    [alert] = service.turn(lines, T0 + timedelta(minutes=1))
    assert (alert.kind, alert.pipeline) == ("crashed", "extract")


def test_an_event_older_than_the_clock_counts_as_now_and_strangers_are_skipped(project):
    service = service_of(project)
    service.turn([], T0 + timedelta(hours=1))
    [alert] = service.turn([failed(T0), failed(T0, pipeline="not-in-this-project")])
    assert alert.at == T0 + timedelta(hours=1)


def test_delivery_reaches_each_channel_once_and_retries_only_the_failed_one(project, monkeypatch):
    service = service_of(project)
    with webhook_receiver() as hooks:
        monkeypatch.setenv("SVC_ANA_HOOK", hooks.url("/ana"))
        monkeypatch.setenv("SVC_TEAM_HOOK", hooks.url("/fail/team"))
        service.turn([failed()])
        service.deliver(announce=False)
        [queued] = service.store.alerts()
        assert (queued.status, queued.attempts) == ("pending", 1)
        assert [p["path"] for p in hooks.posts] == ["/ana", "/fail/team"]
        assert [d["ok"] for d in queued.deliveries] == [True, False]

        monkeypatch.setenv("SVC_TEAM_HOOK", hooks.url("/team"))
        service.deliver(announce=False)
        [queued] = service.store.alerts()
        assert (queued.status, queued.attempts) == ("sent", 2)
        assert [p["path"] for p in hooks.posts] == ["/ana", "/fail/team", "/team"]
        body = json.loads(hooks.posts[-1]["body"])
        assert body["subject"].startswith("extract")
        assert "report" in json.dumps(body)  # the blast radius

        assert service.deliver(announce=False) == []  # nothing twice
        assert len(hooks.posts) == 3


def test_a_channel_that_keeps_failing_is_given_up_after_max_attempts(project, monkeypatch):
    service = service_of(project)
    monkeypatch.delenv("SVC_ANA_HOOK", raising=False)
    monkeypatch.delenv("SVC_TEAM_HOOK", raising=False)
    service.turn([failed()])
    for _ in range(MAX_ATTEMPTS + 2):
        service.deliver(announce=False)
    [queued] = service.store.alerts()
    assert (queued.status, queued.attempts) == ("failed", MAX_ATTEMPTS)
    assert "SVC_ANA_HOOK is not set" in json.dumps(queued.deliveries)


def test_ack_and_resolve_by_hand(project):
    service = service_of(project)
    service.turn([failed()])
    assert service.ack("inc-1", "ana").status == "acknowledged"
    resolved = service.resolve("inc-1", "ana")
    assert (resolved.status, resolved.resolved_by) == ("resolved", "ana")
    assert [q.body["phase"] for q in service.store.pending()] == ["opened", "resolved"]
    assert service.incidents(open_only=True) == []
    with pytest.raises(UnknownIncident, match='no incident "inc-9"'):
        service.ack("inc-9", "ana")


def test_pipeline_health_names_the_root_and_the_pipelines_it_holds_up(project):
    service = service_of(project)
    assert pipeline_health(service.config) == {}
    service.turn([failed()])
    service.turn([failed(T0 + timedelta(minutes=5), pipeline="report", run="r9")])
    health = pipeline_health(service.config)
    root, _ = health["extract"]
    held, _ = health["report"]
    assert root["id"] == held["id"] == "inc-1"
    assert root["blast_radius"] == ["report"]


def test_concurrent_turns_never_overwrite_each_other(project):
    """The live monitor and `ack` at the same moment: each turn holds the lock."""
    errors = []

    def feed(pipeline: str) -> None:
        try:
            service = service_of(project)
            for i in range(10):
                service.turn([failed(T0 + timedelta(seconds=i), pipeline, f"{pipeline}-{i}"),
                              {"at": T0 + timedelta(seconds=i, milliseconds=1),
                               "event": "completed", "pipeline": pipeline,
                               "run": f"{pipeline}-{i}"}])  # fmt: skip
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=feed, args=(p,)) for p in ("extract", "solo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    incidents = service_of(project).incidents()
    # every failure and every recovery of both (unrelated) pipelines is in the stored state
    assert len(incidents) == 20
    assert all(i.status == "resolved" for i in incidents)


def test_the_store_works_on_postgresql(project, postgres_url):
    service = service_of(project, postgres_url)
    service.turn([failed()])
    assert service.ack("inc-1", "ana").status == "acknowledged"
    store = MonitorStore(Catalog(postgres_url))
    assert [q.body["kind"] for q in store.pending()] == ["failed"]
    store.mark(store.pending()[0].id, [{"target": "x", "ok": True}], done=True)
    assert store.pending() == []
    assert json.loads(store.read("state"))["incidents"]["inc-1"]["status"] == "acknowledged"


def test_an_alert_is_claimed_by_one_sender_only(project):
    """The live monitor and an `ack` in a terminal may both deliver: one sends each alert."""
    service = service_of(project)
    service.turn([failed()])
    [queued] = service.store.pending()
    other = MonitorStore(Catalog(service.config.catalog_url))
    assert service.store.claim(queued.id) is True
    assert other.claim(queued.id) is False
    assert other.pending() == []  # claimed: not offered to others while being sent
    service.store.mark(queued.id, [{"target": "x", "ok": True}], done=True)
    assert other.claim(queued.id) is False  # sent
