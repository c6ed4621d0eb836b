"""The webhook channels: a generic JSON webhook and a Slack-compatible incoming webhook, both an
HTTP POST (httpx, imported when first used) to a URL resolved from a secret reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jupyter_promote._version import __version__
from jupyter_promote.monitor.notify_formats import slack_body, webhook_body
from jupyter_promote.monitor.notify_model import Channel, ChannelError, Delivery, Message
from jupyter_promote.monitor.notify_secrets import redact, resolve_secret

_ANSWER_MAX = 200  # characters of a refusal's body kept in the error (Slack: "no_service")


def send_webhook(
    channel: Channel, message: Message, *, smtp: object = None, timeout: float = 10
) -> Delivery:
    """POST the generic JSON body (:func:`~.notify_formats.webhook_body`) to the channel."""
    return post_json(channel, webhook_body(message), timeout=timeout)


def send_slack(
    channel: Channel, message: Message, *, smtp: object = None, timeout: float = 10
) -> Delivery:
    """POST the Slack Block Kit body (:func:`~.notify_formats.slack_body`) to the channel."""
    return post_json(channel, slack_body(message), timeout=timeout)


def post_json(channel: Channel, body: dict[str, Any], *, timeout: float) -> Delivery:
    """POST ``body`` as JSON to the URL ``channel.url`` refers to.

    Args:
        channel: A channel whose ``url`` is a secret reference.
        body: The JSON body (values JSON cannot hold are sent as their ``str``).
        timeout: Seconds each phase (connect, send, read) may take.

    Returns:
        ok for a 2xx answer; otherwise the status and an error naming the reference, never
        the URL. Redirects are not followed (a 3xx is a failure).
    """
    reference = channel.url or ""
    try:
        url = resolve_secret(reference, timeout=timeout)
    except ChannelError as exc:
        return Delivery.failed(channel, exc.render())
    if not url.startswith(("https://", "http://")):
        error = f"{reference} does not hold an http(s) URL; set it to the webhook's URL"
        return Delivery.failed(channel, error)
    import httpx

    payload = json.dumps(body, default=str, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"jupyter-promote/{__version__}",
    }
    try:
        with httpx.stream("POST", url, content=payload, headers=headers, timeout=timeout) as got:
            if got.is_success:
                return Delivery.sent(channel, got.status_code)
            said = _first_bytes(got.iter_bytes(), _ANSWER_MAX)
    except httpx.TimeoutException as exc:
        error = f"no answer within {timeout:g} s ({type(exc).__name__})"
        return Delivery.failed(channel, redact(error, url, reference))
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return Delivery.failed(channel, redact(f"{type(exc).__name__}: {exc}", url, reference))
    error = f"HTTP {got.status_code} {got.reason_phrase}" + (f": {said}" if said else "")
    return Delivery.failed(channel, redact(error, url, reference), got.status_code)


def _first_bytes(chunks: Iterator[bytes], limit: int) -> str:
    """The start of a refusal's body, one line (the rest is never read: it may be huge)."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= limit:
            break
    return " ".join(head[:limit].decode(errors="replace").split())
