"""source.to_python: IPython-only syntax becomes the plain Python IPython itself would run."""

import ast

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from jupyter_promote.analysis import names
from jupyter_promote.analysis.source import to_python


def _lines(text):
    return len(text.split("\n"))


# -- shell escapes, line magics, help -------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("!ls -la", "get_ipython().system('ls -la')"),
        ("!  ls  ", "get_ipython().system('ls')"),
        ("!echo {x} $y", "get_ipython().system('echo {x} $y')"),
        ("x = !ls", "x = get_ipython().getoutput('ls')"),
        ("x=!ls *.csv", "x = get_ipython().getoutput('ls *.csv')"),
        ("x, y = !ls", "x, y = get_ipython().getoutput('ls')"),
        ("d[0] = !ls", "d[0] = get_ipython().getoutput('ls')"),
        ("a.b = !ls", "a.b = get_ipython().getoutput('ls')"),
        ("d['out'] = !ls", "d['out'] = get_ipython().getoutput('ls')"),
        ("%matplotlib inline", "get_ipython().run_line_magic('matplotlib', 'inline')"),
        ("%load_ext autoreload", "get_ipython().run_line_magic('load_ext', 'autoreload')"),
        ("%env", "get_ipython().run_line_magic('env', '')"),
        ("%cd /tmp", "get_ipython().run_line_magic('cd', '/tmp')"),
        ("y = %who_ls int", "y = get_ipython().run_line_magic('who_ls', 'int')"),
        ("home = %env HOME", "home = get_ipython().run_line_magic('env', 'HOME')"),
        ("obj?", "get_ipython().run_line_magic('pinfo', 'obj')"),
        ("obj??", "get_ipython().run_line_magic('pinfo2', 'obj')"),
        ("df.head?", "get_ipython().run_line_magic('pinfo', 'df.head')"),
        ("?obj", "get_ipython().run_line_magic('pinfo', 'obj')"),
        ("??pd.merge", "get_ipython().run_line_magic('pinfo2', 'pd.merge')"),
    ],
)
def test_line_syntax_becomes_the_ipython_call(source, expected):
    assert to_python(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "!ls -la",
        "x = !ls",
        "%matplotlib inline",
        "y = %who_ls int",
        "obj?",
        "obj??",
        "df.head?",
        "?obj",
        "??obj",
    ],
)
def test_line_syntax_matches_ipython_exactly(source):
    assert to_python(source) + "\n" == TransformerManager().transform_cell(source)


# -- magics that run Python code are unwrapped ------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%time n = len(files)", "n = len(files)"),
        ("%timeit f(x)", "f(x)"),
        ("%timeit -n 10 -r 3 f(x)", "f(x)"),
        ("%timeit -n 10 x = f(y)", "x = f(y)"),
        ("%prun -s cumtime f(x)", "f(x)"),
        ("%time", "pass"),
        ("y = %time f(x)", "y = f(x)"),
    ],
)
def test_code_line_magics_are_unwrapped(source, expected):
    assert to_python(source) == expected


def test_docstring_example():
    assert to_python("files = !ls\n%time n = len(files)") == (
        "files = get_ipython().getoutput('ls')\nn = len(files)"
    )


def test_magics_inside_indented_blocks_keep_their_indent():
    source = (
        "for i in range(3):\n"
        "    %time x = i\n"
        "    !echo {i}\n"
        "    if i:\n"
        "        %matplotlib inline\n"
        "        out = !ls\n"
        "        obj?"
    )
    assert to_python(source) == (
        "for i in range(3):\n"
        "    x = i\n"
        "    get_ipython().system('echo {i}')\n"
        "    if i:\n"
        "        get_ipython().run_line_magic('matplotlib', 'inline')\n"
        "        out = get_ipython().getoutput('ls')\n"
        "        get_ipython().run_line_magic('pinfo', 'obj')"
    )
    ast.parse(to_python(source))


# -- cell magics ------------------------------------------------------------------------------


def test_non_code_cell_magic_is_one_call_and_keeps_the_line_count():
    source = "%%bash\necho hi\necho $x"
    out = to_python(source)
    assert out == "get_ipython().run_cell_magic('bash', '', 'echo hi\\necho $x')\n\n"
    assert _lines(out) == _lines(source) == 3
    assert ast.parse(out).body[0].lineno == 1
    assert len(ast.parse(out).body) == 1


@pytest.mark.parametrize(
    "source",
    [
        "%%bash",
        "%%bash\n",
        "%%bash\necho hi",
        "%%bash\necho hi\n",
        "%%sql\nselect * from t\n\n",
        "%%writefile helper.py\nimport os\nx = os.getcwd()\n",
        "%%html\n<b>x</b>",
        "%%time",
        "%%time\n",
        "%%time\nx = 1\ny = x",
        "%%capture out\nprint(1)\n",
        "\n\n%%bash\necho hi",
        "\n%%time\nx = 1",
    ],
)
def test_cell_magics_keep_the_line_count(source):
    assert _lines(to_python(source)) == _lines(source)


def test_cell_magic_arguments_and_body_are_passed_through():
    out = to_python("%%writefile helper.py\nimport os\n")
    assert out == "get_ipython().run_cell_magic('writefile', 'helper.py', 'import os\\n')\n\n"


def test_time_cell_magic_keeps_the_body_as_code():
    assert to_python("%%time\nx = 1\ny = x") == "pass\nx = 1\ny = x"
    assert to_python("%%timeit -n 10\nf(x)") == "pass\nf(x)"
    assert to_python("%%time") == "pass"


def test_code_cell_magic_body_is_itself_transformed():
    assert to_python("%%time\n!ls\nx = %time f(y)") == (
        "pass\nget_ipython().system('ls')\nx = f(y)"
    )


@pytest.mark.parametrize(
    ("first_line", "target"),
    [
        ("%%capture out", "out"),
        ("%%capture --no-stderr out", "out"),
        ("%%capture --no-stdout --no-display cap", "cap"),
    ],
)
def test_capture_defines_its_variable(first_line, target):
    out = to_python(first_line + "\nprint(y)")
    assert out == f"{target} = None  # %%capture output\nprint(y)"
    usage = names.analyze(first_line + "\nprint(y)")
    assert usage.defines == {target: 1}
    assert usage.reads == {"y": 2}


def test_capture_without_a_variable_defines_nothing():
    assert to_python("%%capture\nx = 1") == "pass\nx = 1"
    assert to_python("%%capture --no-stderr\nx = 1") == "pass\nx = 1"
    assert names.analyze("%%capture\nx = 1").defines == {"x": 2}


def test_leading_blank_lines_before_a_cell_magic_keep_line_numbers():
    assert to_python("\n\n%%time\nx = y") == "\n\npass\nx = y"
    usage = names.analyze("\n\n%%time\nx = y")
    assert usage.reads == {"y": 4}
    assert usage.defines == {"x": 4}


# -- what must NOT be transformed -----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        'text = """\n%not_a_magic\n!not_shell\nobj?\n"""',
        "text = '''\n  %indented\n  !indented\n'''",
        "x = (a\n     % b)",
        "x = [1,\n!2]",
        "x = {'k':\n%v}",
        "y = a \\\n    % b",
        "a != b",
        "ok = a != b",
        "x % y",
        "a = 3 % 2",
        "x = 1  # !ls and %magic in a comment",
        "# !ls",
        "print(a ? b)",
        "s = '!ls'; t = \"%d\" % n",
        'msg = "%s=%s" % (k, v)',
        "x = 1  # really?",
        'doc = """\nwhat is this?\n!really\n"""',
        "",
    ],
)
def test_python_and_continuation_lines_are_left_alone(source):
    assert to_python(source) == source


def test_lines_inside_a_triple_quoted_string_after_a_magic_are_untouched():
    source = '!echo start\ntext = """\n%not_a_magic\n!not_shell\n"""\n%matplotlib inline'
    assert to_python(source) == (
        "get_ipython().system('echo start')\n"
        'text = """\n%not_a_magic\n!not_shell\n"""\n'
        "get_ipython().run_line_magic('matplotlib', 'inline')"
    )


def test_one_line_triple_quoted_string_does_not_open_a_string():
    source = 'a = """x"""\n!ls'
    assert to_python(source) == 'a = """x"""\nget_ipython().system(\'ls\')'


def test_bracket_continuation_after_a_magic_is_untouched():
    source = "!echo start\nratio = (a\n         % b)\n%who"
    assert to_python(source) == (
        "get_ipython().system('echo start')\n"
        "ratio = (a\n         % b)\n"
        "get_ipython().run_line_magic('who', '')"
    )


def test_backslash_continuation_after_a_magic_is_untouched():
    source = "!echo start\ny = a \\\n    % b\n!echo end"
    assert to_python(source).split("\n") == [
        "get_ipython().system('echo start')",
        "y = a \\",
        "    % b",
        "get_ipython().system('echo end')",
    ]


def test_brackets_inside_strings_and_comments_do_not_count():
    source = "!echo start\ns = '('  # )\nt = \"[\"\n%who"
    assert to_python(source).split("\n")[-1] == "get_ipython().run_line_magic('who', '')"


def test_unbalanced_bracket_in_a_shell_command_does_not_swallow_the_next_line():
    # The command becomes a call whose string holds the "(", so no bracket stays open.
    source = "!echo :(\n%matplotlib inline\nx = y"
    assert to_python(source) == (
        "get_ipython().system('echo :(')\n"
        "get_ipython().run_line_magic('matplotlib', 'inline')\n"
        "x = y"
    )


@pytest.mark.parametrize(
    "source",
    [
        "!ls\nfiles = !ls\n%time n = len(files)",
        "for i in r:\n    %time x = i\n    !echo hi",
        '!ls\ntext = """\n%a\n!b\n"""',
        "%%bash\na\nb\nc",
        "%%time\nx = 1\n!ls",
    ],
)
def test_line_count_is_preserved(source):
    assert _lines(to_python(source)) == _lines(source)


# -- agreement with IPython's own transformation ---------------------------------------------

# Cells using only magics and escapes that do not run Python code: IPython turns each into a
# call, as to_python does, so the names read and defined must be the same, on the same lines.
NON_CODE_CELLS = [
    "!ls -la\nfiles = !ls *.csv\nn = len(files)",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot(xs)",
    "%load_ext autoreload\n%autoreload 2\nfrom mod import f\ny = f(x)",
    "home = %env HOME\npath = home + suffix",
    "for f in files:\n    !echo {f}\n    %ls\n    count = count + 1",
    "if verbose:\n    df.head?\nsummary = df.describe()",
    "obj??\nresult = obj(1)",
    "?pd.merge\nmerged = pd.merge(left, right)",
    "%%bash\necho $x\nls",
    "%%writefile helper.py\nimport os\nx = os.getcwd()\n",
    "%%html\n<b>{x}</b>",
    "%%sql\nSELECT * FROM t WHERE a != b",
    "text = '''\n!not shell\n%not magic\n'''\n!echo done",
    "ratio = (a\n         % b)\n!echo {ratio}",
    "ok = a != b\n!echo $ok\nr = x % y",
    "d['out'] = !ls\nlines = d['out']",
    "!echo :(\n%matplotlib inline\nx = y",
    "x = 1 \\\n    + y\n%who",
    "def f(p):\n    !echo {p}\n    return q\n%who",
    "tmp = !mktemp\ndel tmp\n%reset -f",
]


@pytest.mark.parametrize("cell", NON_CODE_CELLS)
def test_names_agree_with_ipython_transformation(cell):
    ours = names.analyze(cell)
    theirs = names.analyze(TransformerManager().transform_cell(cell))
    assert ours.reads == theirs.reads
    assert ours.defines == theirs.defines
    assert ours.late_reads == theirs.late_reads
    assert ours.deleted == theirs.deleted
    assert ours.imports == theirs.imports


def test_agreement_corpus_is_really_ipython_syntax():
    """Every cell of the corpus needs the transformation (so the comparison tests something)."""
    for cell in NON_CODE_CELLS:
        with pytest.raises(SyntaxError):
            ast.parse(cell)
