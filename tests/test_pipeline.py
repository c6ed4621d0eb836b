"""Notebook -> pipeline spec: steps, dependencies, run order, and every check's message."""

import pytest

from jupyter_promote.analysis.pipeline import analyze_notebook
from nbbuild import make_nb


def spec_of(*cells):
    return analyze_notebook(make_nb(*cells), "nb.ipynb")


def only(spec, code):
    found = [d for d in spec.diagnostics if d.code == code]
    assert len(found) == 1, [d.render() for d in spec.diagnostics]
    return found[0]


def test_steps_cells_and_inferred_dependencies():
    spec = spec_of(
        ("parameters", "as_of = '2026-11-01'\nmin_score = 600"),
        ("setup", "import math"),
        ("step:load", "raw = list(range(10))"),
        "raw.append(as_of)",
        ("skip", "print(raw[:3])"),
        ("step:clean", "clean = [r for r in raw if isinstance(r, int) and r >= min_score]"),
        ("step:features", "features = [math.sqrt(c) for c in clean]"),
    )
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert [s.name for s in spec.steps] == ["load", "clean", "features"]
    assert spec.step("load").cells == [2, 3]
    assert spec.skipped_cells == [4]
    assert spec.step("clean").reads == {"min_score": "parameters", "raw": "load"}
    assert spec.step("features").reads == {"clean": "clean", "math": "setup"}
    assert spec.step("features").depends_on == ["clean"]
    assert spec.order == ["load", "clean", "features"]
    assert [(e.upstream, e.step, e.names) for e in spec.edges] == [
        ("load", "clean", ["raw"]),
        ("clean", "features", ["clean"]),
    ]


def test_mutation_makes_the_mutating_step_the_source():
    spec = spec_of(
        ("step:load", "df = {'a': 1}"),
        ("step:enrich", "df['b'] = 2"),
        ("step:report", "out = df['b']"),
    )
    assert spec.step("enrich").reads == {"df": "load"}
    assert spec.step("report").depends_on == ["enrich"]


def test_independent_steps_keep_notebook_order_and_two_roots():
    spec = spec_of(
        ("step:events", "events = [1]"),
        ("step:customers", "customers = [2]"),
        ("step:join", "joined = events + customers"),
    )
    assert spec.step("customers").depends_on == []
    assert spec.step("join").depends_on == ["customers", "events"]
    assert spec.order == ["events", "customers", "join"]


def test_after_tag_adds_an_edge_and_can_reorder():
    spec = spec_of(
        ("step:report after:export", "open('out.csv').read()"),
        ("step:export", "open('out.csv', 'w').write('x')"),
    )
    assert spec.ok
    assert spec.step("report").depends_on == ["export"]
    assert spec.order == ["export", "report"]
    [edge] = spec.edges
    assert edge.explicit and edge.names == []


def test_kale_tags_are_read_as_ours():
    spec = spec_of(
        ("imports", "import math"),
        ("functions", "def sq(x):\n    return math.pow(x, 2)"),
        ("pipeline-parameters", "N = 3"),
        ("block:loaddata", "data = list(range(N))"),
        ("block:train prev:loaddata", "model = [sq(d) for d in data]"),
        ("pipeline-metrics", "print(len(model))"),
    )
    assert spec.ok
    assert spec.setup_cells == [0, 1]
    assert [p.name for p in spec.parameters] == ["N"]
    assert spec.step("train").after == ["loaddata"]
    assert spec.step("train").cells == [4, 5]
    warning = only(spec, "ignored-tag")
    assert warning.severity == "warning"
    assert 'tag "pipeline-metrics" is a Kubeflow Kale tag that jupyter-promote ignores' in (
        warning.message
    )


def test_magics_and_shell_lines_do_not_break_the_analysis():
    spec = spec_of(
        ("setup", "%matplotlib inline\nimport math"),
        ("step:load", "files = !ls\n%time n = len(files)\n!echo done"),
        ("step:use", "%%time\ntotal = n * 2"),
    )
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert spec.step("load").defines == ["files", "n"]
    assert spec.step("use").reads == {"n": "load"}


# -- the errors, with their exact message shapes ------------------------------------------


def test_name_defined_only_in_a_skip_cell():
    spec = spec_of(
        ("step:load", "x = 1"),
        ("skip", "raw_df = x"),
        ("step:clean", "y = 1"),
        "clean_df = raw_df.dropna()",
    )
    problem = only(spec, "defined-in-skip")
    assert problem.render() == (
        "cell 4 (step \"clean\"): name 'raw_df' is used but only defined in a skip cell"
        " (cell 2); move its definition into a step or remove the skip tag"
    )
    assert problem.cell_index == 3 and problem.step == "clean"


def test_name_defined_only_in_a_later_step():
    spec = spec_of(("step:load", "x = y + 1"), ("step:later", "y = 2"))
    assert only(spec, "defined-later").render() == (
        "cell 1 (step \"load\"): name 'y' is used but only defined later, in step 'later'"
        " (cell 2); move its definition before this step, or move this code into step 'later'"
    )


def test_name_defined_nowhere_with_did_you_mean():
    spec = spec_of(("step:load", "loans = 1"), ("step:clean", "x = 2\nclean = loan + 1"))
    assert only(spec, "undefined-name").render() == (
        "cell 2 (step \"clean\"): line 2: name 'loan' is used but defined nowhere in the"
        ' notebook (did you mean "loans"?); define it in the parameters or setup cell or in an'
        " earlier step"
    )


def test_name_defined_in_a_cell_before_the_first_step():
    spec = spec_of("import os", ("step:a", "x = os.getcwd()"))
    assert "only defined in cell 1, which is before the first step and runs nowhere" in (
        only(spec, "defined-in-unassigned").message
    )
    warning = only(spec, "unassigned-cells")
    assert warning.severity == "warning"
    assert warning.render().startswith("cell 1: cell(s) 1 come before the first step")


def test_function_bodies_are_resolved_late():
    spec = spec_of(
        ("setup", "def total(xs):\n    return sum(xs) * factor"),
        ("parameters", "factor = 2"),
        ("step:a", "def later():\n    return b_value\nb_value = 3\nr = later()"),
        ("step:b", "out = total([r])"),
    )
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert spec.step("b").reads == {"r": "a", "total": "setup"}


def test_function_using_an_undefined_global():
    spec = spec_of(("step:a", "def f():\n    return missing_thing\nx = f()"))
    assert "name 'missing_thing' is used inside a function but defined nowhere" in (
        only(spec, "undefined-name").message
    )


def test_setup_reading_a_step_variable():
    spec = spec_of(("setup", "y = data + 1"), ("step:a", "data = 1"))
    assert only(spec, "setup-reads-step").render() == (
        "cell 1: setup code uses name 'data', which only step a defines; setup runs before"
        " every step: define the name in a setup cell or pass it in"
    )


def test_cycle_is_spelled_out():
    spec = spec_of(("step:a after:b", "x = 1"), ("step:b", "y = x"))
    assert spec.order == []
    assert only(spec, "cycle").message == (
        "the steps form a cycle: a -> b -> a; b waits for a (reads x); a waits for b (after:b tag)"
    )


def test_after_unknown_step_suggests_a_name():
    spec = spec_of(("step:load", "x = 1"), ("step:clean after:lod", "y = x"))
    assert only(spec, "unknown-after").render() == (
        'cell 2 (step "clean"): after:lod names a step that does not exist (did you mean'
        ' "load"?); use the name of a step: load, clean'
    )


def test_after_itself():
    spec = spec_of(("step:a after:a", "x = 1"))
    assert only(spec, "after-self").message == "step 'a' has after:a, naming itself"


def test_after_outside_a_step():
    spec = spec_of(("after:a", "x = 1"), ("step:a", "y = 1"))
    assert only(spec, "after-outside-step").cell_index == 0


def test_only_setup_cells_is_nothing_to_run_in_production():
    spec = spec_of(("setup", "import os"), ("skip", "os.getcwd()"))
    assert only(spec, "no-steps").render() == (
        "the notebook has no code to run in production: its code cells are all parameters,"
        ' setup or skip cells; tag the first code cell of each step with "step:NAME"'
        " (e.g. step:load)"
    )
    assert spec.order == [] and spec.implicit_step is None


def test_a_notebook_without_code_cells_says_exactly_that():
    spec = spec_of(("#md", "# Notes"), ("#md", "Nothing to run yet."))
    assert only(spec, "no-code").message == (
        "the notebook has no code cells: there is nothing to run"
    )
    assert not spec.ok and [d.code for d in spec.diagnostics] == ["no-code"]


def test_an_untagged_notebook_runs_as_one_step_named_after_it():
    nb = make_nb("import pandas as pd", "df = pd.DataFrame({'a': [1]})", "total = df.a.sum()")
    spec = analyze_notebook(nb, "reports/Daily Sales.ipynb")
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert spec.implicit_step == "daily_sales"
    assert [(s.name, s.cells) for s in spec.steps] == [("daily_sales", [0, 1, 2])]
    assert spec.order == ["daily_sales"] and spec.unassigned_cells == []
    warning = only(spec, "one-step")
    assert warning.severity == "warning"
    assert warning.message == (
        "the notebook has no step tags, so it runs as one step 'daily_sales' (all its code"
        " cells, in order)"
    )
    assert "per-step runs, retries and quality gates" in warning.hint


def test_a_papermill_notebook_keeps_its_parameters_and_runs_the_rest_as_one_step():
    spec = analyze_notebook(
        make_nb(
            ("parameters", "n: int = 3  # how many"),
            ("injected-parameters", "n = 5"),
            "values = list(range(n))",
            ("skip", "values[:2]"),
            "total = sum(values)",
        ),
        "pm.ipynb",
    )
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert [p.name for p in spec.parameters] == ["n"]
    assert spec.step("pm").cells == [2, 4]
    assert spec.step("pm").reads == {"n": "parameters"}
    assert spec.skipped_cells == [3]


def test_the_one_step_hint_names_the_steps_the_headings_suggest():
    spec = spec_of(
        ("#md", "# Loans"),
        ("#md", "## 1. Load the data"),
        "raw = [1, 2, 3]",
        ("#md", "## 2. Clean"),
        "clean = [r for r in raw if r > 1]",
    )
    assert [(s.cell_index, s.tag, s.heading) for s in spec.suggested_steps] == [
        (2, "step:load", "1. Load the data"),
        (4, "step:clean", "2. Clean"),
    ]
    assert "its headings suggest 2 steps (load, clean)" in only(spec, "one-step").hint


def test_an_empty_kale_block_tag_continues_the_step_as_kale_reads_it():
    spec = spec_of(("block:load", "a = 1"), ("block:", "b = a + 1"), ("block:clean", "c = b"))
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert spec.step("load").cells == [0, 1]
    assert spec.step("clean").depends_on == ["load"]


def test_a_kale_prev_tag_on_a_skip_cell_is_ignored_with_a_warning_naming_it():
    spec = spec_of(("block:load", "a = 1"), ("skip prev:load", "print(a)"), ("block:b", "b = a"))
    assert spec.ok, [d.render() for d in spec.diagnostics]
    warning = only(spec, "ignored-after")
    assert (warning.severity, warning.cell_index) == ("warning", 1)
    assert warning.message == (
        "the skip cell has prev:load, which is ignored: a skip cell never runs in production"
    )
    assert spec.step("b").after == [] and spec.step("load").after == []


def test_reopened_step_independent_of_the_steps_between_is_merged():
    spec = spec_of(
        ("step:load", "a = 1"),
        ("step:other", "b = 2"),
        ("step:load", "c = a + 1"),
        ("step:use", "d = b + c"),
    )
    assert spec.ok, [d.render() for d in spec.diagnostics]
    assert spec.step("load").cells == [0, 2]
    assert spec.step("use").depends_on == ["load", "other"]


def test_reopened_step_that_exchanges_data_with_the_steps_between_is_refused():
    spec = spec_of(
        ("step:load", "a = 1"),
        ("step:clean", "b = a + 1"),
        ("step:load", "c = b + 1"),
    )
    assert only(spec, "duplicate-step").render() == (
        "cell 3 (step \"load\"): step 'load' is tagged again at cell 3, after step(s) clean"
        " that exchange data with it, so its parts cannot run as one step; give this part its"
        " own name (e.g. step:load_2) or move its cells next to the first part"
    )


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("stpe:load", 'tag "stpe:load" is not a jupyter-promote tag (did you mean "step:load"?)'),
        ("Step:load", 'tag "Step:load" is not a jupyter-promote tag (did you mean "step:load"?)'),
        ("paramters", 'tag "paramters" is not a jupyter-promote tag (did you mean "parameters"?)'),
    ],
)
def test_typo_tags(tag, expected):
    spec = spec_of(([tag], "x = 1"), ("step:b", "y = 1"))
    problem = only(spec, "unknown-tag")
    assert problem.severity == "error"
    assert problem.message == expected
    assert problem.cell_index == 0


def test_invalid_and_empty_step_names():
    spec = spec_of((["step:a b"], "x = 1"), (["step:"], "y = 1"), ("step:ok", "z = 1"))
    assert only(spec, "invalid-step-name").hint == 'rename the tag to "step:a_b"'
    assert only(spec, "empty-step-name").message == 'tag "step:" has no step name'


def test_two_parameters_cells():
    spec = spec_of(("parameters", "a = 1"), ("parameters", "b = 2"), ("step:s", "c = a"))
    assert only(spec, "several-parameters-cells").render() == (
        "cell 2: a second parameters cell (the first is cell 1); merge the two into one"
        " parameters cell, as papermill uses only one"
    )


def test_non_literal_parameter():
    spec = spec_of(("parameters", "today = date.today()"), ("step:s", "x = 1"))
    assert "sets 'today' to `date.today()`, which is not a literal" in (
        only(spec, "bad-parameter").message
    )


def test_syntax_error_in_a_step():
    spec = spec_of(("step:s", "x = (1,\ny = 2"))
    problem = only(spec, "syntax-error")
    assert problem.render().startswith('cell 1 (step "s"): line 1: the code is not valid Python')


def test_syntax_error_in_a_skip_cell_is_ignored():
    spec = spec_of(("step:s", "x = 1"), ("skip", "x.plot(]"))
    assert spec.ok


def test_tags_on_markdown_cells_are_reported():
    nb = make_nb(("step:s", "x = 1"))
    nb.cells.insert(0, make_nb(("#md", "# Load")).cells[0])
    nb.cells[0].metadata["tags"] = ["step:load"]
    warned = analyze_notebook(nb)
    assert only(warned, "tag-on-text-cell").message == (
        "the markdown cell has pipeline tags (step:load), which only code cells can carry"
    )


def test_injected_parameters_cell_is_ignored_with_a_warning():
    spec = spec_of(("parameters", "a = 1"), ("injected-parameters", "a = 5"), ("step:s", "b = a"))
    assert only(spec, "injected-parameters").severity == "warning"
    assert spec.step("s").reads == {"a": "parameters"}


def _with_expectations(nb, step, *lines):
    from jupyter_promote.expectations import add_expectations, parse_expect_line

    for line in lines:
        variable, configs = parse_expect_line(line)
        add_expectations(nb, step, variable, configs)
    return nb


def test_check_lists_expectations_per_step():
    nb = _with_expectations(
        make_nb(("step:load", "df = make()\ndf['amount'] = 1"), ("setup", "def make(): ...")),
        "load",
        "df: amount between 0 and 10",
        "df: rows >= 1 --severity warn",
    )
    spec = analyze_notebook(nb, "nb.ipynb")
    assert [(e.step, e.variable, e.index, e.text, e.level) for e in spec.expectations] == [
        ("load", "df", 0, "amount between 0 and 10", "error"),
        ("load", "df", 1, "rows >= 1", "warn"),
    ]
    assert spec.ok
    from jupyter_promote.analysis.render import render_spec

    assert "       expects: df: amount between 0 and 10 (error)" in render_spec(spec)


def test_expectation_on_a_variable_the_step_does_not_define():
    nb = _with_expectations(
        make_nb(("step:load", "raw = 1"), ("step:clean", "clean = raw")),
        "load",
        "clean: x not null",
    )
    problem = only(analyze_notebook(nb), "expectation-unknown-variable")
    assert problem.message == (
        "expectations on 'clean' are recorded under step 'load', which does not define it;"
        " step(s) clean define it"
    )
    assert problem.hint == "record them under a step that defines it (%expect --step clean ...)"


def test_expectation_under_a_step_that_no_longer_exists():
    nb = _with_expectations(make_nb(("step:load", "raw = 1")), "lod", "raw: x not null")
    assert "under step 'lod', which does not exist (did you mean \"load\"?)" in (
        only(analyze_notebook(nb), "expectation-unknown-step").message
    )


def test_expectation_on_a_column_the_code_never_mentions():
    nb = _with_expectations(
        make_nb(("step:load", "raw = {'amount': [1]}")), "load", "raw: amout >= 0"
    )
    warning = only(analyze_notebook(nb), "unknown-expectation-column")
    assert warning.severity == "warning"
    assert "never mentions a column 'amout'" in warning.message
    read_csv = _with_expectations(
        make_nb(("step:load", "raw = pd.read_csv('x.csv')"), ("setup", "import pandas as pd")),
        "load",
        "raw: amout >= 0",
    )
    assert not [
        d for d in analyze_notebook(read_csv).diagnostics if d.code.startswith("unknown-exp")
    ]


def test_newer_expectation_metadata_is_an_error_in_check():
    nb = make_nb(("step:load", "raw = 1"))
    nb.metadata["jupyter_promote"] = {"schema_version": 7, "expectations": {}}
    assert "schema version 7" in only(analyze_notebook(nb), "bad-metadata").message
