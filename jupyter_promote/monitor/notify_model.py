"""The vocabulary of notifications: where a message goes (:class:`Channel`), what it says
(:class:`Message`), how the attempt went (:class:`Delivery`), and :class:`ChannelError`.

Channels live in teams.yaml and manifests, files that are committed and shipped, so a channel
never holds a webhook URL (the URL is the credential): ``url`` is a *secret reference*,
``env:VAR_NAME`` or ``block:NAME`` (a Prefect Secret block), resolved only when sending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jupyter_promote.errors import PromoteError

#: Entry-point group where other packages register extra channel types (name = the type).
ENTRY_POINT_GROUP = "jupyter_promote.channels"
BUILTIN_TYPES = ("webhook", "slack", "email")
SEVERITIES = ("critical", "high", "normal", "low")
Severity = Literal["critical", "high", "normal", "low"]
RESERVED_KEYS = frozenset({"subject", "text", "severity", "links"})

HIDDEN = "<hidden: not a secret reference>"
REFERENCE = re.compile(r"^(?:env:[A-Za-z_][A-Za-z0-9_]*|block:[A-Za-z0-9][\w.-]*)$")
_ADDRESS = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s.,]+$")


class ChannelError(PromoteError):
    """A notification channel cannot be used: a secret that cannot be resolved, a webhook URL
    written where only a reference belongs, no SMTP server configured.

    Messages name the reference (``env:CM_SLACK_WEBHOOK``), never the secret it stands for.
    The server's environment, not the request, is what needs fixing: 409, like the other
    "this environment lacks something" errors.
    """

    http_status = 409


def channel_types() -> list[str]:
    """Every channel type that can be used here: the built-in ones, then those registered in
    the ``jupyter_promote.channels`` entry-point group (names only: nothing is imported).

    >>> channel_types()[:3]
    ['webhook', 'slack', 'email']
    """
    extra = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return [*BUILTIN_TYPES, *(name for name in extra if name not in BUILTIN_TYPES)]


class Channel(BaseModel):
    """One place a notification goes.

    Example:
        >>> Channel(type="slack", url="env:CM_SLACK_WEBHOOK").target
        'slack via env:CM_SLACK_WEBHOOK'
        >>> Channel(type="email", to="risk-oncall@example.org").target
        'email to risk-oncall@example.org'
        >>> Channel(type="slack", url="https://hooks.slack.com/services/T0/B0/x")
        Traceback (most recent call last):
        ...
        pydantic_core._pydantic_core.ValidationError: 1 validation error for Channel
        url
          Value error, url must be a secret reference, env:VAR_NAME or block:NAME ...
    """

    # A rejected value may be a webhook URL: never echo it into logs through the error.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    type: str = Field(
        description="Channel type: webhook (generic JSON POST), slack (Slack-compatible"
        " incoming webhook), email (SMTP), or a type registered in the"
        f" `{ENTRY_POINT_GROUP}` entry-point group.",
        json_schema_extra={"examples": list(BUILTIN_TYPES)},
    )
    url: str | None = Field(
        default=None,
        description="webhook/slack: a secret reference to the webhook URL, `env:VAR_NAME` (an"
        " environment variable where the monitor runs) or `block:NAME` (a Prefect Secret"
        " block); never the URL itself.",
    )
    to: str | None = Field(
        default=None,
        description="email: the recipient address (several: separated by commas).",
    )
    description: str = Field(default="", description="What this channel is, for people.")

    @model_validator(mode="before")
    @classmethod
    def _hide_raw_url(cls, data: Any) -> Any:
        # errors() keep the input even with hide_input_in_errors: swap a non-reference (maybe
        # a webhook URL) for a marker before _check_url rejects it, so no error, log line or
        # REST answer carries it
        url = data.get("url") if isinstance(data, dict) else None
        if isinstance(url, str) and not REFERENCE.match(url):
            return {**data, "url": HIDDEN}
        return data

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str | None) -> str | None:
        if url is not None and not REFERENCE.match(url):
            raise ValueError(
                "url must be a secret reference, env:VAR_NAME or block:NAME (a Prefect Secret"
                " block), never the webhook URL itself: the URL is the credential, and"
                " teams.yaml and releases are committed and shared"
            )
        return url

    @model_validator(mode="after")
    def _check(self) -> Channel:
        if self.type not in BUILTIN_TYPES and self.type not in channel_types():
            known = ", ".join(channel_types())
            raise ValueError(f'type "{self.type}" is unknown; use one of {known}')
        if self.type in ("webhook", "slack") and not self.url:
            raise ValueError(f"a {self.type} channel needs url: env:VAR_NAME or block:NAME")
        if self.type == "email":
            if not self.to or not all(_ADDRESS.match(a) for a in recipients(self.to)):
                raise ValueError("an email channel needs to: an e-mail address")
            if self.url:
                raise ValueError("an email channel takes to:, not url:")
        return self

    @property
    def target(self) -> str:
        """Where this channel sends, safe to show and log (the reference, never a secret)."""
        if self.url:
            return f"{self.type} via {self.url}"
        return f"{self.type} to {self.to}" if self.to else self.type


def recipients(to: str) -> list[str]:
    """The addresses in an email channel's ``to``.

    >>> recipients("a@example.org, b@example.org")
    ['a@example.org', 'b@example.org']
    """
    return [part.strip() for part in to.split(",") if part.strip()]


@dataclass(frozen=True)
class Message:
    """What a notification says, once, for every channel type.

    Args:
        subject: One line: what happened to what ("loan_book failed at step clean").
        text: Plain text for people: what it means and what to do.
        fields: Structured facts for machines (pipeline, owner, tier, run id...): the generic
            webhook's JSON body carries them as top-level keys; Slack and e-mail do not show
            them, so ``text`` must say what people need.
        severity: critical, high, normal or low (an incident's effective tier).
        links: ``(label, url)`` pairs: the run, the runbook, the deployment.

    Example:
        >>> Message("loan_book failed", "Step clean raised KeyError.", severity="high").severity
        'high'
        >>> Message("x", "y", fields={"subject": "z"})
        Traceback (most recent call last):
        ...
        ValueError: fields may not use the reserved keys links, severity, subject, text: got subject
    """

    subject: str
    text: str
    fields: dict[str, Any] = field(default_factory=dict)
    severity: Severity = "normal"
    links: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.subject.strip():
            raise ValueError("subject is empty: say what happened to what")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")
        clash = sorted(RESERVED_KEYS & set(self.fields))
        if clash:
            raise ValueError(
                "fields may not use the reserved keys"
                f" {', '.join(sorted(RESERVED_KEYS))}: got {', '.join(clash)}"
            )


@dataclass(frozen=True)
class Delivery:
    """How one attempt to send went. Never holds a secret: ``target`` names the reference.

    Args:
        channel_type: The channel's type.
        target: Where it went, redacted ("slack via env:CM_SLACK_WEBHOOK").
        ok: True when the receiver accepted it (HTTP 2xx, SMTP accepted every recipient).
        error: Why not, when ``ok`` is false.
        status: The HTTP status, or the SMTP reply code of a refusal; None when there was no
            answer (unreachable, timed out, not configured).
    """

    channel_type: str
    target: str
    ok: bool
    error: str | None = None
    status: int | None = None

    @classmethod
    def sent(cls, channel: Channel, status: int | None = None) -> Delivery:
        """A delivery the receiver accepted."""
        return cls(channel.type, channel.target, ok=True, status=status)

    @classmethod
    def failed(cls, channel: Channel, error: str, status: int | None = None) -> Delivery:
        """A delivery that did not happen, and why.

        >>> Delivery.failed(Channel(type="webhook", url="env:HOOK"), "HTTP 500", 500)
        Delivery(channel_type='webhook', ..., ok=False, error='HTTP 500', status=500)
        """
        return cls(channel.type, channel.target, ok=False, error=error, status=status)

    def to_dict(self) -> dict[str, Any]:
        """The delivery as a JSON-ready mapping (what the monitor records)."""
        return {
            "channel_type": self.channel_type,
            "target": self.target,
            "ok": self.ok,
            "error": self.error,
            "status": self.status,
        }
