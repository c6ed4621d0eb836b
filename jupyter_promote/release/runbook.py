"""The hand-off runbook: a deterministic Markdown page that tells whoever inherits a pipeline
what it does, when it runs, who owns it, what it checks, and how to run or roll it back by hand.

Rendering is a pure function of the spec, the promotion settings and the release facts passed
in (no clock, no environment), so the same inputs always give the same text and the output is
tested against golden files.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from jupyter_promote.analysis.spec import ExpectationEntry, Parameter, PipelineSpec, Step
from jupyter_promote.release.concurrency import describe_concurrency
from jupyter_promote.release.runbook_lineage import FleetContext, lineage_section
from jupyter_promote.release.settings import PromotionSettings

_NONE = "—"


def runbook_summary(spec: PipelineSpec, settings: PromotionSettings) -> str:
    """Two or three sentences: what the pipeline does, who to contact, how much it matters.

    Used as the Prefect deployment's description and as the runbook's opening paragraph.

    Example:
        >>> from jupyter_promote.analysis.spec import PipelineSpec
        >>> spec = PipelineSpec(notebook="nb/sales.ipynb", kernel="python3", order=["load"])
        >>> runbook_summary(spec, PromotionSettings(name="sales", owner="ana@example.com"))
        'Runs the notebook sales.ipynb as 1 step: load. Owner: ana@example.com (contact: ana@example.com). Tier normal; no SLA deadline.'
    """  # noqa: E501
    steps = _plural(len(spec.order), "step")
    what = f"Runs the notebook {_notebook_name(spec)} as {steps}: {' → '.join(spec.order)}."
    if not spec.order:
        what = f"Runs the notebook {_notebook_name(spec)}, which has no steps."
    return f"{what} {_owner_sentence(settings)} {_tier_sentence(settings)}"


def render_runbook(
    spec: PipelineSpec,
    settings: PromotionSettings,
    *,
    version: str,
    schedule_text: str,
    promoted_by: str,
    promoted_at: datetime | str,
    dry_run: str,
    release_notebook: str | None = None,
    fleet: FleetContext | None = None,
) -> str:
    """The release's ``RUNBOOK.md``.

    Args:
        spec: The pipeline spec of the promoted notebook.
        settings: The promotion form.
        version: The release version (content hash).
        schedule_text: The schedule in words, e.g. "at 06:00 on weekdays".
        promoted_by: Who promoted it.
        promoted_at: When (a timezone-aware datetime or its ISO text).
        dry_run: The dry-run outcome as recorded in the manifest.
        release_notebook: Path of the release's notebook from the project folder; defaults to
            ``pipelines/NAME/VERSION/notebook.ipynb``.
        fleet: What the fleet catalog knows (lineage, upstream and downstream, effective
            tier); without it the page lists the declared reads and writes only.

    Returns:
        Markdown text ending with one newline; the same inputs always give the same text.

    Example:
        >>> spec = PipelineSpec(notebook="sales.ipynb", kernel="python3")
        >>> text = render_runbook(spec, PromotionSettings(name="sales", owner="ana"),
        ...     version="0123456789ab", schedule_text="not scheduled", promoted_by="ana",
        ...     promoted_at="2026-01-02T03:04:05+00:00", dry_run="passed")
        >>> text.splitlines()[0]
        '# sales'
    """
    notebook = release_notebook or f"pipelines/{settings.name}/{version}/notebook.ipynb"
    when = promoted_at.isoformat() if isinstance(promoted_at, datetime) else promoted_at
    sections = [
        [f"# {settings.name}", "", runbook_summary(spec, settings)],
        _cadence(settings, schedule_text),
        _parameters(spec.parameters),
        _steps(spec),
        _expectations(spec),
        _ownership(settings),
        lineage_section(fleet) if fleet is not None else _data(settings),
        _by_hand(spec, settings, notebook),
        _rollback(settings),
        _release(settings, version, promoted_by, when, dry_run, spec.notebook),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


# -- sentences ------------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _notebook_name(spec: PipelineSpec) -> str:
    return PurePosixPath(spec.notebook.replace("\\", "/")).name


def _channel(notify: str) -> str:
    """A notification channel as shown to readers (settings never hold a webhook URL: its
    secret stays in the Prefect block named here)."""
    kind, sep, name = notify.partition("block:")
    return f"the Prefect notification block {name}" if sep and not kind else notify


def _owner_sentence(settings: PromotionSettings) -> str:
    team = f", team {settings.team}" if settings.team else ""
    alerts = f"; alerts go to {_channel(settings.notify)}" if settings.notify else ""
    return f"Owner: {settings.owner}{team} (contact: {settings.owner}{alerts})."


def _tier_sentence(settings: PromotionSettings) -> str:
    sla = f"must be done by {settings.sla} {settings.timezone}" if settings.sla else None
    return f"Tier {settings.tier}; {sla or 'no SLA deadline'}."


# -- sections -------------------------------------------------------------------------------------


def _cadence(settings: PromotionSettings, schedule_text: str) -> list[str]:
    lines = ["## Cadence", "", f"- Schedule: {schedule_text}"]
    if settings.schedule:
        lines.append(f"- Cron: `{settings.schedule}`")
    elif settings.interval_seconds:
        lines.append(f"- Interval: every {settings.interval_seconds:,} seconds")
    lines.append(f"- Timezone: {settings.timezone}")
    lines.append(
        f"- Concurrency: {describe_concurrency(settings.concurrency, settings.on_collision)}"
    )
    if settings.schedule or settings.interval_seconds:
        note = (
            f"see `jupyter promote show {settings.name}` or the deployment in the Prefect UI "
            "(dates are not listed here, so this page does not go stale)"
        )
    else:
        note = "none: it runs only when triggered by hand (see below)"
    lines.append(f"- Next runs: {note}")
    return lines


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|") or _NONE


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _parameters(parameters: list[Parameter]) -> list[str]:
    lines = ["## Parameters", ""]
    if not parameters:
        return [*lines, "None: the notebook has no `parameters` cell."]
    lines += ["| name | type | default | description |", "|---|---|---|---|"]
    for p in parameters:
        kind = f"{p.type} or None" if p.nullable else p.type
        default = _cell(f"`{_value(p.default)}`")
        lines.append(f"| `{p.name}` | {kind} | {default} | {_cell(p.description)} |")
    return lines


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or _NONE


def _step_lines(position: int, step: Step) -> list[str]:
    cells = ", ".join(str(c + 1) for c in step.cells) or _NONE
    by_source: dict[str, list[str]] = {}
    for name, source in sorted(step.reads.items()):
        by_source.setdefault(source, []).append(name)
    upstream = [f"{_names(by_source[s])} from `{s}`" for s in step.depends_on if s in by_source]
    lines = [
        f"### {position}. {step.name}",
        "",
        f"- Cells: {cells}",
        f"- Runs after: {_names(step.depends_on)}",
        f"- Reads from steps: {'; '.join(upstream) or _NONE}",
        f"- Parameters used: {_names(by_source.get('parameters', []))}",
    ]
    if step.after:
        lines.append(f"- Declared with `after:` tags: {_names(step.after)}")
    return lines


def _steps(spec: PipelineSpec) -> list[str]:
    lines = ["## Steps and dependencies", ""]
    if not spec.order:
        return [*lines, "None: the notebook has no `step:` tags."]
    lines.append("Cells are numbered from 1, as the notebook shows them. Steps run in this order.")
    by_name = {step.name: step for step in spec.steps}
    for position, name in enumerate(spec.order, start=1):
        lines += ["", *_step_lines(position, by_name[name])]
    return lines


def _expectations(spec: PipelineSpec) -> list[str]:
    lines = [
        "## Quality expectations",
        "",
        "Checked after each step. `error` fails the run and stops downstream steps; "
        "`warn` is reported only.",
    ]
    by_step: dict[str, list[ExpectationEntry]] = {}
    for entry in spec.expectations:
        by_step.setdefault(entry.step, []).append(entry)
    steps = [s for s in spec.order if s in by_step] + sorted(set(by_step) - set(spec.order))
    for step in steps:
        lines += ["", f"### {step}", "", "| variable | expectation | level |", "|---|---|---|"]
        for e in by_step[step]:
            lines.append(f"| `{e.variable}` | {_cell(e.text)} | {e.level} |")
    unchecked = [s for s in spec.order if s not in by_step]
    if unchecked:
        lines += ["", f"Not checked: {_names(unchecked)}."]
    return lines


def _ownership(settings: PromotionSettings) -> list[str]:
    sla = f"done by {settings.sla} {settings.timezone}" if settings.sla else _NONE
    return [
        "## Ownership",
        "",
        "| | |",
        "|---|---|",
        f"| Owner | {_cell(settings.owner)} |",
        f"| Team | {_cell(settings.team)} |",
        f"| Tier | {settings.tier} |",
        f"| SLA | {_cell(sla)} |",
        f"| Consumers | {_cell(', '.join(settings.consumers))} |",
        f"| Alerts go to | {_cell(_channel(settings.notify))} |",
        f"| Work pool | `{settings.work_pool}` |",
    ]


def _bullets(items: list[str]) -> list[str]:
    return [f"- `{item}`" for item in items] or [f"- {_NONE}"]


def _data(settings: PromotionSettings) -> list[str]:
    reads, writes = _bullets(settings.reads), _bullets(settings.writes)
    return ["## Data", "", "Reads:", "", *reads, "", "Writes:", "", *writes]


def _param_args(spec: PipelineSpec) -> str:
    args = []
    for p in spec.parameters:
        text = p.default if isinstance(p.default, str) else _value(p.default)
        args.append(f" -p {shlex.quote(f'{p.name}={text}')}")
    return "".join(args)


def _by_hand(spec: PipelineSpec, settings: PromotionSettings, notebook: str) -> list[str]:
    params = _param_args(spec)
    where = (
        "From the project folder, with the local stack up (`jupyter promote up`) or "
        "`PREFECT_API_URL` set."
    )
    if params:
        where += " Change the `-p` values as needed; the ones below are the defaults."
    lines = [
        "## How to run it by hand",
        "",
        where,
        "",
        "Run this release's notebook now, as a flow run:",
        "",
        "```sh",
        f"jupyter promote run {shlex.quote(notebook)}{params}",
        "```",
        "",
        "Trigger a run of the deployment (picked up by a worker of the work pool):",
        "",
        "```sh",
        f"jupyter promote trigger {settings.name}{params}",
        "```",
    ]
    return lines


def _rollback(settings: PromotionSettings) -> list[str]:
    return [
        "## How to roll back",
        "",
        "Move the deployment back to the previous release, or to a given VERSION "
        f"(`jupyter promote show {settings.name}` lists them):",
        "",
        "```sh",
        f"jupyter promote rollback {settings.name}",
        f"jupyter promote rollback {settings.name} VERSION",
        "```",
    ]


def _release(
    settings: PromotionSettings, version: str, by: str, at: str, dry_run: str, source: str
) -> list[str]:
    return [
        "## Release",
        "",
        f"- Version: `{version}`",
        f"- Promoted by: {by}",
        f"- Promoted at: {at}",
        f"- Dry run: {dry_run}",
        f"- Source notebook: `{source}`",
        f"- Pipeline: `{settings.name}`",
    ]
