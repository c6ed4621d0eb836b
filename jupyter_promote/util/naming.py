"""Names: pipeline slugs (valid as Prefect flow and deployment names and folders) and step names."""

from __future__ import annotations

import re

from slugify import slugify

# A step name, as in `step:NAME` (also a GX suite name part and a Prefect task name).
STEP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def slug(text: str) -> str:
    """``"Daily Sales (EU)"`` -> ``"daily-sales-eu"``; never empty.

    >>> slug("daily_sales.v2")
    'daily-sales-v2'
    """
    return slugify(text, max_length=63, word_boundary=True) or "pipeline"


def is_slug(text: str) -> bool:
    """Whether ``text`` is already a valid pipeline name."""
    return bool(SLUG.match(text))
