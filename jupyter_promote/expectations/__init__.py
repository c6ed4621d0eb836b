"""Expectations: the ``%expect`` line language, GX suite JSON, and where suites live in a notebook.

A user writes ``loans: loan_id unique, not null, amount between 0 and 5_000_000 --severity warn``;
:func:`parse_expect_line` turns it into Great Expectations 1.x expectation configurations in GX's
own suite-JSON shape, and the metadata functions keep them, one suite per step and variable, under
``nb.metadata["jupyter_promote"]["expectations"][STEP][VARIABLE]``.

Whether an expectation type and its arguments exist in GX is checked where GX is imported (the
kernel side); this package only knows the JSON shape, so the core stays pure and fast to import.

Modules: :mod:`.models` (configs, suites, their texts), :mod:`.grammar` (the line language, with
:mod:`.tokens` and :mod:`.predicates`), :mod:`.metadata` (notebook metadata), :mod:`.errors`.
"""

from jupyter_promote.expectations.changes import apply_change
from jupyter_promote.expectations.errors import (
    ExpectationError,
    ExpectationNotFound,
    ExpectationSyntaxError,
)
from jupyter_promote.expectations.grammar import parse_expect_line
from jupyter_promote.expectations.metadata import (
    METADATA_KEY,
    METADATA_SCHEMA_VERSION,
    MetadataError,
    NewerMetadataError,
    add_expectations,
    all_expectations,
    read_expectations,
    remove_expectation,
    set_severity,
)
from jupyter_promote.expectations.models import (
    BETWEEN,
    EXISTS,
    IN_SET,
    MATCHES,
    NOT_IN_SET,
    NOT_NULL,
    OF_TYPE,
    ROWS_BETWEEN,
    ROWS_EQUAL,
    SEVERITY_BY_LEVEL,
    UNIQUE,
    ExpectationConfig,
    GXSeverity,
    Level,
    Suite,
    describe_forms,
    suite_name,
)

__all__ = [
    "BETWEEN",
    "EXISTS",
    "IN_SET",
    "MATCHES",
    "METADATA_KEY",
    "METADATA_SCHEMA_VERSION",
    "NOT_IN_SET",
    "NOT_NULL",
    "OF_TYPE",
    "ROWS_BETWEEN",
    "ROWS_EQUAL",
    "SEVERITY_BY_LEVEL",
    "UNIQUE",
    "ExpectationConfig",
    "ExpectationError",
    "ExpectationNotFound",
    "ExpectationSyntaxError",
    "GXSeverity",
    "Level",
    "MetadataError",
    "NewerMetadataError",
    "Suite",
    "add_expectations",
    "all_expectations",
    "apply_change",
    "describe_forms",
    "parse_expect_line",
    "read_expectations",
    "remove_expectation",
    "set_severity",
    "suite_name",
]
