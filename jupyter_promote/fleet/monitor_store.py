"""Where the monitor keeps its memory: the catalog's ``jp_monitor`` and ``jp_alerts`` tables.

One :meth:`MonitorStore.turn` is one unit of the monitor's work: read the state, let the policy
decide, write the new state and queue the alerts it decided, all in one transaction that holds
the state's lock (``SELECT ... FOR UPDATE`` on PostgreSQL; a file lock beside a SQLite
database), so the live monitor and an ``ack`` typed at the same moment never overwrite each
other. Queued alerts are sent after the commit (:meth:`pending`, :meth:`mark`): an alert is
never sent before its decision is stored, and a restart sends what is still pending, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from filelock import FileLock
from sqlalchemy import Connection, insert, select, update

from jupyter_promote.fleet import schema as t
from jupyter_promote.fleet.catalog import Catalog

#: Deliveries tried this many times are given up (and shown as failed by ``incidents``).
MAX_ATTEMPTS = 5
#: A claim older than this is taken to be from a process that died while sending.
CLAIM_EXPIRES = timedelta(minutes=5)


@dataclass
class Turn:
    """The documents read at the start of a turn; set them to what should be written back,
    and add the alerts decided (JSON-ready dicts) to ``alerts``."""

    documents: dict[str, str | None]
    alerts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class QueuedAlert:
    """An alert in the outbox."""

    id: int
    body: dict[str, Any]
    status: str
    attempts: int
    deliveries: list[dict[str, Any]]
    sent_at: datetime | None


class MonitorStore:
    """The monitor's state and outbox in the catalog (see the module docstring).

    Example:
        >>> import tempfile
        >>> store = MonitorStore(Catalog(f"sqlite:///{tempfile.mkdtemp()}/catalog.db"))
        >>> with store.turn("state") as turn:
        ...     turn.documents["state"] = '{"next_incident": 2}'
        ...     turn.alerts.append({"at": "2026-11-02T06:00:00+00:00", "kind": "failed",
        ...                         "incident": "inc-1", "pipeline": "extract"})
        >>> store.read("state"), [a.body["kind"] for a in store.pending()]
        ('{"next_incident": 2}', ['failed'])
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.engine = catalog.engine
        database = catalog.url.removeprefix("sqlite:///") if catalog.url.startswith(
            "sqlite:///"
        ) else None  # fmt: skip
        self._file_lock = FileLock(f"{database}.monitor.lock") if database else None

    def read(self, key: str) -> str | None:
        """The document ``key`` as last written (``None``: never written)."""
        with self.engine.connect() as conn:
            return conn.execute(select(t.monitor.c.value).where(t.monitor.c.key == key)).scalar()

    @contextmanager
    def turn(self, *keys: str) -> Iterator[Turn]:
        """Read the documents ``keys`` under the lock; write back what the block leaves in
        ``turn.documents`` and queue ``turn.alerts``, in one transaction. An exception in the
        block writes nothing."""
        with self._file_lock or nullcontext(), self.engine.begin() as conn:
            rows = conn.execute(
                select(t.monitor.c.key, t.monitor.c.value)
                .where(t.monitor.c.key.in_(keys))
                .with_for_update()
            ).all()
            before: dict[str, str | None] = {key: None for key in keys}
            before.update({row.key: row.value for row in rows})
            turn = Turn(dict(before))
            yield turn
            now = datetime.now(timezone.utc)
            for key, value in turn.documents.items():
                if value is not None and value != before.get(key):
                    self._write(conn, key, value, now, exists=before.get(key) is not None)
            for body in turn.alerts:
                conn.execute(
                    insert(t.alerts).values(
                        at=datetime.fromisoformat(body["at"]),
                        incident=body.get("incident"),
                        kind=body["kind"],
                        pipeline=body.get("pipeline"),
                        body=json.dumps(body, ensure_ascii=False, default=str),
                        status="pending",
                        attempts=0,
                        deliveries="[]",
                    )
                )

    @staticmethod
    def _write(conn: Connection, key: str, value: str, now: datetime, *, exists: bool) -> None:
        if exists:
            conn.execute(
                update(t.monitor).where(t.monitor.c.key == key).values(value=value, updated_at=now)
            )
        else:
            conn.execute(insert(t.monitor).values(key=key, value=value, updated_at=now))

    def pending(self) -> list[QueuedAlert]:
        """Alerts not sent yet (and not given up), oldest first; claim each before sending it."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.alerts)
                .where(self._claimable(datetime.now(timezone.utc)))
                .order_by(t.alerts.c.id)
            ).all()
        return [_queued(row) for row in rows]

    def claim(self, alert_id: int) -> bool:
        """Take the alert for sending; ``False`` when another process has it (the live monitor
        and an ``ack`` in a terminal may both be delivering): it is sent by one only."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(t.alerts)
                .where(t.alerts.c.id == alert_id)
                .where(self._claimable(now))
                .values(status="sending", claimed_at=now)
            )
            return taken.rowcount == 1

    @staticmethod
    def _claimable(now: datetime) -> Any:
        from sqlalchemy import and_, or_

        return and_(
            t.alerts.c.attempts < MAX_ATTEMPTS,
            or_(
                t.alerts.c.status == "pending",
                and_(t.alerts.c.status == "sending", t.alerts.c.claimed_at < now - CLAIM_EXPIRES),
            ),
        )

    def mark(self, alert_id: int, deliveries: list[dict[str, Any]], *, done: bool) -> None:
        """Record one sending attempt: ``done`` when every channel took it (or there was none
        to try); otherwise it stays pending until :data:`MAX_ATTEMPTS` attempts."""
        with self.engine.begin() as conn:
            attempts = conn.execute(
                select(t.alerts.c.attempts).where(t.alerts.c.id == alert_id)
            ).scalar_one()
            status = "sent" if done else ("failed" if attempts + 1 >= MAX_ATTEMPTS else "pending")
            conn.execute(
                update(t.alerts)
                .where(t.alerts.c.id == alert_id)
                .values(
                    status=status,
                    attempts=attempts + 1,
                    deliveries=json.dumps(deliveries, default=str),
                    sent_at=datetime.now(timezone.utc) if done else None,
                )
            )

    def alerts(self, incident: str | None = None) -> list[QueuedAlert]:
        """Every queued alert (of ``incident``), oldest first."""
        query = select(t.alerts).order_by(t.alerts.c.id)
        if incident is not None:
            query = query.where(t.alerts.c.incident == incident)
        with self.engine.connect() as conn:
            return [_queued(row) for row in conn.execute(query).all()]


def _queued(row: Any) -> QueuedAlert:
    return QueuedAlert(
        id=row.id,
        body=json.loads(row.body),
        status=row.status,
        attempts=row.attempts,
        deliveries=json.loads(row.deliveries or "[]"),
        sent_at=row.sent_at,
    )
