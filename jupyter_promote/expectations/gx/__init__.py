"""Data-quality checks inside the notebook kernel: Great Expectations 1.x on live DataFrames.

The data never leaves the kernel; only :class:`CheckResult` rows (short texts, at most
:data:`SAMPLE_SIZE` sample values) come back. Importing this package is cheap: Great
Expectations (about 4 s to import) and pandas are imported on the first check, and the GX
context is built once per process and reused (:func:`gx_runtime`).

Modules: :mod:`.runtime` (the GX context, validation, the gate), :mod:`.build` (configs and
frames to GX input), :mod:`.results` and :mod:`.texts` (results and their texts),
:mod:`.suggest` (proposals from the data), :mod:`.errors`.

Example:
    >>> results = check_frame(loans, "loans", configs)  # doctest: +SKIP
    >>> print(render_text(results))  # doctest: +SKIP
    ✗ error  loans  amount between 0 and 5,000,000  3 of 120,000 values outside [0, 5,000,000]: ...
    0 passed, 1 failed (1 blocking)
"""

from jupyter_promote.expectations.gx.build import INDEX_KEY
from jupyter_promote.expectations.gx.errors import (
    InvalidExpectation,
    NotADataFrame,
    QualityError,
    UnknownColumn,
)
from jupyter_promote.expectations.gx.report import render_html, render_text, summary_line
from jupyter_promote.expectations.gx.results import SAMPLE_SIZE, CheckResult
from jupyter_promote.expectations.gx.runtime import (
    GxRuntime,
    check_frame,
    gx_runtime,
    run_gate,
    validate_config,
)
from jupyter_promote.expectations.gx.suggest import MAX_SET_SHARE, MAX_SET_SIZE, round_out, suggest
from jupyter_promote.expectations.gx.texts import (
    COLUMN_KWARGS,
    expected_text,
    number,
    observed_text,
    plain,
)

__all__ = [
    "COLUMN_KWARGS",
    "INDEX_KEY",
    "MAX_SET_SHARE",
    "MAX_SET_SIZE",
    "SAMPLE_SIZE",
    "CheckResult",
    "GxRuntime",
    "InvalidExpectation",
    "NotADataFrame",
    "QualityError",
    "UnknownColumn",
    "check_frame",
    "expected_text",
    "gx_runtime",
    "number",
    "observed_text",
    "plain",
    "render_html",
    "render_text",
    "round_out",
    "run_gate",
    "suggest",
    "summary_line",
    "validate_config",
]
