"""The daily digest: what low-tier incidents would have said, once a day per recipient.

Lines wait in the state (:class:`~.model.DigestEntry`) until the digest time
(``MonitorConfig.digest_at``, UTC); then each recipient with lines waiting gets one ``digest``
alert listing them, and nobody gets one on a day with nothing to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from jupyter_promote.monitor.alerts import Alert
from jupyter_promote.monitor.messages import when
from jupyter_promote.monitor.model import DigestEntry, Incident, MonitorState


def queue(
    state: MonitorState, incident: Incident, text: str, to: Iterable[str], now: datetime
) -> None:
    """Keep a line about ``incident`` for the next digest of each of ``to``."""
    for recipient in to:
        line = f"{incident.id} {text}"
        state.digest.append(
            DigestEntry(at=now, incident=incident.id, recipient=recipient, line=line)
        )


def digests(state: MonitorState, now: datetime) -> list[Alert]:
    """One digest alert per recipient with lines waiting (none when none wait); the lines
    are then forgotten."""
    by_recipient: dict[str, list[DigestEntry]] = {}
    for entry in state.digest:
        by_recipient.setdefault(entry.recipient, []).append(entry)
    since = state.last_digest or state.started_at or now
    found = [
        _digest(recipient, by_recipient[recipient], since, now)
        for recipient in sorted(by_recipient)
    ]
    state.digest.clear()
    state.last_digest = now
    return found


def _digest(recipient: str, entries: list[DigestEntry], since: datetime, now: datetime) -> Alert:
    incidents = list(dict.fromkeys(e.incident for e in entries))
    noun = "incident" if len(incidents) == 1 else "incidents"
    head = (
        f"Daily digest for {recipient}: {len(incidents)} low-tier {noun} since {when(since, '')}."
    )
    return Alert(
        at=now,
        incident=None,
        kind="digest",
        pipeline=None,
        root_cause=None,
        blast_radius=[],
        effective_tier="low",
        to=[recipient],
        channel="digest",
        message="\n".join([head, *(f"- {e.line}" for e in entries)]),
        phase="digest",
        incidents=incidents,
    )
