"""The live monitor: Prefect's events in, the policy's decisions stored, alerts out.

The decisions are :class:`~jupyter_promote.monitor.policy.Monitor`'s (pure, the same code a
replay runs); this service gives it Prefect's events (translated by
:mod:`jupyter_promote.orchestration.events`) and the wall clock, keeps its state in the catalog
(:class:`~jupyter_promote.fleet.monitor_store.MonitorStore`: one transaction per turn, under a
lock, alerts queued in the same transaction), then sends the queued alerts to the roster's
channels and announces them to Prefect as events. After a restart it catches up from the API
(events since the last one it handled; those it already handled are skipped) and sends only
what is still queued: nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.fleet.monitor_store import MonitorStore, QueuedAlert
from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.fleetview import FleetView
from jupyter_promote.monitor.model import Incident, MonitorConfig, MonitorState
from jupyter_promote.monitor.policy import Monitor
from jupyter_promote.monitor.timeline import Event
from jupyter_promote.services.fleet import open_catalog
from jupyter_promote.services.routing import channels_for

log = logging.getLogger("jupyter_promote.monitor")

#: How often the clock moves when no event comes (late runs and SLA risks are timers).
TICK_SECONDS = 15.0
#: Every so often the monitor also reads the recent events from the API: Prefect publishes an
#: event to websocket subscribers before it stores it, so an event published just before a
#: subscription and stored just after its replay reaches the subscriber by neither way.
SWEEP_SECONDS = 20.0
SWEEP_WINDOW = timedelta(minutes=3)
#: Seconds between attempts to reach Prefect again after losing it.
RETRY_SECONDS = 5.0
#: Seconds a flow run's bare Failed state waits for the run's own failure event (the details).
HOLD_SECONDS = 2.0
#: Prefect event ids remembered to skip what a catch-up or a reconnection replays.
SEEN_IDS = 2000
#: The Prefect events the monitor emits, by the alert's phase (and for SLA risks).
ANNOUNCED = {
    "opened": "jupyter-promote.incident.opened",
    "escalated": "jupyter-promote.incident.escalated",
    "resolved": "jupyter-promote.incident.resolved",
}
SLA_AT_RISK = "jupyter-promote.sla.at-risk"


@dataclass
class Cursor:
    """Where the monitor is in Prefect's events: the last one's time, ids seen recently, and
    which run and deployment belong to which pipeline."""

    since: datetime | None = None
    ids: list[str] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)
    deployments: dict[str, str] = field(default_factory=dict)

    @classmethod
    def loads(cls, text: str | None) -> Cursor:
        data = json.loads(text) if text else {}
        since = data.get("since")
        return cls(
            datetime.fromisoformat(since) if since else None,
            list(data.get("ids", [])),
            dict(data.get("runs", {})),
            dict(data.get("deployments", {})),
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "since": self.since.isoformat() if self.since else None,
                "ids": self.ids[-SEEN_IDS:],
                "runs": dict(list(self.runs.items())[-SEEN_IDS:]),
                "deployments": self.deployments,
            }
        )


class MonitorService:
    """The monitor of one project (see the module docstring).

    Args:
        config: The project.
        policy: The policy's settings.
        clock: The wall clock (tests may give their own).
    """

    def __init__(
        self,
        config: PromoteConfig,
        policy: MonitorConfig | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.policy = policy or MonitorConfig()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.store = MonitorStore(open_catalog(config, sync=False))
        self._stamp: tuple[Any, ...] = ()
        self.view = self.fleet()

    # -- the fleet ---------------------------------------------------------------------------
    def fleet(self) -> FleetView:
        """The fleet as the release files say now (re-read only when they changed)."""
        stamp = _stamp(self.config.pipelines_path, self.config.project_path)
        if stamp != self._stamp or not hasattr(self, "view"):
            self.view = FleetView.from_project(self.config.project_path, self.config.pipelines_path)
            self._stamp = stamp
        return self.view

    # -- one turn ----------------------------------------------------------------------------
    def turn(
        self,
        events: Iterable[dict[str, Any]] = (),
        now: datetime | None = None,
        *,
        cursor: Callable[[Cursor], None] | None = None,
        act: Callable[[Monitor], list[Alert]] | None = None,
    ) -> list[Alert]:
        """Feed ``events`` (timeline events as dicts), move the clock to ``now``, apply ``act``
        (an ack or a resolve), and store the state and the alerts decided, in one transaction.
        Events older than the monitor's clock are taken as happening now (Prefect delivers
        events a little out of order); events about unknown pipelines are skipped."""
        view = self.fleet()
        with self.store.turn("state", "cursor") as turn:
            text = turn.documents["state"]
            state = MonitorState.model_validate_json(text) if text else None
            monitor = Monitor(view, self.policy, state)
            alerts: list[Alert] = []
            for raw in events:
                if raw.get("pipeline") is not None and raw["pipeline"] not in view:
                    continue
                event = Event.model_validate(raw)
                clock = monitor.state.clock
                if clock is not None and event.at < clock:
                    event = event.model_copy(update={"at": clock})
                alerts += monitor.feed(event)
            if now is not None:
                alerts += monitor.advance(now)
            if act is not None:
                alerts += act(monitor)
            turn.documents["state"] = monitor.state.model_dump_json()
            if cursor is not None:
                current = Cursor.loads(turn.documents["cursor"])
                cursor(current)
                turn.documents["cursor"] = current.dumps()
            turn.alerts = [alert.to_dict() for alert in alerts]
        return alerts

    def state(self) -> MonitorState:
        """The stored state (empty before the first turn)."""
        text = self.store.read("state")
        return MonitorState.model_validate_json(text) if text else MonitorState()

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        """Incidents, newest first (``open_only``: not resolved)."""
        return Monitor(self.view, self.policy, self.state()).incidents(open_only)

    def ack(self, incident_id: str, by: str) -> Incident:
        """Acknowledge an incident (it stops escalating). Raises UnknownIncident."""
        self.turn(act=lambda m: m.ack(incident_id, by, self.clock()))
        return Monitor(self.view, self.policy, self.state()).incident(incident_id)

    def resolve(self, incident_id: str, by: str) -> Incident:
        """Resolve an incident by hand (one resolution alert). Raises UnknownIncident."""
        self.turn(act=lambda m: m.resolve(incident_id, by, self.clock()))
        return Monitor(self.view, self.policy, self.state()).incident(incident_id)

    def seed_history(self, before: datetime) -> list[str]:
        """Give pipelines the monitor has no run history of the durations of their latest runs
        completed in Prefect before ``before`` (where its catch-up starts), so the first
        predictions after installing it are not the default guess. Returns those seeded."""
        from jupyter_promote.orchestration.runs import completed_durations

        known = self.state().pipelines
        empty = [n for n in sorted(self.view.pipelines) if not (n in known and known[n].durations)]
        found = completed_durations(empty, before, self.policy.history_runs) if empty else {}
        if not found:
            return []

        def seed(monitor: Monitor) -> list[Alert]:
            for name, seconds in found.items():
                runs = monitor.state.runs_of(name)
                if not runs.durations:  # none came in since
                    runs.durations = seconds[-self.policy.history_runs :]
            return []

        self.turn(act=seed)
        return sorted(found)

    # -- sending -----------------------------------------------------------------------------
    def deliver(self, *, announce: bool = True, timeout: float = 10) -> list[QueuedAlert]:
        """Send every queued alert to its recipients' channels (and, with ``announce``, emit its
        Prefect event); a channel that failed is tried again next time, the others not."""
        from jupyter_promote.fleet.roster import load_roster
        from jupyter_promote.monitor.notify import send

        queued = self.store.pending()
        if not queued:
            return []
        roster = load_roster(self.config.project_path)
        cursor = Cursor.loads(self.store.read("cursor"))
        for item in queued:
            if not self.store.claim(item.id):
                continue  # another process is sending it
            alert = Alert.from_dict(item.body)
            done = {d["target"] for d in item.deliveries if d.get("ok")}
            records = [d for d in item.deliveries if d.get("ok")]
            message = alert.to_message()
            for recipient, channels, note in channels_for(alert.to, roster):
                if not channels:
                    records.append({"target": recipient, "ok": True, "skipped": note})
                    continue
                for channel in channels:
                    target = f"{recipient}: {channel.target}"
                    if target in done:
                        continue
                    delivery = send(channel, message, timeout=timeout)
                    records.append({**delivery.to_dict(), "target": target, "ok": delivery.ok})
            if announce and "prefect" not in done:
                records.append(self._announce(alert, cursor))
            ok = all(r.get("ok") for r in records)
            self.store.mark(item.id, records, done=ok)
            log.info("alert %s %s %s: %s", alert.incident, alert.kind, "sent" if ok else
                     "not sent to every channel", alert.subject)  # fmt: skip
        return queued

    def _announce(self, alert: Alert, cursor: Cursor) -> dict[str, Any]:
        from jupyter_promote.orchestration.events import Announcement, announce, run_async

        names = [ANNOUNCED[alert.phase]] if alert.phase in ANNOUNCED else []
        if alert.kind == "sla-at-risk" or any(s.get("state") == "at-risk" for s in alert.slas):
            names.append(SLA_AT_RISK)
        if not names:
            return {"target": "prefect", "ok": True, "skipped": "no event for this alert"}
        run = alert.first_look.get("run")
        items = [
            Announcement(
                name,
                alert.pipeline,
                {k: v for k, v in alert.to_dict().items() if k != "first_look"}
                | {"first_look": alert.first_look},
                cursor.deployments.get(alert.root_cause or alert.pipeline or ""),
                run if isinstance(run, str) and run in cursor.runs else None,
            )
            for name in names
        ]
        try:
            run_async(announce(items))
        except Exception as exc:  # Prefect away: the alert still went out; try again later
            return {"target": "prefect", "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"target": "prefect", "ok": True, "events": names}

    # -- following Prefect -------------------------------------------------------------------
    async def watch(self, stop: asyncio.Event, *, ready: Callable[[], None] | None = None) -> None:
        """Follow Prefect's events until ``stop`` is set: catch up, then the websocket; the
        clock moves every :data:`TICK_SECONDS` when nothing happens."""
        from jupyter_promote.orchestration.events import Translator, catch_up, follow

        cursor = Cursor.loads(self.store.read("cursor"))
        since = cursor.since or self.clock() - timedelta(minutes=1)
        translator = Translator(set(self.view.pipelines), _ui_url(), cursor.runs)
        translator.deployments.update(cursor.deployments)
        await asyncio.to_thread(self.deliver)  # what an earlier run left queued
        try:
            seeded = await asyncio.to_thread(self.seed_history, since)
        except Exception as exc:  # predictions start from the default instead; not fatal
            log.warning("monitor: run history not read from Prefect (%s)", exc)
        else:
            if seeded:
                log.info("monitor: run history read from Prefect for %s", ", ".join(seeded))
        backlog = [event async for event in catch_up(since)]
        await asyncio.to_thread(self._handle, backlog, translator)
        if stop.is_set():
            return
        queue: asyncio.Queue[Any] = asyncio.Queue()

        async def read() -> None:
            async for event in follow(since):
                await queue.put(event)

        reader = asyncio.create_task(read())
        if ready is not None:
            ready()
        held: list[tuple[float, Any]] = []  # (release time, event): bare failures, see HOLD
        loop = asyncio.get_running_loop()
        sweep = loop.time() + SWEEP_SECONDS
        try:
            while not stop.is_set():
                wait = min(TICK_SECONDS, max(0.05, sweep - loop.time()))
                if held:
                    wait = min(wait, max(0.05, held[0][0] - loop.time()))
                try:
                    first = await asyncio.wait_for(queue.get(), wait)
                except asyncio.TimeoutError:
                    incoming = []
                else:
                    incoming = [first]
                    while not queue.empty():
                        incoming.append(queue.get_nowait())
                if loop.time() >= sweep:  # what the websocket may have missed (seen ids skipped)
                    sweep = loop.time() + SWEEP_SECONDS
                    incoming += [e async for e in catch_up(self.clock() - SWEEP_WINDOW)]
                batch = []
                for event in incoming:
                    if translator.bare_failure(event):
                        held.append((loop.time() + HOLD_SECONDS, event))
                    else:
                        batch.append(event)
                batch += [event for due, event in held if due <= loop.time()]
                held = [(due, event) for due, event in held if due > loop.time()]
                translator.known = set(self.fleet().pipelines)
                await asyncio.to_thread(self._handle, batch, translator)
                if reader.done():
                    reader.result()  # the subscription ended: raise its error
                    return
        finally:
            reader.cancel()

    def _handle(self, batch: list[Any], translator: Any) -> None:
        from jupyter_promote.orchestration.events import occurred

        cursor = Cursor.loads(self.store.read("cursor"))
        seen = set(cursor.ids)
        fresh = [e for e in batch if str(e.id) not in seen]
        events = [line for e in fresh if (line := translator.timeline(e)) is not None]

        def move(current: Cursor) -> None:
            current.ids += [str(e.id) for e in fresh]
            if fresh:
                times = [occurred(e) for e in fresh]
                current.since = max([*times, current.since or times[0]])
            current.runs.update(translator.runs)
            current.deployments.update(translator.deployments)

        alerts = self.turn(events, self.clock(), cursor=move)
        if alerts or self.store.pending():
            self.deliver()


def connect(config: PromoteConfig, *, required: bool = True) -> bool:
    """Point this process's Prefect clients at the project's server (a command-line process
    only: a server's or kernel's environment must not keep one project's URL).

    Returns:
        Whether there is a server (``required=False``: ``False`` instead of raising).

    Raises:
        NoPrefectServer, PrefectNotInstalled: ``required`` and no server can be reached.
    """
    from jupyter_promote.errors import NoPrefectServer, PrefectNotInstalled
    from jupyter_promote.orchestration.stack import prefect_env

    try:
        os.environ.update(prefect_env(config))
    except (NoPrefectServer, PrefectNotInstalled):
        if required:
            raise
        return False
    return True


def act_by_hand(config: PromoteConfig, what: str, incident_id: str, by: str) -> Incident:
    """``jupyter promote ack|resolve ID``: acknowledge or resolve an incident, then send what
    that decided (a resolution alert), announcing it to Prefect when a server is reachable.

    Raises:
        UnknownIncident: No incident has that id.
    """
    reachable = connect(config, required=False)
    service = MonitorService(config)
    incident = service.ack(incident_id, by) if what == "ack" else service.resolve(incident_id, by)
    service.deliver(announce=reachable)
    return incident


def run_monitor(config: PromoteConfig, *, once: bool = False) -> int:
    """``jupyter promote monitor``: follow the project's Prefect server until interrupted
    (``once``: catch up, send what is due, and stop)."""
    connect(config)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO)
    service = MonitorService(config)
    stop = asyncio.Event()
    where = os.environ.get("PREFECT_API_URL", "")
    names = len(service.view.pipelines)

    def ready() -> None:
        print(f"monitor: following {where} for {names} pipelines", flush=True)

    async def main() -> None:
        if once:
            stop.set()
            await service.watch(stop)
            return
        while True:  # Prefect restarting or unreachable for a while: wait, catch up, go on
            try:
                await service.watch(stop, ready=ready)
            except Exception as exc:
                log.error("monitor: lost Prefect (%s: %s); retrying in %g s",
                          type(exc).__name__, exc, RETRY_SECONDS, exc_info=True)  # fmt: skip
                await asyncio.sleep(RETRY_SECONDS)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
    return 0


def pipeline_health(
    config: PromoteConfig,
) -> dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    """Per pipeline: the open incident it is part of (root cause first) and today's SLA, from
    the stored state (read only; no Prefect, no fleet files)."""
    store = MonitorStore(open_catalog(config, sync=False))
    text = store.read("state")
    if not text:
        return {}
    state = MonitorState.model_validate_json(text)
    found: dict[str, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {}
    incidents: dict[str, dict[str, Any]] = {}
    for incident in sorted(state.incidents.values(), key=lambda i: i.opened_at):
        if incident.status == "resolved":
            continue
        brief = {
            "id": incident.id,
            "kind": incident.kind,
            "status": incident.status,
            "root_cause": incident.root_cause,
            "opened_at": incident.opened_at.isoformat(),
            "blast_radius": incident.blast_radius,
        }
        for name in incident.affected:
            incidents.setdefault(name, brief)
        incidents[incident.root_cause] = brief
    slas: dict[str, dict[str, Any]] = {}
    for name, key in state.sla_current.items():
        day = state.sla_days.get(key)
        if day is not None:
            slas[name] = {
                "state": day.state,
                "deadline": day.deadline.isoformat(),
                "predicted": day.predicted.isoformat() if day.predicted else None,
            }
    for name in set(incidents) | set(slas):
        found[name] = (incidents.get(name), slas.get(name))
    return found


def _stamp(pipelines: Path, project: Path) -> tuple[Any, ...]:
    """What changes when a release is promoted, transferred or retired (cheap to read)."""
    marks: list[Any] = []
    for path in (project / "teams.yaml", pipelines):
        marks.append(path.stat().st_mtime_ns if path.exists() else None)
    if pipelines.is_dir():
        for entry in sorted(os.scandir(pipelines), key=lambda e: e.name):
            if entry.is_dir():
                current = Path(entry.path) / "CURRENT"
                changed = current.stat().st_mtime_ns if current.exists() else None
                marks.append((entry.name, entry.stat().st_mtime_ns, changed))
    return tuple(marks)


def _ui_url() -> str:
    api = os.environ.get("PREFECT_API_URL", "")
    return (os.environ.get("PREFECT_UI_URL") or api.removesuffix("/api")).rstrip("/")
