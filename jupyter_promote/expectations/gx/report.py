"""A list of check results as a report: aligned text lines or a small HTML table, and the
one-line summary under them ("3 passed, 1 failed (1 blocking)")."""

from __future__ import annotations

import html

from jupyter_promote.expectations.gx.results import CheckResult


def summary_line(results: list[CheckResult]) -> str:
    """e.g. "3 passed, 1 failed (1 blocking)"; blocking = failed with level "error"."""
    failed = [r for r in results if not r.success]
    blocking = sum(r.level == "error" for r in failed)
    return f"{len(results) - len(failed)} passed, {len(failed)} failed ({blocking} blocking)"


def render_text(results: list[CheckResult]) -> str:
    """Aligned pass/fail lines (✓/✗, level, variable, expectation, observed), then the summary."""
    rows = [
        [
            "✓" if r.success else "✗",
            r.level,
            r.variable,
            r.expectation,
            r.observed + ("" if r.success else f" (expected {r.expected})"),
        ]
        for r in results
    ]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)), row[4]])
        for row in rows
    ]
    return "\n".join([*lines, summary_line(results)])


def render_html(results: list[CheckResult]) -> str:
    """The same as :func:`render_text` as a small HTML table (for notebook display)."""
    colour = {"error": "#c62828", "warn": "#b26a00"}
    head = "".join(f"<th>{h}</th>" for h in ("", "level", "variable", "expectation", "observed"))
    body = []
    for r in results:
        style = "" if r.success else f' style="color:{colour.get(r.level, "inherit")}"'
        observed = r.observed if r.success else f"{r.observed} (expected {r.expected})"
        cells = ("✓" if r.success else "✗", r.level, r.variable, r.expectation, observed)
        body.append(f"<tr{style}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return (
        f'<table class="jp-quality"><caption>{html.escape(summary_line(results))}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
