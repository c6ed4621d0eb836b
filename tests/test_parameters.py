"""parameters.parse_parameters: the parameters cell becomes typed Parameters or diagnostics."""

import pytest

from jupyter_promote.analysis.parameters import parse_parameters
from jupyter_promote.analysis.spec import Parameter

GENERIC_HINT = "keep only literal assignments"


def _one(source, cell_index=3):
    params, problems = parse_parameters(source, cell_index)
    assert problems == []
    assert len(params) == 1
    return params[0]


def _problem(source, cell_index=3):
    params, problems = parse_parameters(source, cell_index)
    assert params == []
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity == "error"
    assert problem.code == "bad-parameter"
    assert problem.cell_index == cell_index
    return problem


# -- literal types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "type_", "default", "nullable"),
    [
        ("x = 1", "int", 1, False),
        ("x = 0", "int", 0, False),
        ("x = 2.5", "float", 2.5, False),
        ("x = 1e3", "float", 1000.0, False),
        ('x = "2026-11-01"', "str", "2026-11-01", False),
        ("x = ''", "str", "", False),
        ('x = "a" "b"', "str", "ab", False),
        ("x = True", "bool", True, False),
        ("x = False", "bool", False, False),
        ("x = [1, 2]", "list", [1, 2], False),
        ("x = []", "list", [], False),
        ('x = {"A": 0.3, "B": [1, None]}', "dict", {"A": 0.3, "B": [1, None]}, False),
        ("x = {}", "dict", {}, False),
        ("x = None", "None", None, True),
        ("x = -3", "int", -3, False),
        ("x = -2.5", "float", -2.5, False),
        ("x = +4", "int", 4, False),
        ("x = (1)", "int", 1, False),
    ],
)
def test_literal_types(source, type_, default, nullable):
    param = _one(source)
    assert (param.name, param.type, param.default, param.nullable) == (
        "x",
        type_,
        default,
        nullable,
    )
    assert type(param.default) is type(default)


def test_full_parameter_fields():
    params, problems = parse_parameters('as_of = "2026-11-01"\nlimit = 10  # rows to load', 4)
    assert problems == []
    assert params == [
        Parameter(
            name="as_of",
            type="str",
            default="2026-11-01",
            nullable=False,
            description="",
            cell_index=4,
            line=1,
        ),
        Parameter(
            name="limit",
            type="int",
            default=10,
            nullable=False,
            description="rows to load",
            cell_index=4,
            line=2,
        ),
    ]


def test_docstring_example():
    params, problems = parse_parameters("min_score: int = 600  # lowest score", 1)
    assert problems == []
    assert (params[0].type, params[0].default, params[0].description) == (
        "int",
        600,
        "lowest score",
    )


def test_order_is_kept_and_blank_lines_and_comment_lines_are_ignored():
    source = "# defaults\n\nb = 1\n\n# the a\na = 2\n"
    params, problems = parse_parameters(source, 0)
    assert problems == []
    assert [(p.name, p.line, p.description) for p in params] == [("b", 3, ""), ("a", 6, "")]


def test_empty_cell():
    assert parse_parameters("", 0) == ([], [])


# -- annotations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "type_", "default", "nullable"),
    [
        ("x: int = 1", "int", 1, False),
        ("x: float = 1", "float", 1.0, False),
        ("x: float = 1.5", "float", 1.5, False),
        ("x: str = 'a'", "str", "a", False),
        ("x: bool = False", "bool", False, False),
        ("x: list = [1]", "list", [1], False),
        ("x: list[str] = []", "list", [], False),
        ("x: List[str] = ['a']", "list", ["a"], False),
        ("x: dict = {}", "dict", {}, False),
        ("x: Dict[str, int] = {'a': 1}", "dict", {"a": 1}, False),
        ("x: Optional[str] = None", "str", None, True),
        ("x: Optional[str] = 'a'", "str", "a", True),
        ("x: typing.Optional[int] = 3", "int", 3, True),
        ("x: Optional[float] = 1", "float", 1.0, True),
        ("x: str | None = None", "str", None, True),
        ("x: None | int = None", "int", None, True),
        ("x: int | None = 5", "int", 5, True),
        ("x: str = None", "str", None, True),
        ("x: float = None", "float", None, True),
        ("x: None = None", "None", None, True),
        # annotations it does not know fall back to the type of the value
        ("x: MyType = 1", "int", 1, False),
        ("x: 'int' = 1", "int", 1, False),
        ("x: int | str = 1", "int", 1, False),
    ],
)
def test_annotations(source, type_, default, nullable):
    param = _one(source)
    assert (param.type, param.default, param.nullable) == (type_, default, nullable)
    assert type(param.default) is type(default)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('x: int = "a"', "annotates 'x' as int but its default 'a' is a str"),
        ("x: bool = 1", "annotates 'x' as bool but its default 1 is a int"),
        ("x: int = True", "annotates 'x' as int but its default True is a bool"),
        ("x: float = True", "annotates 'x' as float but its default True is a bool"),
        ("x: float = '1.0'", "annotates 'x' as float but its default '1.0' is a str"),
        ("x: str = 1", "annotates 'x' as str but its default 1 is a int"),
        ("x: list = {}", "annotates 'x' as list but its default {} is a dict"),
        ("x: Optional[int] = 'a'", "annotates 'x' as int but its default 'a' is a str"),
    ],
)
def test_annotation_mismatch_is_a_diagnostic(source, message):
    problem = _problem(source)
    assert problem.message == f"parameters cell, line 1: {message}"
    assert problem.hint == "make the default match the annotation"


# -- descriptions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "description"),
    [
        ("x = 1  # the x", "the x"),
        ("x = 1 #   spaced out   ", "spaced out"),
        ("x = 1  ## double", "double"),
        ("x = 1", ""),
        ("x: float = 1  # threshold, in %", "threshold, in %"),
        ('x = "a # not a comment"', ""),
        ("x = {  # per region\n    'A': 0.3,\n}", "per region"),
    ],
)
def test_trailing_comment_is_the_description(source, description):
    assert _one(source).description == description


def test_comment_on_its_own_line_is_not_a_description():
    params, _ = parse_parameters("# about y\ny = 1", 0)
    assert params[0].description == ""


def test_comment_after_a_multiline_value_is_not_its_description():
    # The description is the comment on the line where the assignment starts (kept behaviour).
    assert _one("x = [\n    1,\n]  # at the end").description == ""


# -- redefinition ------------------------------------------------------------------------------


def test_redefinition_keeps_the_last():
    params, problems = parse_parameters("x = 1  # first\ny = 2\nx = 'b'  # second", 0)
    assert problems == []
    assert [(p.name, p.type, p.default, p.line, p.description) for p in params] == [
        ("y", "int", 2, 2, ""),
        ("x", "str", "b", 3, "second"),
    ]


# -- diagnostics --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "name", "code"),
    [
        ("x = foo()", "x", "foo()"),
        ("threshold = base * 2", "threshold", "base * 2"),
        ("x = [foo]", "x", "[foo]"),
        ("x = 1 + 2", "x", "1 + 2"),
        ("x = 10**3", "x", "10 ** 3"),
        ("x = -True", "x", "-True"),
        ("x = f'a{b}'", "x", "f'a{b}'"),
        ("x = frozenset()", "x", "frozenset()"),
        ("today: str = date.today().isoformat()", "today", "date.today().isoformat()"),
        # unhashable keys and members make literal_eval raise TypeError, not ValueError
        ("x = {[1]: 2}", "x", "{[1]: 2}"),
        ("x = {{1}}", "x", "{{1}}"),
    ],
)
def test_non_literal_value_names_the_variable_and_the_code(source, name, code):
    problem = _problem(source)
    assert (
        problem.message
        == f"parameters cell, line 1: sets {name!r} to `{code}`, which is not a literal"
    )
    assert problem.hint == (
        "compute it in the setup cell or a step, and keep only its literal input here"
    )


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("t = (1, 2)", "tuple"),
        ("t = ()", "tuple"),
        ("t = 1, 2", "tuple"),
        ("t = {1, 2}", "set"),
        ("t = 1j", "complex"),
        ("t = b'x'", "bytes"),
    ],
)
def test_unsupported_literal_types(source, kind):
    problem = _problem(source)
    assert problem.message == f"parameters cell, line 1: sets 't' to a {kind}"
    assert problem.hint == "use a list, dict, str or number"


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("print(1)", "`print(1)` is not a single `name = value` assignment"),
        ("import os", "`import os` is not a single `name = value` assignment"),
        ("x: int", "`x: int` is not a single `name = value` assignment"),
        ("a = b = 1", "`a = b = 1` is not a single `name = value` assignment"),
        ("x += 1", "`x += 1` is not a single `name = value` assignment"),
        ("if True:\n    x = 1", "`if True:` is not a single `name = value` assignment"),
        ("a, b = 1, 2", "assigns to something other than a plain name"),
        ("d.x = 1", "assigns to something other than a plain name"),
        ("d['x'] = 1", "assigns to something other than a plain name"),
    ],
)
def test_non_assignment_statements(source, what):
    problem = _problem(source)
    assert problem.message == f"parameters cell, line 1: {what}"
    assert GENERIC_HINT in problem.hint


def test_bare_value():
    problem = _problem('"""Defaults for the run."""')
    assert problem.message == "parameters cell, line 1: is a bare value, not an assignment"
    assert problem.hint == "remove it"


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("x = (", 1, "'(' was never closed"),
        ("x = 1\ny = = 2", 2, "invalid syntax"),
        ("%matplotlib inline\nx = 1", 1, "invalid syntax"),
        ("x = 1\n  y = 2", 2, "unexpected indent"),
    ],
)
def test_syntax_error_is_one_diagnostic(source, line, reason):
    problem = _problem(source)
    assert problem.message == f"parameters cell, line {line}: is not valid Python ({reason})"
    assert GENERIC_HINT in problem.hint


def test_good_lines_are_kept_next_to_bad_ones():
    source = "a = 1\nb = compute()\nc = 'x'\nprint(c)\nd: int = 'no'"
    params, problems = parse_parameters(source, 7)
    assert [p.name for p in params] == ["a", "c"]
    assert [(d.code, d.cell_index) for d in problems] == [("bad-parameter", 7)] * 3
    assert [d.message.split(":")[0] for d in problems] == [
        "parameters cell, line 2",
        "parameters cell, line 4",
        "parameters cell, line 5",
    ]
    assert "'b'" in problems[0].message
    assert "`compute()`" in problems[0].message


@pytest.mark.parametrize("cell_index", [0, 5, 42])
def test_diagnostics_and_parameters_carry_the_cell_index(cell_index):
    params, problems = parse_parameters("ok = 1\nbad = f()", cell_index)
    assert [p.cell_index for p in params] == [cell_index]
    assert [d.cell_index for d in problems] == [cell_index]
    assert problems[0].render().startswith(f"cell {cell_index + 1}: parameters cell, line 2:")
