"""The e-mail channel: plain-text mail over SMTP, configured where the monitor runs.

``SmtpSettings.from_env()`` reads:

- ``JUPYTER_PROMOTE_SMTP_HOST`` (required) and ``JUPYTER_PROMOTE_SMTP_PORT`` (default 465 with
  SSL, 587 with STARTTLS, else 25);
- ``JUPYTER_PROMOTE_SMTP_STARTTLS`` (default true unless SSL) and ``JUPYTER_PROMOTE_SMTP_SSL``
  (implicit TLS, default false): true/false, yes/no, on/off or 1/0;
- ``JUPYTER_PROMOTE_SMTP_USER`` and ``JUPYTER_PROMOTE_SMTP_PASSWORD``: the password variable
  holds either a secret reference (``env:OTHER_VAR`` or ``block:NAME``, a Prefect Secret
  block) or the password itself; either way only a reference is kept in the settings;
- ``JUPYTER_PROMOTE_SMTP_FROM``: the sender address (default: the user, if it is an address,
  else ``jupyter-promote@localhost``, which most servers refuse: set it).

A password is never sent unencrypted except to a loopback host (a local relay).
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jupyter_promote.monitor.notify_formats import email_subject, email_text
from jupyter_promote.monitor.notify_model import (
    REFERENCE,
    Channel,
    ChannelError,
    Delivery,
    Message,
    recipients,
)
from jupyter_promote.monitor.notify_secrets import redact, resolve_secret

ENV = "JUPYTER_PROMOTE_SMTP_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_URGENT = {"critical", "high"}  # marked important in mail clients


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the SMTP server.

    Args:
        host: Server name or address.
        port: Server port.
        username: Login name, or None to send without AUTH.
        password_ref: Secret reference to the password (``env:VAR`` or ``block:NAME``).
        starttls: Upgrade the connection with STARTTLS before AUTH and sending.
        ssl: Connect with implicit TLS (port 465 style); STARTTLS is then not used.
        sender: The From address.

    Example:
        >>> SmtpSettings.from_env({"JUPYTER_PROMOTE_SMTP_HOST": "smtp.example.org",
        ...     "JUPYTER_PROMOTE_SMTP_USER": "alerts@example.org",
        ...     "JUPYTER_PROMOTE_SMTP_PASSWORD": "block:smtp-password"})
        ... # doctest: +NORMALIZE_WHITESPACE
        SmtpSettings(host='smtp.example.org', port=587, username='alerts@example.org',
                     password_ref='block:smtp-password', starttls=True, ssl=False,
                     sender='alerts@example.org')
    """

    host: str
    port: int = 587
    username: str | None = None
    password_ref: str | None = None
    starttls: bool = True
    ssl: bool = False
    sender: str = "jupyter-promote@localhost"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """Settings from the ``JUPYTER_PROMOTE_SMTP_*`` variables (see the module docstring).

        Args:
            environ: Where to read them (default: ``os.environ``).

        Raises:
            ChannelError: No host is set, or a port or flag is not understood.
        """
        import os

        env = os.environ if environ is None else environ
        host = env.get(f"{ENV}HOST", "").strip()
        if not host:
            raise ChannelError(
                f"no SMTP server is configured for e-mail channels: {ENV}HOST is not set",
                hint=f"set {ENV}HOST (and {ENV}PORT, {ENV}USER, {ENV}PASSWORD, {ENV}FROM as"
                " needed) where the monitor runs",
            )
        use_ssl = _flag(env, "SSL", False)
        starttls = _flag(env, "STARTTLS", not use_ssl) and not use_ssl
        username = env.get(f"{ENV}USER", "").strip() or None
        password = env.get(f"{ENV}PASSWORD", "").strip()
        password_ref = None
        if password:
            password_ref = password if REFERENCE.match(password) else f"env:{ENV}PASSWORD"
        default_sender = username if username and "@" in username else cls.sender
        return cls(
            host=host,
            port=_port(env, 465 if use_ssl else 587 if starttls else 25),
            username=username,
            password_ref=password_ref,
            starttls=starttls,
            ssl=use_ssl,
            sender=env.get(f"{ENV}FROM", "").strip() or default_sender,
        )

    @property
    def encrypted(self) -> bool:
        """Whether the connection is encrypted (SSL or STARTTLS)."""
        return self.ssl or self.starttls


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(f"{ENV}{name}")
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in _TRUE | _FALSE:
        raise ChannelError(f'{ENV}{name}="{raw}" is not true or false', hint="use true or false")
    return value in _TRUE


def _port(env: Mapping[str, str], default: int) -> int:
    raw = env.get(f"{ENV}PORT", "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ChannelError(f'{ENV}PORT="{raw}" is not a port number', hint="use e.g. 587")
    return int(raw)


def send_email(
    channel: Channel, message: Message, *, smtp: SmtpSettings | None = None, timeout: float = 10
) -> Delivery:
    """Mail ``message`` to ``channel.to`` through the SMTP server (``smtp``, or from the
    environment).

    Returns:
        ok when the server accepted every recipient; otherwise the error and, for a refusal,
        the SMTP reply code as ``status``.
    """
    try:
        settings = smtp or SmtpSettings.from_env()
        password = _password(settings, timeout)
    except ChannelError as exc:
        return Delivery.failed(channel, exc.render())
    mail = build_email(message, sender=settings.sender, to=recipients(channel.to or ""))
    try:
        refused = _deliver(settings, password, mail, timeout)
    except smtplib.SMTPRecipientsRefused as exc:
        code, said = next(iter(exc.recipients.values()))
        error = f"SMTP {code}: every recipient was refused ({_text(said)})"
        return Delivery.failed(channel, _hide(error, password, settings), code)
    except smtplib.SMTPResponseException as exc:
        error = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
        return Delivery.failed(channel, _hide(error, password, settings), exc.smtp_code)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__} talking to {settings.host}:{settings.port}: {exc}"
        return Delivery.failed(channel, _hide(error, password, settings))
    if refused:
        code = next(iter(refused.values()))[0]
        return Delivery.failed(channel, f"SMTP {code}: refused {', '.join(refused)}", code)
    return Delivery.sent(channel, 250)


def build_email(message: Message, *, sender: str, to: list[str]) -> EmailMessage:
    """The e-mail for ``message``: plain text, UTF-8, marked important when critical or high.

    >>> mail = build_email(Message("loan_book failed", "Step clean failed.", severity="high"),
    ...                    sender="alerts@example.org", to=["risk@example.org"])
    >>> mail["Subject"], mail["To"], mail["Importance"]
    ('[jupyter-promote] loan_book failed', 'risk@example.org', 'high')
    """
    mail = EmailMessage()
    mail["Subject"] = email_subject(message)
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid("jupyter-promote", domain=sender.rpartition("@")[2] or None)
    if message.severity in _URGENT:
        mail["Importance"] = "high"
        mail["X-Priority"] = "1"
    mail.set_content(email_text(message))
    return mail


def _password(settings: SmtpSettings, timeout: float) -> str | None:
    if not settings.username:
        return None
    if not settings.password_ref:
        raise ChannelError(
            f"{ENV}USER is set but no password is", hint=f"set {ENV}PASSWORD where the monitor runs"
        )
    if not settings.encrypted and not _loopback(settings.host):
        raise ChannelError(
            f"refusing to send the SMTP password unencrypted to {settings.host}",
            hint=f"set {ENV}STARTTLS=true or {ENV}SSL=true",
        )
    return resolve_secret(settings.password_ref, timeout=timeout)


def _deliver(
    settings: SmtpSettings, password: str | None, mail: EmailMessage, timeout: float
) -> dict[str, tuple[int, bytes]]:
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if settings.ssl:
        server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    with server:
        if settings.starttls:
            server.starttls(context=context)
        if settings.username and password is not None:
            server.login(settings.username, password)
        return server.send_message(mail)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _text(said: bytes | str) -> str:
    return said.decode(errors="replace") if isinstance(said, bytes) else str(said)


def _hide(error: str, password: str | None, settings: SmtpSettings) -> str:
    return redact(error, password, settings.password_ref or "") if password else error
