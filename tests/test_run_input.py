"""Run parameters from the command line or the API: coercion, refusals, the injected cell."""

import pytest

from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.execution.inputs import (
    ParameterInputError,
    coerce_parameters,
    injected_source,
    parse_assignments,
    with_injected_parameters,
)
from nbbuild import make_nb

PARAMS = (
    "as_of: str = '2026-11-01'\n"
    "n: int = 3\n"
    "ratio: float = 0.5\n"
    "flag: bool = False\n"
    "regions: list = ['north']\n"
    "limits: dict = {'A': 1}\n"
    "cutoff: int | None = None"
)


@pytest.fixture
def spec():
    return analyze_notebook(make_nb(("parameters", PARAMS), ("step:s", "x = n")), "p.ipynb")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"as_of": "2026-11-02"}, {"as_of": "2026-11-02"}),
        ({"as_of": "123"}, {"as_of": "123"}),  # a str parameter keeps the text as is
        ({"n": "42"}, {"n": 42}),
        ({"ratio": "1"}, {"ratio": 1.0}),
        ({"flag": "true"}, {"flag": True}),
        ({"flag": "no"}, {"flag": False}),
        ({"regions": '["a", "b"]'}, {"regions": ["a", "b"]}),
        ({"limits": '{"B": 2}'}, {"limits": {"B": 2}}),
        ({"cutoff": "null"}, {"cutoff": None}),
        ({"cutoff": "7"}, {"cutoff": 7}),
        ({"n": 5, "ratio": 2}, {"n": 5, "ratio": 2.0}),  # typed values from the API
    ],
)
def test_values_are_coerced_to_the_declared_type(spec, raw, expected):
    assert coerce_parameters(spec, raw) == expected


@pytest.mark.parametrize(
    ("raw", "message", "hint"),
    [
        (
            {"n": "three"},
            "parameter 'n' must be int, got 'three'",
            "pass e.g. -p n=42 (default: 3)",
        ),
        ({"n": "true"}, "parameter 'n' must be int, got True", "pass e.g. -p n=42"),
        ({"flag": "maybe"}, "parameter 'flag' must be bool, got 'maybe'", "-p flag=true"),
        ({"regions": "north"}, "parameter 'regions' must be list, got 'north'", '["a", "b"]'),
        ({"n": "null"}, "parameter 'n' must be int, got None", "default: 3"),
        ({"cutoff": "x"}, "parameter 'cutoff' must be int or None, got 'x'", "default: null"),
        ({"ratio": True}, "parameter 'ratio' must be float, got True", "-p ratio=0.25"),
    ],
)
def test_wrong_types_are_refused_with_an_example(spec, raw, message, hint):
    with pytest.raises(ParameterInputError) as info:
        coerce_parameters(spec, raw)
    assert info.value.message == message
    assert hint in info.value.hint


def test_unknown_parameter_lists_the_valid_ones(spec):
    with pytest.raises(ParameterInputError) as info:
        coerce_parameters(spec, {"as_off": "x"})
    assert info.value.render() == (
        "p.ipynb has no parameter 'as_off'; valid parameters: as_of (str), n (int),"
        " ratio (float), flag (bool), regions (list), limits (dict), cutoff (int)"
    )


def test_notebook_without_parameters_cell():
    spec = analyze_notebook(make_nb(("step:s", "x = 1")), "p.ipynb")
    with pytest.raises(ParameterInputError) as info:
        coerce_parameters(spec, {"n": "1"})
    assert "has no parameters cell; tag a cell of literal assignments 'parameters'" in (
        info.value.hint
    )


def test_parse_assignments():
    assert parse_assignments(["a=1", "b==2", "c="]) == {"a": "1", "b": "=2", "c": ""}
    with pytest.raises(ParameterInputError, match="'oops' is not of the form NAME=VALUE"):
        parse_assignments(["oops"])


def test_injected_cell_follows_the_parameters_cell(spec):
    nb = make_nb(("setup", "import os"), ("parameters", PARAMS), ("step:s", "x = n"))
    spec = analyze_notebook(nb, "p.ipynb")
    copy, index = with_injected_parameters(nb, spec, {"n": 9, "as_of": "x'y"})
    assert index == 2
    assert copy.cells[2].metadata["tags"] == ["injected-parameters"]
    assert copy.cells[2].source == injected_source({"n": 9, "as_of": "x'y"})
    namespace = {}
    exec(copy.cells[2].source, namespace)  # the generated code is valid Python
    assert (namespace["n"], namespace["as_of"]) == (9, "x'y")
    assert len(nb.cells) == 3  # the original is untouched
    assert with_injected_parameters(nb, spec, {})[1] is None
