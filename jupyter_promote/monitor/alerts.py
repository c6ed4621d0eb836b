"""What the monitor says: an :class:`Alert`, JSON-ready, and as a notification
:class:`~jupyter_promote.monitor.notify_model.Message` for the channels.

The policy only makes alerts; the live service sends them (``alert.to_message()`` through
:func:`~jupyter_promote.monitor.notify.send`), and a replay prints them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, cast

from jupyter_promote.monitor.notify_model import Message
from jupyter_promote.release.settings import Tier

AlertKind = Literal[
    "failed", "gate-failed", "crashed", "late", "sla-at-risk", "sla-missed", "sla-recovered",
    "orphaned", "stale", "escalated", "resolved", "digest",
]  # fmt: skip
#: opened: an incident's first alert; escalated: it got worse; update: good news before the
#: end (an SLA recovered); resolved: its last alert; digest: the daily digest.
Phase = Literal["opened", "escalated", "update", "resolved", "digest"]
Delivery = Literal["immediate", "digest"]
#: An SLA an alert is about: pipeline, deadline and, when known, predicted (ISO 8601), state.
SlaNote = dict[str, str]


@dataclass(frozen=True)
class Alert:
    """One alert.

    Attributes:
        at: The monitor's clock when it was decided (the replayed clock in a replay).
        incident: The incident's id (``None`` for a digest: see ``incidents``).
        kind: failed, gate-failed, crashed, late, sla-at-risk, sla-missed, sla-recovered,
            orphaned, stale, escalated, resolved or digest.
        pipeline: The pipeline it is about (``None`` for a digest).
        root_cause: The pipeline whose problem caused it.
        blast_radius: The root cause's downstream pipelines (an orphaned incident: the
            member's pipelines).
        effective_tier: The incident's effective tier, which routed it.
        to: Recipients: member ids, and ``"team NAME"``.
        channel: ``immediate`` or ``digest``.
        message: What happened, the blast radius, the owner and where to look first.
        first_look: The facts to look at first: step, cell, expectation, observed,
            executed_notebook, url, run (whatever is known).
        phase: opened, escalated, update, resolved or digest.
        affected: Pipelines the incident actually affected so far.
        deadline: SLA alerts: the deadline concerned (the first one's, when several).
        incidents: A digest: the incidents it lists.
        slas: The SLAs the alert is about: ``pipeline``, ``deadline``, ``state`` (at-risk,
            missed, recovered) and ``predicted`` when known. An escalation at the same instant
            as the incident's opening, or as another of the same kind, is merged into that
            alert: one upstream failure putting three reports at risk is one alert naming
            the three (and reaching their owners).
    """

    at: datetime
    incident: str | None
    kind: AlertKind
    pipeline: str | None
    root_cause: str | None
    blast_radius: list[str]
    effective_tier: Tier
    to: list[str]
    channel: Delivery
    message: str
    first_look: dict[str, Any] = field(default_factory=dict)
    phase: Phase = "opened"
    affected: list[str] = field(default_factory=list)
    deadline: datetime | None = None
    incidents: list[str] = field(default_factory=list)
    slas: list[SlaNote] = field(default_factory=list)

    @property
    def subject(self) -> str:
        """The message's first line."""
        return self.message.split("\n", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ISO 8601 text)."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        return data

    def to_json(self) -> str:
        """One line of JSON (the replay's output line)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        """The inverse of :meth:`to_dict`."""
        values = dict(data)
        values["at"] = datetime.fromisoformat(values["at"])
        if values.get("deadline"):
            values["deadline"] = datetime.fromisoformat(values["deadline"])
        return cls(**values)

    def to_message(self) -> Message:
        """The alert as a notification for :func:`~jupyter_promote.monitor.notify.send`."""
        links = [("run", str(self.first_look["url"]))] if self.first_look.get("url") else []
        facts = {key: value for key, value in self.to_dict().items() if key != "message"}
        return Message(
            self.subject,
            self.message,
            fields=facts,
            severity=cast(Any, self.effective_tier),
            links=links,
        )
