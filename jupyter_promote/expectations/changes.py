"""One change to a notebook's expectations metadata, as the lab panel asks for it (pure).

The panel sends the open notebook's ``jupyter_promote`` metadata and gets the changed metadata
back to set on its model, so nothing is written behind the editor's back.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from jupyter_promote.expectations.errors import ExpectationError
from jupyter_promote.expectations.metadata import (
    METADATA_KEY,
    add_expectations,
    remove_expectation,
    set_severity,
)
from jupyter_promote.expectations.models import ExpectationConfig, Level

Operation = Literal["add", "remove", "severity"]


def apply_change(
    metadata: Mapping[str, Any],
    op: Operation,
    step: str,
    variable: str,
    *,
    expectations: Sequence[Mapping[str, Any]] = (),
    index: int | None = None,
    severity: Level | None = None,
) -> dict[str, Any]:
    """The ``jupyter_promote`` metadata after adding, removing or re-grading expectations.

    Args:
        metadata: The notebook's current ``jupyter_promote`` metadata (not changed).
        op: ``add`` (``expectations``: GX configs), ``remove`` (``index``, or all of the
            variable's when None) or ``severity`` (``severity``, at ``index`` or all).

    Raises:
        pydantic.ValidationError: an expectation is not a GX config.
        ExpectationError: an unknown step, variable or index, or ``severity`` missing.

    Example:
        >>> new = apply_change({}, "add", "clean", "loans",
        ...     expectations=[{"type": "expect_column_values_to_be_unique", "kwargs":
        ...                    {"column": "loan_id"}, "meta": {}}])
        >>> list(new["expectations"]["clean"])
        ['loans']
    """
    nb: dict[str, Any] = {"metadata": {METADATA_KEY: copy.deepcopy(dict(metadata))}}
    if op == "add":
        configs = [ExpectationConfig.model_validate(c) for c in expectations]
        add_expectations(nb, step, variable, configs)
    elif op == "remove":
        remove_expectation(nb, step, variable, index)
    elif severity is None:
        raise ExpectationError("op severity needs a severity", hint='pass "error" or "warn"')
    else:
        set_severity(nb, step, variable, severity, index)
    return dict(nb["metadata"].get(METADATA_KEY, {}))
