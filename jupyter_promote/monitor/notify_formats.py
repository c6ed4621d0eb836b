"""What each channel type puts on the wire for a :class:`~.notify_model.Message`: pure
functions from a message to a JSON body or an e-mail text, tested as text.

- generic webhook: ``{"subject", "text", "severity", **fields, "links": [{"label", "url"}]}``
- Slack-compatible webhook: a ``text`` fallback plus Block Kit blocks (header, a mrkdwn section,
  a context line with severity and links), following https://api.slack.com/messaging/webhooks;
  ``&``, ``<`` and ``>`` are escaped, so a message cannot ping ``<!channel>`` or forge a link.
- e-mail: plain text, the links listed one a line, subject prefixed ``[jupyter-promote]``.
"""

from __future__ import annotations

from typing import Any

from jupyter_promote.monitor.notify_model import Message

SUBJECT_PREFIX = "[jupyter-promote]"
# Slack Block Kit limits (characters): longer texts are refused with HTTP 400, so cut them.
HEADER_MAX = 150
SECTION_MAX = 3000
CONTEXT_MAX = 3000


def webhook_body(message: Message) -> dict[str, Any]:
    """The JSON body of a generic webhook.

    >>> webhook_body(Message("loan_book failed", "Step clean raised KeyError.",
    ...     fields={"pipeline": "loan_book"}, severity="high", links=[("Run", "http://ui/r/1")]))
    ... # doctest: +NORMALIZE_WHITESPACE
    {'subject': 'loan_book failed', 'text': 'Step clean raised KeyError.', 'severity': 'high',
     'pipeline': 'loan_book', 'links': [{'label': 'Run', 'url': 'http://ui/r/1'}]}
    """
    return {
        "subject": message.subject,
        "text": message.text,
        "severity": message.severity,
        **message.fields,
        "links": [{"label": label, "url": url} for label, url in message.links],
    }


def slack_escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as markup.

    >>> slack_escape("a < b & <!channel>")
    'a &lt; b &amp; &lt;!channel&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(label: str, url: str) -> str:
    """A mrkdwn link ``<url|label>``.

    >>> slack_link("Run <1>", "http://ui/runs?a=1&b=2")
    '<http://ui/runs?a=1&amp;b=2|Run &lt;1&gt;>'
    """
    return f"<{slack_escape(url).replace('|', '%7C')}|{slack_escape(label)}>"


def slack_body(message: Message) -> dict[str, Any]:
    """The JSON body of a Slack-compatible incoming webhook.

    >>> body = slack_body(Message("loan_book failed", "KeyError in *clean*", severity="high"))
    >>> [block["type"] for block in body["blocks"]]
    ['header', 'section', 'context']
    >>> body["blocks"][2]["elements"][0]["text"]
    'severity: *high*'
    """
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _cut(_one_line(message.subject), HEADER_MAX)},
        }
    ]
    if message.text.strip():
        text = _cut_escaped(slack_escape(message.text), SECTION_MAX)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    context = [{"type": "mrkdwn", "text": f"severity: *{message.severity}*"}]
    if message.links:
        links = " | ".join(slack_link(label, url) for label, url in message.links)
        context.append({"type": "mrkdwn", "text": _cut_escaped(links, CONTEXT_MAX)})
    blocks.append({"type": "context", "elements": context})
    return {"text": slack_escape(_one_line(message.subject)), "blocks": blocks}


def email_subject(message: Message) -> str:
    """The e-mail subject: one line, prefixed.

    >>> email_subject(Message("loan_book failed\\n(again)", ""))
    '[jupyter-promote] loan_book failed (again)'
    """
    return f"{SUBJECT_PREFIX} {_one_line(message.subject)}"


def email_text(message: Message) -> str:
    """The plain-text e-mail body: the text, the links one a line, the severity.

    >>> print(email_text(Message("x", "Step clean failed.", severity="high",
    ...     links=[("Run", "http://ui/r/1"), ("Runbook", "http://docs/rb")])))
    Step clean failed.
    <BLANKLINE>
    Links:
      Run: http://ui/r/1
      Runbook: http://docs/rb
    <BLANKLINE>
    Severity: high. Sent by jupyter-promote.
    <BLANKLINE>
    """
    parts = [message.text.rstrip()] if message.text.strip() else []
    if message.links:
        parts.append("\n".join(["Links:", *(f"  {lb}: {url}" for lb, url in message.links)]))
    parts.append(f"Severity: {message.severity}. Sent by jupyter-promote.")
    return "\n\n".join(parts) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_escaped(text: str, limit: int) -> str:
    """Cut mrkdwn without splitting an entity (``&amp;``) or a link (``<url|label>``)."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp, lt = head.rfind("&"), head.rfind("<")
    if amp > head.rfind(";"):
        head = head[:amp]
    if lt > head.rfind(">"):
        head = head[:lt]
    return head + "…"
