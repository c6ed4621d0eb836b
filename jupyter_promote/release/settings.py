"""The promotion form: who owns a pipeline, when it runs, how much it matters.

One pydantic model, :class:`PromotionSettings`, is the contract of ``%promote``, the CLI's
``promote`` and the lab panel's form; the last one used is kept in the notebook's metadata
(``metadata.jupyter_promote.promotion``, see :mod:`jupyter_promote.release.form`)
so re-promoting is one click. Validation here is static and pure: slug names, a required owner,
cron or interval, an IANA timezone, an SLA deadline, a tier, how many runs at once (cron and
timezone checks, and the schedule in words, live in :mod:`jupyter_promote.release.schedule`;
concurrency in words in :mod:`jupyter_promote.release.concurrency`). :func:`validate_settings`
turns every problem into one :class:`PromotionInvalid` that lists them all, each as
"field: what is wrong; how to fix".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from jupyter_promote.errors import PromoteError
from jupyter_promote.release.concurrency import (
    COLLISIONS,
    DEFAULT_COLLISION,
    DEFAULT_CONCURRENCY,
    Collision,
)
from jupyter_promote.release.schedule import cron_problem, timezone_problem
from jupyter_promote.util.naming import is_slug, slug

Tier = Literal["critical", "high", "normal", "low"]
TIERS: tuple[str, ...] = get_args(Tier)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_SLA = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_REQUIRED_HINTS = {
    "owner": "pass --owner you@example.com (the person who answers for this pipeline)",
    "name": 'pass --name my-pipeline (lowercase letters, digits and dashes, e.g. "daily-sales")',
}


class PromotionInvalid(PromoteError):
    """The promotion settings have problems; :attr:`problems` lists every one of them.

    Args:
        problems: One "field: what is wrong; how to fix" line per problem.
    """

    http_status = 422

    def __init__(self, problems: list[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"the promotion settings have {len(problems)} {noun}:\n{lines}",
            details={"problems": problems},
        )
        self.problems = problems


class PromotionSettings(BaseModel):
    """Everything a promotion needs besides the notebook itself.

    Example:
        >>> PromotionSettings(name="daily-sales", owner="ana@example.com", schedule="0 6 * * *")
        ... # doctest: +ELLIPSIS
        PromotionSettings(name='daily-sales', owner='ana@example.com', ...)
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Pipeline name: a lowercase slug, also the deployment's name.")
    owner: str = Field(description="Who answers for it: an e-mail address or a user name.")
    team: str = Field(default="", description="The owning team.")
    schedule: str | None = Field(
        default=None, description="Cron expression (5 fields), evaluated in `timezone`."
    )
    interval_seconds: int | None = Field(
        default=None, description="Run every N seconds instead of a cron schedule."
    )
    timezone: str = Field(default="UTC", description="IANA timezone of the schedule and SLA.")
    sla: str | None = Field(
        default=None, description="Deadline 'HH:MM' in `timezone` by which a run must be done."
    )
    tier: Tier = Field(default="normal", description="Blast radius: critical, high, normal, low.")
    consumers: list[str] = Field(
        default_factory=list, description="Who uses the outputs (reports, teams, systems)."
    )
    reads: list[str] = Field(default_factory=list, description="Data the pipeline reads.")
    writes: list[str] = Field(default_factory=list, description="Data the pipeline writes.")
    work_pool: str = Field(
        default="jupyter-promote", description="Prefect work pool whose workers run it."
    )
    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY,
        description="At most this many runs unfinished at once (scheduled, triggered and"
        " backfill alike): the deployment's Prefect concurrency limit.",
    )
    on_collision: Collision = Field(
        default=DEFAULT_COLLISION,
        description="What becomes of a run that would exceed `concurrency`: 'enqueue' (it waits"
        " for a free slot) or 'cancel-new' (it is cancelled).",
    )
    notify: str = Field(
        default="",
        description="Where its alerts go: an e-mail address, or `block:NAME` naming a Prefect"
        " notification block (which holds a webhook URL and its secret).",
    )

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(f"is required; {_REQUIRED_HINTS['name']}")
        if not is_slug(value):
            raise ValueError(
                f'"{value}" is not a valid name; use lowercase letters, digits and dashes, '
                f'e.g. "{slug(value)}"'
            )
        return value

    @field_validator("owner")
    @classmethod
    def _check_owner(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(f"is required; {_REQUIRED_HINTS['owner']}")
        if "@" in value and not _EMAIL.match(value):
            raise ValueError(
                f'"{value}" is not an e-mail address; write it as name@example.com, '
                "or give a user name without @"
            )
        return value

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str | None) -> str | None:
        value = " ".join(value.split()) if value else ""
        if not value:
            return None
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("interval_seconds")
    @classmethod
    def _check_interval(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(
                f"{value} is not a positive number of seconds; write 1 or more, "
                "e.g. 3600 to run hourly"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        value = value.strip()
        problem = timezone_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("sla")
    @classmethod
    def _check_sla(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        match = _SLA.match(value.strip())
        if not match:
            raise ValueError(f'"{value}" is not a time; write HH:MM, e.g. 17:00')
        return f"{int(match[1]):02d}:{match[2]}"

    @field_validator("tier", mode="before")
    @classmethod
    def _check_tier(cls, value: Any) -> Any:
        if value not in TIERS:
            raise ValueError(f'"{value}" is not one of {", ".join(TIERS)}')
        return value

    @field_validator("consumers", "reads", "writes")
    @classmethod
    def _check_items(cls, value: list[str]) -> list[str]:
        items = [item.strip() for item in value]
        empty = [str(i + 1) for i, item in enumerate(items) if not item]
        if empty:
            if len(empty) == 1:
                raise ValueError(f"item {empty[0]} is empty; remove it or fill it in")
            raise ValueError(f"items {', '.join(empty)} are empty; remove them or fill them in")
        return items

    @field_validator("work_pool")
    @classmethod
    def _check_work_pool(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('is empty; name a Prefect work pool, e.g. "jupyter-promote"')
        return value.strip()

    @field_validator("concurrency", mode="before")
    @classmethod
    def _check_concurrency(cls, value: Any) -> Any:
        number = value.strip() if isinstance(value, str) else value
        if isinstance(number, str) and re.fullmatch(r"[+-]?\d+", number):
            number = int(number)
        if isinstance(number, bool) or not isinstance(number, int):
            raise ValueError(
                f"{value!r} is not a whole number of runs; write how many runs may be"
                " unfinished at once, e.g. 1 (one at a time)"
            )
        if number < 1:
            raise ValueError(
                f"{number} runs at a time would never run; write 1 or more (1: one at a time)"
            )
        return number

    @field_validator("on_collision", mode="before")
    @classmethod
    def _check_on_collision(cls, value: Any) -> Any:
        text = value.strip().lower().replace("_", "-") if isinstance(value, str) else value
        if text in COLLISIONS:
            return text
        close = difflib.get_close_matches(str(text), COLLISIONS, n=1)
        fix = f'did you mean "{close[0]}"? ' if close else ""
        raise ValueError(
            f'"{value}" is not one of {", ".join(COLLISIONS)}; {fix}with "enqueue" a run beyond'
            ' the concurrency limit waits for a free slot, with "cancel-new" it is cancelled'
        )

    @field_validator("notify")
    @classmethod
    def _check_notify(cls, value: str) -> str:
        value = value.strip()
        if not value or _EMAIL.match(value) or re.fullmatch(r"block:[A-Za-z0-9][\w.-]*", value):
            return value
        if "://" in value:
            raise ValueError(
                "is a URL; a webhook URL carries its secret and would be written into the"
                " release: save it in a Prefect notification block (e.g. a Slack or custom"
                ' webhook block) and give "block:BLOCK-NAME"'
            )
        raise ValueError(
            f'"{value}" is not an e-mail address or "block:BLOCK-NAME" (a Prefect'
            " notification block)"
        )

    @model_validator(mode="after")
    def _one_schedule(self) -> PromotionSettings:
        if self.schedule is not None and self.interval_seconds is not None:
            raise ValueError(
                "schedule, interval_seconds: both are set; keep one (a cron schedule for "
                "calendar times, interval_seconds for a fixed period)"
            )
        return self


def validate_settings(data: Mapping[str, Any]) -> PromotionSettings:
    """Build settings from form, CLI or metadata data, reporting every problem at once.

    Args:
        data: The settings as a mapping (field name -> value).

    Returns:
        The validated settings.

    Raises:
        PromotionInvalid: one or more fields are wrong; ``problems`` lists each as
            "field: what is wrong; how to fix".

    Example:
        >>> validate_settings({"name": "daily-sales", "owner": "ana"}).timezone
        'UTC'
    """
    try:
        return PromotionSettings.model_validate(dict(data))
    except ValidationError as exc:
        raise PromotionInvalid([_problem(error) for error in exc.errors()]) from None


def _problem(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "value_error":
        text = str(error.get("ctx", {}).get("error", error["msg"]))
    elif kind == "missing":
        text = f"is required; {_REQUIRED_HINTS.get(field, f'give a value for {field}')}"
    elif kind == "extra_forbidden":
        known = list(PromotionSettings.model_fields)
        close = difflib.get_close_matches(field, known, n=1)
        fix = f'did you mean "{close[0]}"?' if close else f"known settings: {', '.join(known)}"
        text = f"is not a promotion setting; {fix}"
    else:
        text = f"{error['msg'][0].lower()}{error['msg'][1:]} (got {error['input']!r})"
    return f"{field}: {text}" if field else text
