"""Secret references: ``env:VAR_NAME`` and ``block:NAME`` (a Prefect Secret block), resolved
only at the moment of sending, and redaction of whatever they resolve to.

Webhook URLs and SMTP passwords are credentials. They live where the monitor runs (its
environment, or Prefect's encrypted Secret blocks), never in a release, manifest or teams.yaml,
so :func:`resolve_secret` refuses anything that is not a reference.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from jupyter_promote.monitor.notify_model import REFERENCE, ChannelError


def resolve_secret(
    reference: str, *, environ: Mapping[str, str] | None = None, timeout: float = 10
) -> str:
    """The secret a reference stands for.

    Args:
        reference: ``env:VAR_NAME`` or ``block:NAME``.
        environ: Where ``env:`` looks (default: ``os.environ``).
        timeout: Seconds a ``block:`` lookup may wait for the Prefect API, per request.

    Returns:
        The secret (a webhook URL, a password).

    Raises:
        ChannelError: The variable is unset, Prefect or its block is missing or unreachable, or
            ``reference`` is not a reference at all (a raw URL). The message names the
            reference, never a secret.

    Example:
        >>> resolve_secret("env:CM_SLACK_WEBHOOK", environ={"CM_SLACK_WEBHOOK": "https://h/x"})
        'https://h/x'
        >>> try:
        ...     resolve_secret("env:CM_SLACK_WEBHOOK", environ={})
        ... except ChannelError as err:
        ...     print(err.message)
        environment variable CM_SLACK_WEBHOOK is not set
    """
    kind, _, name = reference.partition(":")
    if not REFERENCE.match(reference):
        raise ChannelError(
            "a channel secret must be a reference, env:VAR_NAME or block:NAME",
            hint="keep the webhook URL or password in the monitor's environment or in a"
            " Prefect Secret block and refer to it; secrets must come from env: or block:,"
            " never from the release, manifest or teams.yaml",
        )
    if kind == "env":
        return _from_env(name, os.environ if environ is None else environ)
    return _from_block(name, timeout)


def _from_env(name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name, "")
    if not value:
        raise ChannelError(
            f"environment variable {name} is not set",
            hint=f"set {name} in the environment where the monitor runs (its service, worker"
            " or container), to the webhook URL or password it stands for",
        )
    return value


def _from_block(name: str, timeout: float) -> str:
    try:
        from prefect.blocks.system import Secret
        from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, temporary_settings
        from prefect.settings.context import get_current_settings
    except ImportError:
        raise ChannelError(
            f"Prefect is not installed here, so block:{name} cannot be read",
            hint="pip install 'jupyter-promote[run]' where the monitor runs, or refer to an"
            " environment variable instead (env:VAR_NAME)",
        ) from None
    api = get_current_settings().api.url
    if not api:
        raise ChannelError(
            f"block:{name} needs a Prefect server, and PREFECT_API_URL is not set",
            hint="set PREFECT_API_URL where the monitor runs, or refer to an environment"
            " variable instead (env:VAR_NAME)",
        )
    try:
        with temporary_settings({PREFECT_API_REQUEST_TIMEOUT: timeout}):
            load: Any = Secret.load  # typed without the _sync switch its dispatcher takes
            block = load(name, _sync=True)  # _sync: a plain call, inside an event loop too
        # the raw value: Secret.get() would JSON-decode it, and a password "1234" is no int
        value = block.value.get_secret_value()
    except ValueError as exc:
        if "Unable to find" not in str(exc):  # e.g. a validation error: may quote the value
            raise ChannelError(
                f"Prefect Secret block {name} cannot be read ({type(exc).__name__})",
                hint="check the block in the Prefect UI (Blocks) and save it again",
            ) from None
        raise ChannelError(
            f"Prefect Secret block {name} does not exist on {api}",
            hint=f'create it (UI: Blocks > Secret, or `Secret(value=...).save("{name}")`)'
            " on the server the monitor uses",
        ) from None
    except Exception as exc:  # network errors, timeouts, server errors
        raise ChannelError(
            f"Prefect Secret block {name} cannot be read: the Prefect API at {api} did not"
            f" answer ({type(exc).__name__}: {exc})",
            hint="start the Prefect server or fix PREFECT_API_URL where the monitor runs",
        ) from None
    if not isinstance(value, str) or not value:
        raise ChannelError(
            f"Prefect Secret block {name} holds no text value",
            hint="save the webhook URL or password as the block's value (a plain string)",
        )
    return value


def redact(text: str, secret: str, reference: str) -> str:
    """``text`` with ``secret`` (and, for a URL, its path and query, where webhook tokens
    live) replaced by ``reference``.

    >>> redact("POST https://hooks.example/T1/B2/tok failed", "https://hooks.example/T1/B2/tok",
    ...        "env:HOOK")
    'POST env:HOOK failed'
    >>> redact("bad path /T1/B2/tok", "https://hooks.example/T1/B2/tok", "env:HOOK")
    'bad path env:HOOK'
    """
    if not secret:
        return text
    text = text.replace(secret, reference)
    parts = urlsplit(secret) if "://" in secret else None
    if parts is not None:
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        for piece in (tail, parts.path, parts.query, parts.password or ""):
            if len(piece) > 1:
                text = text.replace(piece, reference)
    return text
