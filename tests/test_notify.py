"""Notification channels against real receivers on 127.0.0.1: an http.server webhook receiver
(generic and Slack-shaped bodies, refusals, timeouts), an aiosmtpd SMTP server (with and without
AUTH), and secret references (env:, block: with no Prefect server, raw URLs refused). No mocks:
secrets come from real environment variables, plug-ins from a real entry point on sys.path."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
from pydantic import ValidationError
from sinks import Receiver, SmtpServer, smtp_sink, webhook_receiver

from jupyter_promote.monitor import notify
from jupyter_promote.monitor.notify import (
    Channel,
    ChannelError,
    Delivery,
    Message,
    SmtpSettings,
    resolve_secret,
    send,
)

# the test SMTP server takes AUTH without TLS on 127.0.0.1 (aiosmtpd warns about it)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MESSAGE = Message(
    subject="loan_book failed at step clean",
    text="Step clean raised KeyError: 'amount'.\nDownstream: risk_report <critical> & 2 more.",
    fields={"pipeline": "loan_book", "owner": "ana", "tier": "critical", "run_id": "r-1"},
    severity="critical",
    links=[("Run", "http://127.0.0.1:4200/runs/r-1"), ("Runbook", "http://docs/rb?a=1&b=2")],
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a real webhook receiver (tests/sinks.py) ------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as rec:
        yield rec


def _hook(monkeypatch: pytest.MonkeyPatch, url: str, var: str = "CM_TEST_WEBHOOK") -> str:
    monkeypatch.setenv(var, url)
    return f"env:{var}"


def _assert_hidden(delivery: Delivery, *secrets: str) -> None:
    shown = repr(delivery) + json.dumps(delivery.to_dict())
    for secret in secrets:
        assert secret not in shown


# --- generic webhook ------------------------------------------------------------------------


def test_generic_webhook_posts_the_exact_json(receiver, monkeypatch):
    secret = receiver.url("/ok/T1/B2/tok-secret")
    channel = Channel(type="webhook", url=_hook(monkeypatch, secret))

    delivery = send(channel, MESSAGE)

    assert delivery == Delivery("webhook", "webhook via env:CM_TEST_WEBHOOK", True, None, 200)
    [post] = receiver.posts
    assert post["path"] == "/ok/T1/B2/tok-secret"
    assert post["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert post["headers"]["User-Agent"].startswith("jupyter-promote/")
    body = json.loads(post["body"])
    assert body == {
        "subject": "loan_book failed at step clean",
        "text": "Step clean raised KeyError: 'amount'.\n"
        "Downstream: risk_report <critical> & 2 more.",
        "severity": "critical",
        "pipeline": "loan_book",
        "owner": "ana",
        "tier": "critical",
        "run_id": "r-1",
        "links": [
            {"label": "Run", "url": "http://127.0.0.1:4200/runs/r-1"},
            {"label": "Runbook", "url": "http://docs/rb?a=1&b=2"},
        ],
    }
    assert list(body) == [
        "subject",
        "text",
        "severity",
        "pipeline",
        "owner",
        "tier",
        "run_id",
        "links",
    ]
    _assert_hidden(delivery, secret)


def test_webhook_fields_json_cannot_hold_are_sent_as_text(receiver, monkeypatch):
    from datetime import datetime, timezone

    at = datetime(2026, 11, 3, 17, 0, tzinfo=timezone.utc)
    channel = Channel(type="webhook", url=_hook(monkeypatch, receiver.url("/ok")))
    message = Message("late", "", fields={"deadline": at, "ratio": 0.5, "tags": ["a", "é"]})

    assert send(channel, message).ok
    body = json.loads(receiver.posts[0]["body"])
    assert body["deadline"] == "2026-11-03 17:00:00+00:00"
    assert body["ratio"] == 0.5
    assert body["tags"] == ["a", "é"]


def test_an_http_500_is_a_failure_with_its_status_and_no_secret(receiver, monkeypatch):
    secret = receiver.url("/fail/T1/B2/tok-secret")
    channel = Channel(type="webhook", url=_hook(monkeypatch, secret))

    delivery = send(channel, MESSAGE)

    assert delivery.ok is False
    assert delivery.status == 500
    assert delivery.target == "webhook via env:CM_TEST_WEBHOOK"
    # the receiver echoed the URL's path (where webhook tokens live): it is redacted
    assert delivery.error == "HTTP 500 Internal Server Error: boom: see env:CM_TEST_WEBHOOK"
    _assert_hidden(delivery, secret, "/fail/T1/B2/tok-secret", "tok-secret")


def test_a_redirect_is_not_followed(receiver, monkeypatch):
    channel = Channel(type="webhook", url=_hook(monkeypatch, receiver.url("/redirect")))

    delivery = send(channel, MESSAGE)

    assert (delivery.ok, delivery.status) == (False, 302)
    assert [p["path"] for p in receiver.posts] == ["/redirect"]


def test_an_unreachable_receiver_fails_within_the_timeout(monkeypatch):
    secret = f"http://127.0.0.1:{_free_port()}/hooks/tok-secret"
    channel = Channel(type="webhook", url=_hook(monkeypatch, secret))

    started = time.monotonic()
    delivery = send(channel, MESSAGE, timeout=2)

    assert time.monotonic() - started < 2
    assert delivery.ok is False
    assert delivery.status is None
    assert delivery.error is not None and delivery.error.startswith("ConnectError: ")
    _assert_hidden(delivery, secret, "tok-secret")


def test_a_receiver_that_does_not_answer_times_out(receiver, monkeypatch):
    secret = receiver.url("/slow/tok-secret")
    channel = Channel(type="webhook", url=_hook(monkeypatch, secret))

    started = time.monotonic()
    delivery = send(channel, MESSAGE, timeout=0.5)

    assert time.monotonic() - started < 2
    assert delivery == Delivery(
        "webhook", "webhook via env:CM_TEST_WEBHOOK", False, "no answer within 0.5 s (ReadTimeout)"
    )


def test_a_variable_that_holds_no_url_is_a_failure(monkeypatch):
    channel = Channel(type="webhook", url=_hook(monkeypatch, "hooks.example.org/tok-secret"))

    delivery = send(channel, MESSAGE)

    assert delivery.error == (
        "env:CM_TEST_WEBHOOK does not hold an http(s) URL; set it to the webhook's URL"
    )
    _assert_hidden(delivery, "tok-secret")


# --- Slack-compatible webhook ---------------------------------------------------------------


def test_slack_webhook_posts_the_exact_block_kit_body(receiver, monkeypatch):
    secret = receiver.url("/services/T1/B2/tok-secret")
    channel = Channel(type="slack", url=_hook(monkeypatch, secret, "CM_SLACK_WEBHOOK"))

    delivery = send(channel, MESSAGE)

    assert delivery == Delivery("slack", "slack via env:CM_SLACK_WEBHOOK", True, None, 200)
    assert json.loads(receiver.posts[0]["body"]) == {
        "text": "loan_book failed at step clean",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "loan_book failed at step clean"},
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Step clean raised KeyError: 'amount'.\n"
                    "Downstream: risk_report &lt;critical&gt; &amp; 2 more.",
                },
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "severity: *critical*"},
                    {
                        "type": "mrkdwn",
                        "text": "<http://127.0.0.1:4200/runs/r-1|Run>"
                        " | <http://docs/rb?a=1&amp;b=2|Runbook>",
                    },
                ],
            },
        ],
    }


def test_slack_escapes_markup_and_keeps_within_block_limits():
    message = Message("<!channel> " + "s" * 200, "x&" * 2000, links=[("a|b", "http://h/?q=a|b")])

    body = notify.slack_body(message)

    assert body["text"].startswith("&lt;!channel&gt; ")
    header, section, context = body["blocks"]
    assert len(header["text"]["text"]) == 150 and header["text"]["text"].endswith("…")
    assert len(section["text"]["text"]) <= 3000
    assert section["text"]["text"].endswith("x…")  # not cut inside an &amp; entity
    assert context["elements"][1]["text"] == "<http://h/?q=a%7Cb|a|b>"


def test_slack_message_without_text_or_links_has_header_and_context_only():
    body = notify.slack_body(Message("all clear", "  ", severity="low"))

    assert [b["type"] for b in body["blocks"]] == ["header", "context"]
    assert body["blocks"][1]["elements"] == [{"type": "mrkdwn", "text": "severity: *low*"}]


def test_slack_refusal_carries_slacks_answer(receiver, monkeypatch):
    channel = Channel(type="slack", url=_hook(monkeypatch, receiver.url("/gone/tok-secret")))

    delivery = send(channel, MESSAGE)

    assert (delivery.ok, delivery.status) == (False, 404)
    assert delivery.error == "HTTP 404 Not Found: no_service"


# --- secrets ------------------------------------------------------------------------------


def test_env_reference_resolves(monkeypatch):
    monkeypatch.setenv("CM_TEST_SECRET", "https://hooks.example.org/T1/B2/tok")
    assert resolve_secret("env:CM_TEST_SECRET") == "https://hooks.example.org/T1/B2/tok"


def test_missing_env_variable_names_it_and_where_to_set_it(monkeypatch):
    monkeypatch.delenv("CM_MISSING_WEBHOOK", raising=False)

    with pytest.raises(ChannelError) as caught:
        resolve_secret("env:CM_MISSING_WEBHOOK")

    assert str(caught.value) == (
        "environment variable CM_MISSING_WEBHOOK is not set; set CM_MISSING_WEBHOOK in the"
        " environment where the monitor runs (its service, worker or container), to the"
        " webhook URL or password it stands for"
    )
    assert caught.value.http_status == 409


def test_a_raw_url_is_refused_without_being_repeated():
    secret = "https://hooks.slack.com/services/T1/B2/tok-secret"

    with pytest.raises(ChannelError) as caught:
        resolve_secret(secret)

    assert str(caught.value) == (
        "a channel secret must be a reference, env:VAR_NAME or block:NAME; keep the webhook"
        " URL or password in the monitor's environment or in a Prefect Secret block and refer"
        " to it; secrets must come from env: or block:, never from the release, manifest or"
        " teams.yaml"
    )
    with pytest.raises(ValidationError) as invalid:
        Channel(type="slack", url=secret)
    assert "never the webhook URL itself" in str(invalid.value)
    assert "tok-secret" not in str(invalid.value)
    assert "tok-secret" not in json.dumps(invalid.value.errors(include_url=False), default=str)


def test_block_reference_without_a_prefect_server_fails_clearly(monkeypatch):
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_CLIENT_MAX_RETRIES,
        temporary_settings,
    )

    api = f"http://127.0.0.1:{_free_port()}/api"  # nothing listens there
    monkeypatch.setenv("PREFECT_API_URL", api)
    with temporary_settings({PREFECT_API_URL: api, PREFECT_CLIENT_MAX_RETRIES: 0}):
        started = time.monotonic()
        with pytest.raises(ChannelError) as caught:
            resolve_secret("block:no-such-block-for-notify-tests", timeout=2)
        elapsed = time.monotonic() - started

    assert elapsed < 10
    text = str(caught.value)
    assert text.startswith(
        "Prefect Secret block no-such-block-for-notify-tests cannot be read: the Prefect API"
        f" at {api} did not answer (ConnectError: "
    )
    assert text.endswith(
        "); start the Prefect server or fix PREFECT_API_URL where the monitor runs"
    )


def test_block_reference_without_prefect_api_url_says_so(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        delivery = send(Channel(type="slack", url="block:team-slack"), MESSAGE)

    assert delivery == Delivery(
        "slack",
        "slack via block:team-slack",
        False,
        "block:team-slack needs a Prefect server, and PREFECT_API_URL is not set; set"
        " PREFECT_API_URL where the monitor runs, or refer to an environment variable instead"
        " (env:VAR_NAME)",
    )


@pytest.mark.prefect
def test_block_reference_resolves_from_the_session_server(prefect_server, receiver, monkeypatch):
    """Needs the session's Prefect server: a real Secret block, read at send time."""
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL, temporary_settings

    for key, value in prefect_server.env.items():  # this process talks to the session server
        monkeypatch.setenv(key, value)
    # Prefect read its settings when this process first imported it (perhaps before the session
    # server existed): point them at the server, as the monitor's own process has them
    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        secret = receiver.url("/ok/T9/B9/tok-from-block")
        Secret(value=secret).save("notify-test-webhook", overwrite=True)
        Secret(value="1234").save("notify-test-digits", overwrite=True)

        delivery = send(Channel(type="webhook", url="block:notify-test-webhook"), MESSAGE)

        assert delivery == Delivery(
            "webhook", "webhook via block:notify-test-webhook", True, None, 200
        )
        assert receiver.posts[0]["path"] == "/ok/T9/B9/tok-from-block"
        assert resolve_secret("block:notify-test-digits") == "1234"  # text, not JSON-decoded
        with pytest.raises(ChannelError, match="does not exist on"):
            resolve_secret("block:notify-test-absent")


# --- e-mail ---------------------------------------------------------------------------------


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with smtp_sink(auth=False) as server:
        yield server


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    with smtp_sink(auth=True) as server:
        yield server


def test_email_is_plain_text_with_the_links(smtp_server):
    settings = SmtpSettings(
        host="127.0.0.1", port=smtp_server.port, starttls=False, sender="alerts@example.org"
    )
    channel = Channel(type="email", to="risk-oncall@example.org, ana@example.org")

    delivery = send(channel, MESSAGE, smtp=settings)

    assert delivery == Delivery(
        "email", "email to risk-oncall@example.org, ana@example.org", True, None, 250
    )
    [(mail_from, rcpt, mail)] = smtp_server.inbox.mails
    assert mail_from == "alerts@example.org"
    assert rcpt == ["risk-oncall@example.org", "ana@example.org"]
    assert mail["Subject"] == "[jupyter-promote] loan_book failed at step clean"
    assert mail["From"] == "alerts@example.org"
    assert mail["To"] == "risk-oncall@example.org, ana@example.org"
    assert mail["Importance"] == "high"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content().replace("\r\n", "\n") == textwrap.dedent("""\
        Step clean raised KeyError: 'amount'.
        Downstream: risk_report <critical> & 2 more.

        Links:
          Run: http://127.0.0.1:4200/runs/r-1
          Runbook: http://docs/rb?a=1&b=2

        Severity: critical. Sent by jupyter-promote.
        """)


def test_email_settings_from_env_with_auth_and_the_password_in_the_variable(
    smtp_auth_server, monkeypatch
):
    monkeypatch.setenv("JUPYTER_PROMOTE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JUPYTER_PROMOTE_SMTP_PORT", str(smtp_auth_server.port))
    monkeypatch.setenv("JUPYTER_PROMOTE_SMTP_USER", "alerts@example.org")
    monkeypatch.setenv("JUPYTER_PROMOTE_SMTP_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("JUPYTER_PROMOTE_SMTP_STARTTLS", "false")
    for name in ("SSL", "FROM"):
        monkeypatch.delenv(f"JUPYTER_PROMOTE_SMTP_{name}", raising=False)

    settings = SmtpSettings.from_env()
    delivery = send(Channel(type="email", to="ana@example.org"), MESSAGE, smtp=settings)

    assert settings.password_ref == "env:JUPYTER_PROMOTE_SMTP_PASSWORD"  # never the password
    assert "s3cret-pw" not in repr(settings)
    assert delivery.ok, delivery.error
    assert smtp_auth_server.logins == ["alerts@example.org"]
    assert smtp_auth_server.inbox.mails[0][0] == "alerts@example.org"  # FROM defaults to USER


def test_email_password_from_a_reference_and_a_wrong_one_refused(smtp_auth_server, monkeypatch):
    def settings(ref: str) -> SmtpSettings:
        return SmtpSettings(
            host="127.0.0.1",
            port=smtp_auth_server.port,
            username="alerts@example.org",
            password_ref=ref,
            starttls=False,
            sender="alerts@example.org",
        )

    channel = Channel(type="email", to="ana@example.org")
    monkeypatch.setenv("CM_SMTP_PW", "s3cret-pw")
    monkeypatch.setenv("CM_SMTP_BAD_PW", "wrong-pw-value")

    good = send(channel, MESSAGE, smtp=settings("env:CM_SMTP_PW"))
    bad = send(channel, MESSAGE, smtp=settings("env:CM_SMTP_BAD_PW"))

    assert good.ok and len(smtp_auth_server.inbox.mails) == 1
    assert (bad.ok, bad.status) == (False, 535)
    assert bad.error is not None and bad.error.startswith("SMTP 535: ")
    _assert_hidden(bad, "wrong-pw-value")


def test_a_password_is_never_sent_unencrypted_to_a_remote_host(monkeypatch):
    monkeypatch.setenv("CM_SMTP_PW", "s3cret-pw")
    settings = SmtpSettings(
        host="smtp.example.invalid", username="u", password_ref="env:CM_SMTP_PW", starttls=False
    )

    delivery = send(Channel(type="email", to="ana@example.org"), MESSAGE, smtp=settings)

    assert delivery.error == (
        "refusing to send the SMTP password unencrypted to smtp.example.invalid; set"
        " JUPYTER_PROMOTE_SMTP_STARTTLS=true or JUPYTER_PROMOTE_SMTP_SSL=true"
    )


def test_email_without_smtp_configuration_fails_clearly(monkeypatch):
    monkeypatch.delenv("JUPYTER_PROMOTE_SMTP_HOST", raising=False)

    delivery = send(Channel(type="email", to="ana@example.org"), MESSAGE)

    assert delivery == Delivery(
        "email",
        "email to ana@example.org",
        False,
        "no SMTP server is configured for e-mail channels: JUPYTER_PROMOTE_SMTP_HOST is not set;"
        " set JUPYTER_PROMOTE_SMTP_HOST (and JUPYTER_PROMOTE_SMTP_PORT, JUPYTER_PROMOTE_SMTP_USER,"
        " JUPYTER_PROMOTE_SMTP_PASSWORD, JUPYTER_PROMOTE_SMTP_FROM as needed) where the monitor"
        " runs",
    )


def test_an_unreachable_smtp_server_fails_within_the_timeout():
    settings = SmtpSettings(host="127.0.0.1", port=_free_port(), starttls=False)

    started = time.monotonic()
    delivery = send(Channel(type="email", to="a@example.org"), MESSAGE, smtp=settings, timeout=2)

    assert time.monotonic() - started < 2
    assert delivery.ok is False and delivery.status is None
    assert delivery.error is not None
    assert delivery.error.startswith("ConnectionRefusedError talking to 127.0.0.1:")


def test_smtp_settings_from_env_defaults_and_bad_values():
    assert SmtpSettings.from_env(
        {"JUPYTER_PROMOTE_SMTP_HOST": "mail", "JUPYTER_PROMOTE_SMTP_SSL": "yes"}
    ) == (SmtpSettings(host="mail", port=465, starttls=False, ssl=True))
    assert SmtpSettings.from_env(
        {
            "JUPYTER_PROMOTE_SMTP_HOST": "mail",
            "JUPYTER_PROMOTE_SMTP_STARTTLS": "off",
            "JUPYTER_PROMOTE_SMTP_PASSWORD": "block:smtp-pw",
            "JUPYTER_PROMOTE_SMTP_FROM": "a@b.org",
        }
    ) == SmtpSettings(
        host="mail", port=25, password_ref="block:smtp-pw", starttls=False, sender="a@b.org"
    )
    with pytest.raises(ChannelError, match='JUPYTER_PROMOTE_SMTP_PORT="smtp" is not a port'):
        SmtpSettings.from_env(
            {"JUPYTER_PROMOTE_SMTP_HOST": "mail", "JUPYTER_PROMOTE_SMTP_PORT": "smtp"}
        )
    with pytest.raises(ChannelError, match='JUPYTER_PROMOTE_SMTP_STARTTLS="maybe" is not true'):
        SmtpSettings.from_env(
            {"JUPYTER_PROMOTE_SMTP_HOST": "m", "JUPYTER_PROMOTE_SMTP_STARTTLS": "maybe"}
        )


# --- the model and the registry -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"type": "webhook"}, "a webhook channel needs url: env:VAR_NAME or block:NAME"),
        ({"type": "email"}, "an email channel needs to: an e-mail address"),
        ({"type": "email", "to": "not-an-address"}, "an email channel needs to: an e-mail address"),
        (
            {"type": "email", "to": "a@b.org", "url": "env:X"},
            "an email channel takes to:, not url:",
        ),
        (
            {"type": "pager", "url": "env:X"},
            'type "pager" is unknown; use one of webhook, slack, email',
        ),
        ({"type": "slack", "url": "env:X", "channel": "#ops"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_channels_say_what_to_fix(fields, problem):
    with pytest.raises(ValidationError, match=problem):
        Channel(**fields)


def test_message_refuses_reserved_field_names_unknown_severity_and_no_subject():
    with pytest.raises(ValueError, match="subject is empty"):
        Message(" ", "t")
    with pytest.raises(ValueError, match="got links, text"):
        Message("s", "t", fields={"text": 1, "links": 2})
    with pytest.raises(ValueError, match="severity must be one of critical, high, normal, low"):
        Message("s", "t", severity="urgent")  # type: ignore[arg-type]


def test_send_refuses_a_non_positive_timeout():
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        send(Channel(type="webhook", url="env:X"), MESSAGE, timeout=0)


@pytest.fixture
def pigeon_plugin(tmp_path, monkeypatch):
    """A real installed distribution registering channel type "pigeon" (on sys.path)."""
    (tmp_path / "pigeon_notify.py").write_text(
        textwrap.dedent("""\
        from jupyter_promote.monitor.notify import Delivery

        SENT = []

        def send_pigeon(channel, message, *, smtp, timeout):
            SENT.append((channel.url, message.subject, timeout))
            return Delivery.sent(channel, 200)

        def send_broken(channel, message, *, smtp, timeout):
            raise RuntimeError("the pigeon flew off")
        """)
    )
    info = tmp_path / "pigeon_notify-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pigeon-notify\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[jupyter_promote.channels]\n"
        "pigeon = pigeon_notify:send_pigeon\n"
        "crow = pigeon_notify:send_broken\n"
        "owl = pigeon_notify:no_such_function\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in ("pigeon", "crow", "owl"):
        notify.SENDERS.pop(name, None)
    sys.modules.pop("pigeon_notify", None)


def test_entry_point_channel_types_load_lazily_and_never_raise(pigeon_plugin):
    assert "pigeon" not in notify.SENDERS
    assert notify.channel_types() == ["webhook", "slack", "email", "crow", "owl", "pigeon"]

    delivery = send(Channel(type="pigeon", url="env:LOFT"), MESSAGE, timeout=3)

    assert delivery == Delivery("pigeon", "pigeon via env:LOFT", True, None, 200)
    sent = sys.modules["pigeon_notify"].SENT
    assert sent == [("env:LOFT", MESSAGE.subject, 3)]
    broken = send(Channel(type="crow", url="env:LOFT"), MESSAGE)
    assert broken.error == "RuntimeError: the pigeon flew off"
    missing = send(Channel(type="owl", url="env:LOFT"), MESSAGE)
    assert missing.error is not None
    assert missing.error.startswith("channel type owl cannot be loaded: ")


def test_importing_notify_imports_neither_prefect_nor_httpx():
    code = (
        "import sys, jupyter_promote.monitor.notify\n"
        "print(sorted(m for m in ('prefect', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]"
