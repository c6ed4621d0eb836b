"""Send a :class:`Message` through a :class:`Channel`: a generic webhook, a Slack-compatible
webhook or e-mail, or a channel type another package registers.

The fleet (stale notices) and the production monitor (incident alerts) call :func:`send`. It
never raises for a failed delivery: it returns a :class:`Delivery` with ``ok=False`` and the
error, which the monitor records before it tries again later. Secrets (webhook URLs, the SMTP
password) are resolved from ``env:`` or ``block:`` references at the moment of sending and never
appear in a :class:`Delivery` or an error message.

Extra channel types: register a function with :class:`Sender`'s signature in the
``jupyter_promote.channels`` entry-point group, named after the type::

    [project.entry-points."jupyter_promote.channels"]
    teams = "my_package.notify:send_teams"

It is imported the first time a channel of that type sends.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Protocol

from jupyter_promote.monitor.notify_email import SmtpSettings, send_email
from jupyter_promote.monitor.notify_formats import (
    email_subject,
    email_text,
    slack_body,
    webhook_body,
)
from jupyter_promote.monitor.notify_http import send_slack, send_webhook
from jupyter_promote.monitor.notify_model import (
    ENTRY_POINT_GROUP,
    Channel,
    ChannelError,
    Delivery,
    Message,
    Severity,
    channel_types,
)
from jupyter_promote.monitor.notify_secrets import resolve_secret

__all__ = [
    "SENDERS",
    "Channel",
    "ChannelError",
    "Delivery",
    "Message",
    "Sender",
    "Severity",
    "SmtpSettings",
    "channel_types",
    "email_subject",
    "email_text",
    "resolve_secret",
    "send",
    "sender_for",
    "slack_body",
    "webhook_body",
]


class Sender(Protocol):
    """What sends one channel type; returns a :class:`Delivery`, failures included."""

    def __call__(
        self, channel: Channel, message: Message, *, smtp: SmtpSettings | None, timeout: float
    ) -> Delivery: ...


#: Channel type -> sender. Entry-point types are added the first time they are used.
SENDERS: dict[str, Sender] = {"webhook": send_webhook, "slack": send_slack, "email": send_email}


def sender_for(channel_type: str) -> Sender | None:
    """The sender of ``channel_type``: built in, or loaded from its entry point (once).

    >>> sender_for("slack") is send_slack
    True
    >>> sender_for("carrier-pigeon") is None
    True
    """
    if channel_type not in SENDERS:
        for point in entry_points(group=ENTRY_POINT_GROUP, name=channel_type):
            SENDERS[channel_type] = point.load()
            break
    return SENDERS.get(channel_type)


def send(
    channel: Channel, message: Message, *, smtp: SmtpSettings | None = None, timeout: float = 10
) -> Delivery:
    """Send ``message`` through ``channel``.

    Args:
        channel: Where to (its ``url`` a secret reference, or ``to`` an address).
        message: What to say.
        smtp: The SMTP server for e-mail (default: :meth:`SmtpSettings.from_env`).
        timeout: Seconds each network step may take (connect, send, each read; a ``block:``
            secret lookup's requests).

    Returns:
        The delivery: ``ok`` when the receiver accepted the message; otherwise ``error`` (and
        ``status``: the HTTP status or SMTP reply code, when there was an answer). Never raises
        for a failed delivery.

    Raises:
        ValueError: ``timeout`` is not positive (a programming error, not a delivery failure).

    Example:
        >>> channel = Channel(type="webhook", url="env:NOTIFY_DOCTEST_UNSET_HOOK")
        >>> delivery = send(channel, Message("loan_book failed", "Step clean failed."))
        >>> delivery.ok, delivery.target
        (False, 'webhook via env:NOTIFY_DOCTEST_UNSET_HOOK')
        >>> delivery.error
        'environment variable NOTIFY_DOCTEST_UNSET_HOOK is not set; set ...'
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    try:
        sender = sender_for(channel.type)
    except Exception as exc:  # a broken plug-in must not stop the monitor
        return Delivery.failed(channel, f"channel type {channel.type} cannot be loaded: {exc}")
    if sender is None:
        known = ", ".join(channel_types())
        return Delivery.failed(channel, f"unknown channel type {channel.type}; use one of {known}")
    try:
        return sender(channel, message, smtp=smtp, timeout=timeout)
    except Exception as exc:  # a sender that raises is a failed delivery, recorded, retried
        return Delivery.failed(channel, f"{type(exc).__name__}: {exc}")
