"""tags.parse_cell_tags: roles from cell tags, Kale aliases, and "did you mean" for near misses."""

import pytest

from jupyter_promote.analysis.tags import Role, parse_cell_tags, suggest_name
from jupyter_promote.util.spelling import did_you_mean


def _codes(result):
    return [d.code for d in result.diagnostics]


# -- our tags and Kale's ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "role", "step"),
    [
        (["parameters"], Role.PARAMETERS, None),
        (["pipeline-parameters"], Role.PARAMETERS, None),
        (["setup"], Role.SETUP, None),
        (["imports"], Role.SETUP, None),
        (["functions"], Role.SETUP, None),
        (["skip"], Role.SKIP, None),
        (["injected-parameters"], Role.INJECTED, None),
        (["step:load"], Role.STEP, "load"),
        (["block:load"], Role.STEP, "load"),
        (["step:load_data-2"], Role.STEP, "load_data-2"),
        (["step:_private"], Role.STEP, "_private"),
        ([], Role.PLAIN, None),
    ],
)
def test_role_tags(tags, role, step):
    result = parse_cell_tags(tags, 0)
    assert (result.role, result.step, result.after, result.diagnostics) == (role, step, [], [])


@pytest.mark.parametrize(
    ("tags", "after"),
    [
        (["after:load"], ["load"]),
        (["prev:load"], ["load"]),
        (["after:load", "prev:clean"], ["load", "clean"]),
        (["after:load", "after:load", "after:x"], ["load", "x"]),
    ],
)
def test_after_tags(tags, after):
    result = parse_cell_tags(tags, 0)
    assert (result.role, result.step, result.after, result.diagnostics) == (
        Role.PLAIN,
        None,
        after,
        [],
    )


def test_step_with_after_tags():
    result = parse_cell_tags(["block:train", "prev:load", "after:clean"], 2)
    assert (result.role, result.step, result.after, result.diagnostics) == (
        Role.STEP,
        "train",
        ["load", "clean"],
        [],
    )


def test_docstring_example():
    assert parse_cell_tags(["step:clean", "after:load"], 3).after == ["load"]


def test_the_same_step_tag_twice_is_one_step():
    result = parse_cell_tags(["step:a", "step:a"], 0)
    assert (result.role, result.step, result.diagnostics) == (Role.STEP, "a", [])


def test_two_tags_for_the_same_role_do_not_conflict():
    result = parse_cell_tags(["setup", "imports"], 0)
    assert (result.role, result.diagnostics) == (Role.SETUP, [])


# -- tags of other tools ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        ["hide-input", "remove-cell", "thebe-init"],
        ["remove-output", "hide-output", "full-width", "margin"],
        ["raises-exception", "skip-execution"],
        ["stage:x", "tags", "setup:x", "skip:x"],
    ],
)
def test_tags_of_other_tools_are_ignored_silently(tags):
    result = parse_cell_tags(tags, 0)
    assert (result.role, result.step, result.after, result.diagnostics) == (
        Role.PLAIN,
        None,
        [],
        [],
    )


def test_other_tools_tags_do_not_change_our_role():
    result = parse_cell_tags(["hide-input", "step:load", "remove-output"], 0)
    assert (result.role, result.step, result.diagnostics) == (Role.STEP, "load", [])


# -- Kale tags we ignore ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["pipeline-metrics", "limit:nvidia.com/gpu:1", "limit:", "annotation:x", "label:team:data"],
)
def test_kale_tags_we_ignore_are_warnings(tag):
    result = parse_cell_tags([tag], 5, "cell-5")
    assert (result.role, result.step) == (Role.PLAIN, None)
    [diag] = result.diagnostics
    assert (diag.severity, diag.code, diag.cell_index, diag.cell_id) == (
        "warning",
        "ignored-tag",
        5,
        "cell-5",
    )
    assert diag.message == f'tag "{tag}" is a Kubeflow Kale tag that jupyter-promote ignores'
    assert "remove the tag" in diag.hint


def test_ignored_kale_tag_next_to_a_step_keeps_the_step():
    result = parse_cell_tags(["block:train", "limit:nvidia.com/gpu:1"], 0)
    assert (result.role, result.step, _codes(result)) == (Role.STEP, "train", ["ignored-tag"])


# -- near misses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "meant"),
    [
        ("stpe:load", "step:load"),
        ("Step:load", "step:load"),
        ("STEP:load", "step:load"),
        ("stepp:load", "step:load"),
        ("steps:load", "step:load"),
        ("blok:load", "block:load"),
        ("Block:load", "block:load"),
        ("aftr:load", "after:load"),
        ("After:load", "after:load"),
        ("paramters", "parameters"),
        ("parameter", "parameters"),
        ("Parameters", "parameters"),
        ("skipp", "skip"),
        ("SKIP", "skip"),
        ("Setup", "setup"),
        ("step", "step:NAME"),
        ("Step", "step:NAME"),
        ("after", "after:NAME"),
        ("block", "block:NAME"),
        ("prev", "prev:NAME"),
    ],
)
def test_near_misses_are_errors_with_a_suggestion(tag, meant):
    result = parse_cell_tags([tag], 4, "c4")
    assert (result.role, result.step, result.after) == (Role.PLAIN, None, [])
    [diag] = result.diagnostics
    assert (diag.severity, diag.code, diag.cell_index, diag.cell_id) == (
        "error",
        "unknown-tag",
        4,
        "c4",
    )
    assert diag.message == (f'tag "{tag}" is not a jupyter-promote tag (did you mean "{meant}"?)')
    assert diag.hint == f'rename the tag to "{meant}"'


def test_a_near_miss_next_to_a_real_step_tag_is_still_reported():
    result = parse_cell_tags(["step:load", "aftr:clean"], 0)
    assert (result.role, result.step, result.after) == (Role.STEP, "load", [])
    assert _codes(result) == ["unknown-tag"]
    assert '"after:clean"' in result.diagnostics[0].message


# -- bad step names ------------------------------------------------------------------------------


def test_an_empty_kale_block_tag_is_no_tag_as_kale_reads_it():
    """Kale's own UI leaves ``block:`` tags behind; Kale treats them as if absent."""
    result = parse_cell_tags(["block:"], 1)
    assert (result.role, result.step, result.diagnostics) == (Role.PLAIN, None, [])
    assert parse_cell_tags(["block:", "skip"], 1).role is Role.SKIP  # no conflict either


@pytest.mark.parametrize("tag", ["step:", "step:   "])
def test_empty_step_name(tag):
    result = parse_cell_tags([tag], 1)
    assert (result.role, result.step) == (Role.PLAIN, None)
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == ("error", "empty-step-name")
    assert diag.message == f'tag "{tag}" has no step name'
    prefix = tag.partition(":")[0]
    assert diag.hint == f'name the step, e.g. "{prefix}:load"'


@pytest.mark.parametrize(
    ("tag", "fixed"),
    [
        ("step:a b", "a_b"),
        ("step:load data", "load_data"),
        ("step: load", "load"),
        ("step:load ", "load"),
        ("step:1abc", "step_1abc"),
        ("step:a:b", "a_b"),
        ("step:a.b", "a_b"),
        ("block:train model", "train_model"),
        ("step:é", "my_step"),
    ],
)
def test_invalid_step_name_suggests_a_valid_one(tag, fixed):
    result = parse_cell_tags([tag], 1)
    assert (result.role, result.step) == (Role.PLAIN, None)
    [diag] = result.diagnostics
    assert (diag.severity, diag.code) == ("error", "invalid-step-name")
    name = tag.partition(":")[2]
    assert diag.message.startswith(f'step name "{name}" in tag "{tag}" is not valid')
    assert diag.hint == f'rename the tag to "step:{fixed}"'


def test_empty_after_name():
    result = parse_cell_tags(["after:"], 1)
    assert result.after == []
    [diag] = result.diagnostics
    assert (diag.severity, diag.code, diag.message) == (
        "error",
        "empty-after-name",
        'tag "after:" names no step',
    )


# -- several roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("tags", [["step:a", "step:b"], ["step:a", "block:b"]])
def test_two_step_tags(tags):
    result = parse_cell_tags(tags, 2, "c2")
    assert (result.role, result.step) == (Role.STEP, "a")
    [diag] = result.diagnostics
    assert (diag.severity, diag.code, diag.cell_index, diag.cell_id) == (
        "error",
        "several-steps",
        2,
        "c2",
    )
    assert diag.message == 'the cell starts two steps, "a" and "b"'


@pytest.mark.parametrize(
    ("tags", "listed"),
    [
        (["setup", "step:x"], "setup, step:x"),
        (["step:x", "skip"], "step:x, skip"),
        (["parameters", "setup"], "parameters, setup"),
        (["parameters", "injected-parameters"], "parameters, injected-parameters"),
        (["imports", "block:x"], "imports, block:x"),
        (["pipeline-parameters", "functions", "skip"], "pipeline-parameters, functions, skip"),
    ],
)
def test_tags_giving_different_roles_conflict(tags, listed):
    result = parse_cell_tags(tags, 6, "c6")
    [diag] = result.diagnostics
    assert (diag.severity, diag.code, diag.cell_index, diag.cell_id) == (
        "error",
        "conflicting-tags",
        6,
        "c6",
    )
    assert diag.message == f"the cell has tags that give it different roles: {listed}"
    assert "keep one of them" in diag.hint


def test_diagnostics_render_with_the_cell_number():
    [diag] = parse_cell_tags(["stpe:load"], 6).diagnostics
    assert diag.render() == (
        'cell 7: tag "stpe:load" is not a jupyter-promote tag (did you mean "step:load"?); '
        'rename the tag to "step:load"'
    )


# -- helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("load data", "load_data"),
        ("  load  ", "load"),
        ("a:b/c", "a_b_c"),
        ("1st", "step_1st"),
        ("-x-", "x"),
        ("ok_name-2", "ok_name-2"),
        ("", "my_step"),
        ("???", "my_step"),
    ],
)
def test_suggest_name(name, expected):
    assert suggest_name(name) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("laod", ' (did you mean "load"?)'),
        ("clena", ' (did you mean "clean"?)'),
        ("zzz", ""),
    ],
)
def test_did_you_mean(word, expected):
    assert did_you_mean(word, ["load", "clean", "train"]) == expected
