"""The code a run sends to the kernel after a step to check that step's expectations.

Generated as text (deterministic, tested as text): the data never leaves the kernel; only the
results come back, as one display output of :data:`GATE_MIME`.
"""

from __future__ import annotations

import json
from typing import Any

GATE_MIME = "application/vnd.jupyter-promote.gate+json"


def gate_code(step: str, suites: dict[str, list[dict[str, Any]]]) -> str:
    """Python source that validates ``suites`` (variable -> GX expectation dicts) in the kernel.

    >>> print(gate_code("clean", {}).splitlines()[0])
    from jupyter_promote.expectations.gx import run_gate as _jp_run_gate
    """
    payload = json.dumps(suites, sort_keys=True)
    return "\n".join(
        [
            "from jupyter_promote.expectations.gx import run_gate as _jp_run_gate",
            "from IPython.display import display as _jp_display",
            "import json as _jp_json",
            f"_jp_results = _jp_run_gate({step!r}, _jp_json.loads({payload!r}), globals())",
            f"_jp_display({{{GATE_MIME!r}: [r.to_dict() for r in _jp_results]}}, raw=True)",
            "del _jp_run_gate, _jp_display, _jp_json, _jp_results",
        ]
    )


def gate_results(outputs: list[Any]) -> list[dict[str, Any]] | None:
    """The results carried by the gate's outputs, or None when no gate output is there."""
    for output in outputs:
        data = output.get("data") or {}
        if GATE_MIME in data:
            value = data[GATE_MIME]
            return list(json.loads(value) if isinstance(value, str) else value)
    return None
