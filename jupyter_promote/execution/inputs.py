"""Run inputs, checked before anything runs: ``-p name=value`` parameters coerced to the
declared types, and the papermill-style ``injected-parameters`` cell that sets them.
"""

from __future__ import annotations

import json
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell

from jupyter_promote.analysis.spec import Parameter, PipelineSpec
from jupyter_promote.errors import PromoteError

INJECTED_TAG = "injected-parameters"


class ParameterInputError(PromoteError):
    """A run parameter is unknown or its value does not fit the declared type."""

    http_status = 422


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["as_of=2026-11-01", "n=3"]`` -> ``{"as_of": "2026-11-01", "n": "3"}``.

    Raises:
        ParameterInputError: an item has no ``=``.
    """
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterInputError(
                f"parameter {item!r} is not of the form NAME=VALUE",
                hint="write it as -p NAME=VALUE, e.g. -p as_of=2026-11-01",
            )
        values[name.strip()] = value
    return values


def coerce_parameters(spec: PipelineSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """Check run parameters against the notebook's parameters and convert them.

    Strings (from a command line) are converted to the declared type; values that already have
    a JSON type (from the API) are type-checked.

    Args:
        spec: The pipeline spec (its ``parameters`` declare names and types).
        raw: Name -> value given for this run.

    Returns:
        Name -> value of the given parameters, typed.

    Raises:
        ParameterInputError: unknown name (listing the valid ones) or a value of the wrong type.

    Example:
        >>> from jupyter_promote.analysis.spec import Parameter, PipelineSpec
        >>> p = Parameter(name="n", type="int", default=1, cell_index=0, line=1)
        >>> coerce_parameters(PipelineSpec(notebook="x", kernel="k", parameters=[p]), {"n": "3"})
        {'n': 3}
    """
    declared = {p.name: p for p in spec.parameters}
    typed: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in declared:
            raise ParameterInputError(
                f"{spec.notebook} has no parameter {name!r}",
                hint=_valid_list(spec),
            )
        typed[name] = _coerce(declared[name], value)
    return typed


def _valid_list(spec: PipelineSpec) -> str:
    if not spec.parameters:
        return "the notebook has no parameters cell; tag a cell of literal assignments 'parameters'"
    listed = ", ".join(f"{p.name} ({p.type})" for p in spec.parameters)
    return f"valid parameters: {listed}"


def _coerce(param: Parameter, value: Any) -> Any:
    if isinstance(value, str) and param.type != "str":
        value = _from_text(param, value)
    if value is None and (param.nullable or param.type == "None"):
        return None
    if not _fits(param.type, value):
        raise _type_error(param, value)
    return float(value) if param.type == "float" else value


def _fits(kind: str, value: Any) -> bool:
    if kind in ("int", "float") and isinstance(value, bool):
        return False
    expected: dict[str, type | tuple[type, ...]] = {
        "int": int,
        "float": (int, float),
        "str": str,
        "bool": bool,
        "list": list,
        "dict": dict,
        "None": object,
    }
    return isinstance(value, expected[kind])


def _from_text(param: Parameter, text: str) -> Any:
    if param.nullable and text.strip().lower() in ("none", "null"):
        return None
    if param.type == "bool":
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise _type_error(param, text)
    if param.type == "None":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise _type_error(param, text) from None


def _type_error(param: Parameter, value: Any) -> ParameterInputError:
    examples = {
        "int": "42",
        "float": "0.25",
        "bool": "true",
        "list": '\'["a", "b"]\'',
        "dict": "'{\"a\": 1}'",
        "str": "text",
        "None": "null",
    }
    return ParameterInputError(
        f"parameter {param.name!r} must be {param.type}"
        + (" or None" if param.nullable and param.type != "None" else "")
        + f", got {value!r}",
        hint=f"pass e.g. -p {param.name}={examples[param.type]} "
        f"(default: {json.dumps(param.default)})",
    )


def injected_source(values: dict[str, Any]) -> str:
    """Python source assigning ``values``, as papermill writes its injected cell.

    >>> print(injected_source({"as_of": "2026-11-02", "n": 3}))
    # Parameters
    as_of = '2026-11-02'
    n = 3
    """
    lines = ["# Parameters", *(f"{name} = {value!r}" for name, value in values.items())]
    return "\n".join(lines)


def with_injected_parameters(
    nb: nbformat.NotebookNode, spec: PipelineSpec, values: dict[str, Any]
) -> tuple[nbformat.NotebookNode, int | None]:
    """A copy of ``nb`` with an ``injected-parameters`` cell after the parameters cell.

    Returns:
        The new notebook and the index of the injected cell (None when nothing was injected).
        Cells after it move down by one.
    """
    copy = nbformat.from_dict(json.loads(json.dumps(nb)))
    if not values or spec.parameters_cell is None:
        return copy, None
    index = spec.parameters_cell + 1
    cell = new_code_cell(injected_source(values), metadata={"tags": [INJECTED_TAG]})
    copy.cells.insert(index, cell)
    return copy, index
