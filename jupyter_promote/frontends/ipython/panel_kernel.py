"""What the JupyterLab panel asks the notebook's kernel: check the recorded expectations against
the live variables now ("Check now" in the Expectations section).

Runs inside the kernel (the data never leaves it); the panel calls :func:`check_json` in a
silent ``user_expressions`` request and reads the rows back as JSON. Never raises for bad input
or missing data: each expectation gets a row, failed with a reason when it cannot be checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from jupyter_promote.expectations import SEVERITY_BY_LEVEL, ExpectationConfig

NOT_IN_KERNEL = "not in the kernel: run the step first"


def check_recorded(
    namespace: Mapping[str, Any], expectations: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Check expectations, as the ``check`` answer lists them, against the kernel's variables.

    Args:
        namespace: The kernel's globals (``get_ipython().user_ns``).
        expectations: ``{step, variable, type, kwargs, level}`` items (``ExpectationEntry``
            rows of ``PipelineSpec.expectations``; other keys are ignored).

    Returns:
        One ``CheckResult.to_dict()`` per expectation, grouped per step and variable in the
        order first seen. A variable missing from ``namespace`` gives failed rows with the
        error :data:`NOT_IN_KERNEL`; a non-DataFrame, an unknown column or an invalid
        expectation gives a failed row saying so.

    Example:
        >>> check_recorded({}, [{"step": "load", "variable": "loans", "type":
        ...     "expect_column_values_to_be_unique", "kwargs": {"column": "id"},
        ...     "level": "error"}])[0]["error"]
        'not in the kernel: run the step first'
    """
    from jupyter_promote.expectations import gx as quality

    rows: list[dict[str, Any]] = []
    for (step, variable), items in _grouped(expectations).items():
        if variable not in namespace:
            rows += [_missing(step, variable, item) for item in items]
            continue
        results = quality.run_gate(step, {variable: [_gx_dict(i) for i in items]}, namespace)
        rows += [r.to_dict() for r in results]
    return rows


def check_json(namespace: Mapping[str, Any], expectations_json: str) -> JsonAnswer:
    """:func:`check_recorded` for the panel: JSON in, JSON out (``application/json`` display).

    A request that is not valid JSON answers one row with the error, never an exception.
    """
    try:
        items = json.loads(expectations_json)
        if not isinstance(items, list):
            raise ValueError("expected a JSON list of expectations")
        rows = check_recorded(namespace, [i for i in items if isinstance(i, Mapping)])
    except Exception as exc:  # the panel shows the reason; a kernel traceback helps nobody
        rows = [_row(None, "", "", "", None, "error", f"{type(exc).__name__}: {exc}", "")]
    return JsonAnswer(rows)


class JsonAnswer:
    """Rows shown as ``application/json`` (and as the repr of their JSON text)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def _repr_json_(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(self.text())  # a JSON-safe copy
        return rows

    def text(self) -> str:
        return json.dumps(self.rows, default=str)

    def __repr__(self) -> str:
        return repr(self.text())


def _grouped(
    expectations: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for item in expectations:
        key = (str(item.get("step") or ""), str(item.get("variable", "")))
        groups.setdefault(key, []).append(item)
    return groups


def _gx_dict(item: Mapping[str, Any]) -> dict[str, Any]:
    """GX suite JSON of an entry; its ``level`` becomes the GX severity."""
    severity = SEVERITY_BY_LEVEL.get(str(item.get("level")), "critical")
    return {"type": item.get("type"), "kwargs": item.get("kwargs") or {}, "severity": severity}


def _missing(step: str | None, variable: str, item: Mapping[str, Any]) -> dict[str, Any]:
    from jupyter_promote.expectations.gx.results import failed_result

    try:
        config = ExpectationConfig.model_validate(_gx_dict(item))
    except ValueError:
        kind = str(item.get("type"))
        return _row(step, variable, kind, kind, None, "error", NOT_IN_KERNEL, "")
    return failed_result(step, variable, config, NOT_IN_KERNEL, error=NOT_IN_KERNEL).to_dict()


def _row(
    step: str | None,
    variable: str,
    expectation: str,
    kind: str,
    column: str | None,
    level: str,
    error: str,
    expected: str,
) -> dict[str, Any]:
    from jupyter_promote.expectations.gx import CheckResult

    result = CheckResult(
        step, variable, expectation, kind, column, level, False, error, expected, error=error
    )
    return result.to_dict()
