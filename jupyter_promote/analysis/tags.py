"""Cell tags: our vocabulary, Kubeflow Kale's as an alias, and "did you mean" for near misses.

A cell's ``metadata.tags`` list decides its role. Tags of other tools (``hide-input``,
``remove-cell``, ...) are left alone; a tag that is *almost* one of ours is an error with a
suggestion, because a mistyped ``step:`` tag would silently change the pipeline.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import Enum

from jupyter_promote.analysis.spec import Diagnostic
from jupyter_promote.util.naming import STEP_NAME


class Role(str, Enum):
    """What a code cell is for."""

    PARAMETERS = "parameters"
    SETUP = "setup"
    STEP = "step"  # starts (or reopens) a step
    SKIP = "skip"
    PLAIN = "plain"  # untagged: continues the current step
    INJECTED = "injected-parameters"  # papermill's output cell: never part of the pipeline


# Plain tags and the role they give. Kale's names are read as ours.
ROLE_TAGS: dict[str, Role] = {
    "parameters": Role.PARAMETERS,
    "pipeline-parameters": Role.PARAMETERS,  # Kale
    "setup": Role.SETUP,
    "imports": Role.SETUP,  # Kale
    "functions": Role.SETUP,  # Kale
    "skip": Role.SKIP,
    "injected-parameters": Role.INJECTED,  # papermill
}
STEP_PREFIXES = ("step", "block")  # block: is Kale's
AFTER_PREFIXES = ("after", "prev")  # prev: is Kale's
IGNORED_KALE_TAGS = ("pipeline-metrics",)
IGNORED_KALE_PREFIXES = ("limit", "annotation", "label")
_KNOWN_PREFIXES = STEP_PREFIXES + AFTER_PREFIXES + IGNORED_KALE_PREFIXES
_KNOWN_PLAIN = tuple(ROLE_TAGS) + IGNORED_KALE_TAGS


@dataclass
class CellTags:
    """The meaning of one cell's tags."""

    role: Role = Role.PLAIN
    step: str | None = None
    after: list[str] = field(default_factory=list)
    after_tags: list[str] = field(default_factory=list)  # as written: after:x or Kale's prev:x
    diagnostics: list[Diagnostic] = field(default_factory=list)


def suggest_name(name: str) -> str:
    """A valid step name close to ``name`` ("load data" -> "load_data")."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", name.strip()).strip("_-")
    if cleaned and not re.match(r"[A-Za-z_]", cleaned):
        cleaned = f"step_{cleaned}"
    return cleaned or "my_step"


def _error(code: str, message: str, hint: str, index: int, cell_id: str | None) -> Diagnostic:
    return Diagnostic(
        severity="error", code=code, message=message, hint=hint, cell_index=index, cell_id=cell_id
    )


def _warning(code: str, message: str, hint: str, index: int, cell_id: str | None) -> Diagnostic:
    return Diagnostic(
        severity="warning", code=code, message=message, hint=hint, cell_index=index, cell_id=cell_id
    )


def _near_miss(tag: str) -> str | None:
    """The tag the user probably meant, when ``tag`` is close to one of ours but not it."""
    prefix, sep, value = tag.partition(":")
    if sep:
        low = prefix.strip().lower()
        if low in _KNOWN_PREFIXES:
            return f"{low}:{value.strip()}" if (low != prefix or value != value.strip()) else None
        close = difflib.get_close_matches(low, _KNOWN_PREFIXES[:4], n=1, cutoff=0.7)
        return f"{close[0]}:{value.strip()}" if close else None
    low = tag.strip().lower()
    if low in _KNOWN_PLAIN:
        return low if low != tag else None
    if low in STEP_PREFIXES + AFTER_PREFIXES:
        return f"{low}:NAME"
    close = difflib.get_close_matches(low, _KNOWN_PLAIN, n=1, cutoff=0.8)
    return close[0] if close else None


def parse_cell_tags(tags: list[str], index: int, cell_id: str | None = None) -> CellTags:
    """Read one code cell's tags.

    Args:
        tags: The cell's ``metadata.tags`` list.
        index: 0-based cell index, for diagnostics.
        cell_id: nbformat cell id, for diagnostics.

    Returns:
        The cell's role, step name (for ``step:``), ``after:`` names and any diagnostics.

    Example:
        >>> parse_cell_tags(["step:clean", "after:load"], 3).after
        ['load']
    """
    result = CellTags()
    roles: dict[Role, str] = {}  # each role given, with the first tag giving it
    for tag in tags:
        prefix, sep, value = tag.partition(":")
        if tag.strip() == "block:":
            continue  # Kale's UI leaves an empty block: tag; Kale reads it as no tag at all
        if sep and prefix in STEP_PREFIXES:
            _read_step_tag(result, tag, value, index, cell_id)
            roles.setdefault(Role.STEP, tag)  # a second step tag is "several-steps"
        elif sep and prefix in AFTER_PREFIXES:
            _read_after_tag(result, tag, value, index, cell_id)
        elif tag in ROLE_TAGS:
            result.role = ROLE_TAGS[tag]
            roles.setdefault(ROLE_TAGS[tag], tag)
        elif tag in IGNORED_KALE_TAGS or (sep and prefix in IGNORED_KALE_PREFIXES):
            result.diagnostics.append(
                _warning(
                    "ignored-tag",
                    f'tag "{tag}" is a Kubeflow Kale tag that jupyter-promote ignores',
                    "the cell is read as if the tag were not there; remove the tag to silence this",
                    index,
                    cell_id,
                )
            )
        elif (meant := _near_miss(tag)) is not None:
            result.diagnostics.append(
                _error(
                    "unknown-tag",
                    f'tag "{tag}" is not a jupyter-promote tag (did you mean "{meant}"?)',
                    f'rename the tag to "{meant}"',
                    index,
                    cell_id,
                )
            )
    if len(roles) > 1:
        result.diagnostics.append(
            _error(
                "conflicting-tags",
                "the cell has tags that give it different roles: " + ", ".join(roles.values()),
                "keep one of them; a cell is a step start, setup, parameters or skip, not several",
                index,
                cell_id,
            )
        )
    return result


def _read_step_tag(result: CellTags, tag: str, name: str, index: int, cell_id: str | None) -> None:
    if not name.strip():
        result.diagnostics.append(
            _error(
                "empty-step-name",
                f'tag "{tag}" has no step name',
                f'name the step, e.g. "{tag.partition(":")[0]}:load"',
                index,
                cell_id,
            )
        )
        return
    if not STEP_NAME.match(name):
        fixed = suggest_name(name)
        result.diagnostics.append(
            _error(
                "invalid-step-name",
                f'step name "{name}" in tag "{tag}" is not valid: use letters, digits, "_" and "-",'
                " starting with a letter or _",
                f'rename the tag to "step:{fixed}"',
                index,
                cell_id,
            )
        )
        return
    if result.step is not None and result.step != name:
        result.diagnostics.append(
            _error(
                "several-steps",
                f'the cell starts two steps, "{result.step}" and "{name}"',
                "a cell can start one step only; split the cell or remove one tag",
                index,
                cell_id,
            )
        )
        return
    result.role = Role.STEP
    result.step = name


def _read_after_tag(result: CellTags, tag: str, name: str, index: int, cell_id: str | None) -> None:
    if not name.strip():
        result.diagnostics.append(
            _error(
                "empty-after-name",
                f'tag "{tag}" names no step',
                'name the step this one waits for, e.g. "after:load"',
                index,
                cell_id,
            )
        )
        return
    if name not in result.after:
        result.after.append(name)
        result.after_tags.append(tag)
