"""Where expectation suites live in a notebook: one per step and variable, under
``nb.metadata["jupyter_promote"]["expectations"][STEP][VARIABLE]``, with a schema version.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from pydantic import ValidationError

from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations.errors import ExpectationError, ExpectationNotFound
from jupyter_promote.expectations.models import (
    SEVERITY_BY_LEVEL,
    ExpectationConfig,
    Level,
    Suite,
    suite_name,
)
from jupyter_promote.util.naming import STEP_NAME

METADATA_KEY = "jupyter_promote"
METADATA_SCHEMA_VERSION = 1


class MetadataError(PromoteError):
    """The notebook's ``jupyter_promote`` metadata has a shape this version cannot use.

    Args:
        path: JSON path of the bad value, e.g. ``metadata.jupyter_promote.schema_version``.
        problem: What is wrong with it.
    """

    http_status = 422

    def __init__(self, path: str, problem: str, *, hint: str = "") -> None:
        super().__init__(
            f"{path}: {problem}",
            hint=hint
            or "fix or delete that entry in the notebook metadata (JupyterLab: Property "
            "Inspector, Advanced Tools), then record the expectation again with %expect",
            details={"path": path},
        )
        self.path = path


class NewerMetadataError(MetadataError):
    """The metadata was written by a newer jupyter-promote; it is left untouched."""

    def __init__(self, found: int) -> None:
        super().__init__(
            f"metadata.{METADATA_KEY}.schema_version",
            f"the notebook's jupyter_promote metadata is schema version {found}, newer than "
            f"this jupyter-promote reads ({METADATA_SCHEMA_VERSION})",
            hint="upgrade jupyter-promote (pip install -U jupyter-promote); "
            "the notebook was not changed",
        )
        self.found = found


# -- notebook metadata ----------------------------------------------------------------------------

_PATH = f"metadata.{METADATA_KEY}"


def _path(*parts: str | int) -> str:
    out = _PATH
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _namespace(nb: Mapping[str, Any]) -> Mapping[str, Any]:
    """Our metadata namespace (empty when absent), after checking its version and shape."""
    ns = (nb.get("metadata") or {}).get(METADATA_KEY)
    if ns is None:
        return {}
    if not isinstance(ns, Mapping):
        raise MetadataError(_PATH, "expected an object")
    version = ns.get("schema_version", METADATA_SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise MetadataError(
            _path("schema_version"), f"expected a positive integer, not {version!r}"
        )
    if version > METADATA_SCHEMA_VERSION:
        raise NewerMetadataError(version)
    return ns


def read_expectations(nb: Mapping[str, Any]) -> dict[str, dict[str, Suite]]:
    """The expectation suites recorded in a notebook, by step then variable.

    Args:
        nb: An nbformat ``NotebookNode`` or the same data as a plain dict.

    Returns:
        ``{step: {variable: Suite}}`` (empty when none), steps and variables sorted by name:
        nbformat sorts JSON keys when it saves, so recording order would not survive a save.

    Raises:
        NewerMetadataError: the metadata was written by a newer jupyter-promote.
        MetadataError: the metadata has an invalid shape; the message names its JSON path.

    Example:
        >>> read_expectations({"metadata": {}})
        {}
    """
    raw = _namespace(nb).get("expectations", {})
    if not isinstance(raw, Mapping):
        raise MetadataError(_path("expectations"), "expected an object of steps")
    suites: dict[str, dict[str, Suite]] = {}
    for step, variables in sorted(raw.items()):
        if not isinstance(variables, Mapping):
            raise MetadataError(_path("expectations", step), "expected an object of variables")
        suites[step] = {v: _read_suite(step, v, data) for v, data in sorted(variables.items())}
    return suites


def _read_suite(step: str, variable: str, data: Any) -> Suite:
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _path("expectations", step, variable, *first["loc"])
        raise MetadataError(where, first["msg"][:1].lower() + first["msg"][1:]) from None
    if suite.name != suite_name(step, variable):
        raise MetadataError(
            _path("expectations", step, variable, "name"),
            f'expected "{suite_name(step, variable)}", not {json.dumps(suite.name)}',
        )
    return suite


def all_expectations(nb: Mapping[str, Any]) -> list[tuple[str, str, int, ExpectationConfig]]:
    """Every recorded expectation as ``(step, variable, index, config)``.

    Steps and variables come sorted by name, each suite's expectations in recorded order.

    Raises:
        NewerMetadataError, MetadataError: as :func:`read_expectations`.
    """
    return [
        (step, variable, index, config)
        for step, variables in read_expectations(nb).items()
        for variable, suite in variables.items()
        for index, config in enumerate(suite.expectations)
    ]


def _check_target(step: str, variable: str) -> None:
    if not STEP_NAME.match(step):
        raise ExpectationError(
            f"{step!r} is not a valid step name",
            hint="use the NAME of a step:NAME tag: letters, digits, _ and -",
        )
    if not variable.isidentifier() or keyword.iskeyword(variable):
        raise ExpectationError(
            f"{variable!r} is not a valid variable name", hint="name a Python variable, e.g. loans"
        )


def add_expectations(
    nb: MutableMapping[str, Any], step: str, variable: str, configs: Sequence[ExpectationConfig]
) -> Suite:
    """Record expectations for a step's variable: appended, or replacing the same check.

    Args:
        nb: The notebook, changed in place (only its ``jupyter_promote`` metadata).
        step: The step whose output is checked.
        variable: The variable (DataFrame) the step defines.
        configs: The expectations; one that :meth:`~ExpectationConfig.same_check` an already
            recorded one replaces it at its position.

    Returns:
        The suite as now recorded (not written when ``configs`` is empty).

    Raises:
        ExpectationError: the step or variable name is not valid.
        NewerMetadataError, MetadataError: as :func:`read_expectations`; the notebook is
            left unchanged.

    Example:
        >>> from jupyter_promote.expectations import parse_expect_line
        >>> nb = {"metadata": {}}
        >>> _, configs = parse_expect_line("loans: loan_id unique")
        >>> add_expectations(nb, "load", "loans", configs).name
        'load.loans'
    """
    _check_target(step, variable)
    current = read_expectations(nb).get(step, {}).get(variable)
    expectations = list(current.expectations) if current else []
    for config in configs:
        same = next((i for i, old in enumerate(expectations) if old.same_check(config)), None)
        if same is None:
            expectations.append(config)
        else:
            expectations[same] = config
    suite = Suite(
        name=suite_name(step, variable),
        expectations=expectations,
        meta=current.meta if current else {},
    )
    if configs:
        _write_suite(nb, step, variable, suite)
    return suite


def _write_suite(nb: MutableMapping[str, Any], step: str, variable: str, suite: Suite) -> None:
    import nbformat  # here, not at the top: kernels import this package; nbformat costs 1.5 s

    metadata = nb.setdefault("metadata", nbformat.NotebookNode())
    ns = metadata.setdefault(METADATA_KEY, nbformat.NotebookNode())
    ns.setdefault("schema_version", METADATA_SCHEMA_VERSION)
    steps = ns.setdefault("expectations", nbformat.NotebookNode())
    steps.setdefault(step, nbformat.NotebookNode())[variable] = nbformat.from_dict(
        suite.to_gx_dict()
    )


def remove_expectation(
    nb: MutableMapping[str, Any], step: str, variable: str, index: int | None = None
) -> list[ExpectationConfig]:
    """Remove one recorded expectation, or all of a variable's; empty containers go too.

    Args:
        nb: The notebook, changed in place.
        step: The step, as recorded.
        variable: The variable, as recorded.
        index: 0-based position in the variable's suite (see :func:`all_expectations`);
            None removes the whole suite.

    Returns:
        The removed expectations.

    Raises:
        ExpectationNotFound: nothing is recorded for that step and variable, or ``index`` is
            out of range; the hint lists what exists.
        NewerMetadataError, MetadataError: as :func:`read_expectations`; nothing is changed.
    """
    suite = _recorded_suite(nb, step, variable, index)
    keep = [] if index is None else [c for i, c in enumerate(suite.expectations) if i != index]
    removed = suite.expectations if index is None else [suite.expectations[index]]
    if keep:
        _write_suite(nb, step, variable, suite.model_copy(update={"expectations": keep}))
    else:
        _drop_suite(nb, step, variable)
    return list(removed)


def _drop_suite(nb: MutableMapping[str, Any], step: str, variable: str) -> None:
    metadata = nb["metadata"]
    ns = metadata[METADATA_KEY]
    del ns["expectations"][step][variable]
    if not ns["expectations"][step]:
        del ns["expectations"][step]
    if not ns["expectations"]:
        del ns["expectations"]
    if set(ns) <= {"schema_version"}:
        del metadata[METADATA_KEY]


def set_severity(
    nb: MutableMapping[str, Any],
    step: str,
    variable: str,
    level: Level,
    index: int | None = None,
) -> Suite:
    """Change the severity of one recorded expectation, or of all of a variable's.

    Args:
        nb: The notebook, changed in place.
        step: The step, as recorded.
        variable: The variable, as recorded.
        level: ``"error"`` (blocks the run) or ``"warn"`` (reports only).
        index: 0-based position in the variable's suite; None changes every expectation.

    Returns:
        The suite as now recorded.

    Raises:
        ExpectationNotFound: nothing is recorded there, or ``index`` is out of range.
        NewerMetadataError, MetadataError: as :func:`read_expectations`; nothing is changed.

    Example:
        >>> from jupyter_promote.expectations import parse_expect_line
        >>> nb = {"metadata": {}}
        >>> _, configs = parse_expect_line("loans: loan_id unique")
        >>> _ = add_expectations(nb, "load", "loans", configs)
        >>> set_severity(nb, "load", "loans", "warn").expectations[0].level
        'warn'
    """
    suite = _recorded_suite(nb, step, variable, index)
    severity = SEVERITY_BY_LEVEL[level]
    changed = [
        config.model_copy(update={"severity": severity}) if index in (None, i) else config
        for i, config in enumerate(suite.expectations)
    ]
    suite = suite.model_copy(update={"expectations": changed})
    _write_suite(nb, step, variable, suite)
    return suite


def _recorded_suite(
    nb: Mapping[str, Any], step: str, variable: str, index: int | None = None
) -> Suite:
    """The suite recorded for ``step``/``variable``, checking ``index`` is in it."""
    suites = read_expectations(nb)
    suite = suites.get(step, {}).get(variable)
    if suite is None:
        recorded = ", ".join(suite_name(s, v) for s, vs in suites.items() for v in vs)
        raise ExpectationNotFound(
            f'no expectations are recorded for "{variable}"',
            hint=f"recorded: {recorded}" if recorded else "no expectations are recorded",
            step=step,
            details={"variable": variable},
        )
    if index is not None and not 0 <= index < len(suite.expectations):
        raise ExpectationNotFound(
            f'"{variable}" has no expectation {index}',
            hint="valid indices: "
            + "; ".join(f"{i} ({c.describe()})" for i, c in enumerate(suite.expectations)),
            step=step,
            details={"variable": variable, "index": index},
        )
    return suite
