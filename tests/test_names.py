"""names.analyze: which names a cell reads from outside and which it defines, in order."""

import pytest

from jupyter_promote.analysis.name_visitor import BUILTIN_NAMES, KERNEL_NAMES
from jupyter_promote.analysis.names import CodeSyntaxError, analyze


def _summary(source):
    u = analyze(source)
    return u.reads, u.defines


# -- order: reads before definitions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reads", "defines"),
    [
        ("df = df.dropna()", {"df": 1}, {"df": 1}),
        ("x = x", {"x": 1}, {"x": 1}),
        ("y = x\nx = 1", {"x": 1}, {"y": 1, "x": 2}),
        ("x = 1\ny = x", {}, {"x": 1, "y": 2}),
        ("a = x\nb = x + a", {"x": 1}, {"a": 1, "b": 2}),
        ("x = 1\nx = 2", {}, {"x": 2}),
        ("x = 1 if c else 2", {"c": 1}, {"x": 1}),
        ("a, *b = c", {"c": 1}, {"a": 1, "b": 1}),
        ("(a, b) = [c, d] = e", {"e": 1}, {"a": 1, "b": 1, "c": 1, "d": 1}),
        ("x: int = y", {"y": 1}, {"x": 1}),
        ("x: T", {"T": 1}, {}),
        ("print(f'{a} {b!r:>{width}}')", {"a": 1, "b": 1, "width": 1}, {}),
        ("print(*args, **kw)", {"args": 1, "kw": 1}, {}),
        ("if (n := len(xs)) > 3:\n    m = n", {"xs": 1}, {"n": 1, "m": 2}),
        ("if c:\n    x = 1\nprint(x)", {"c": 1}, {"x": 2}),
        ("x.append(1)", {"x": 1}, {}),
        ("x[0]", {"x": 1}, {}),
    ],
)
def test_reads_and_defines_in_order(source, reads, defines):
    assert _summary(source) == (reads, defines)


def test_docstring_example():
    u = analyze("df = raw.dropna()\ndf['x'] = df.a * rate")
    assert (sorted(u.reads), sorted(u.defines)) == (["rate", "raw"], ["df"])


def test_empty_cell():
    u = analyze("")
    assert (u.reads, u.late_reads, u.defines, u.deleted, u.imports, u.star_import) == (
        {},
        {},
        {},
        set(),
        set(),
        False,
    )


# -- augmented assignment, subscript and attribute writes ------------------------------------


@pytest.mark.parametrize(
    ("source", "reads", "defines"),
    [
        ("x += 1", {"x": 1}, {"x": 1}),
        ("total += price * qty", {"price": 1, "qty": 1, "total": 1}, {"total": 1}),
        ("x = 0\nx += 1", {}, {"x": 2}),
        ('df["x"] = v', {"v": 1, "df": 1}, {"df": 1}),
        ("obj.attr = v", {"v": 1, "obj": 1}, {"obj": 1}),
        ('df.loc[m, "a"] *= -1', {"m": 1, "df": 1}, {"df": 1}),
        ("a.b.c[k] = v", {"v": 1, "k": 1, "a": 1}, {"a": 1}),
        ("x.y += z", {"z": 1, "x": 1}, {"x": 1}),
        ("x[i] += 1", {"i": 1, "x": 1}, {"x": 1}),
        ("df = load()\ndf['x'] = 1", {"load": 1}, {"df": 2}),
        ("del d[k]", {"k": 1, "d": 1}, {"d": 1}),
        ("del a.b", {"a": 1}, {"a": 1}),
        # no root name: everything on the left is only read
        ("f(a)[b].c = d", {"d": 1, "b": 1, "f": 1, "a": 1}, {}),
        ("(a or b).c = d", {"d": 1, "a": 1, "b": 1}, {}),
        ("for a.b in xs:\n    pass", {"xs": 1, "a": 1}, {"a": 1}),
    ],
)
def test_changes_in_place_read_and_define_the_root(source, reads, defines):
    assert _summary(source) == (reads, defines)


# -- del --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reads", "defines", "deleted"),
    [
        ("del x", {"x": 1}, {}, {"x"}),
        ("x = 1\ndel x", {}, {}, {"x"}),
        ("del x\nx = 2", {"x": 1}, {"x": 2}, set()),
        ("x = 1\ndel x\ny = x", {"x": 3}, {"y": 3}, {"x"}),
        ("del a, b", {"a": 1, "b": 1}, {}, {"a", "b"}),
        ("del (a, b)", {"a": 1, "b": 1}, {}, {"a", "b"}),
        ("del d[k]", {"k": 1, "d": 1}, {"d": 1}, set()),
    ],
)
def test_del(source, reads, defines, deleted):
    u = analyze(source)
    assert (u.reads, u.defines, u.deleted) == (reads, defines, deleted)


def test_read_after_del_is_a_read_from_outside():
    # `x` is removed, so the later use needs it from elsewhere.
    u = analyze("x = 1\ndel x\nprint(x)")
    assert u.reads == {"x": 3}
    assert u.deleted == {"x"}


# -- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "defines", "imports", "star"),
    [
        ("import os", {"os": 1}, {"os"}, False),
        ("import a.b as c", {"c": 1}, {"a"}, False),
        ("import a.b", {"a": 1}, {"a"}, False),
        ("import os, sys as s", {"os": 1, "s": 1}, {"os", "sys"}, False),
        ("import os.path as osp\nimport numpy as np", {"osp": 1, "np": 2}, {"os", "numpy"}, False),
        ("from x import y", {"y": 1}, {"x"}, False),
        ("from x.y import z as w", {"w": 1}, {"x"}, False),
        ("from . import y", {"y": 1}, set(), False),
        ("from .m import y as z", {"z": 1}, set(), False),
        ("from ..pkg.mod import f, g", {"f": 1, "g": 1}, set(), False),
        ("from x import *", {}, {"x"}, True),
        ("from .local import *", {}, set(), True),
        (
            "try:\n    import ujson as json\nexcept ImportError:\n    json = None",
            {"json": 4},
            {"ujson"},
            False,
        ),
    ],
)
def test_imports(source, defines, imports, star):
    u = analyze(source)
    assert (u.reads, u.defines, u.imports, u.star_import) == ({}, defines, imports, star)


# -- functions --------------------------------------------------------------------------------


def test_function_params_are_local_and_free_names_are_late_reads():
    u = analyze(
        "def f(a, /, b=d, *args, c: T = e, k=kd, **kw) -> R:\n"
        "    return a + b + args + c + k + kw + g + h\n"
    )
    assert u.reads == {"d": 1, "e": 1, "kd": 1, "T": 1, "R": 1}
    assert u.late_reads == {"g": 2, "h": 2}
    assert u.defines == {"f": 1}


def test_decorators_are_read_when_the_function_is_defined():
    u = analyze("@deco(x)\n@other\ndef f():\n    pass")
    assert u.reads == {"deco": 1, "x": 1, "other": 2}
    assert u.defines == {"f": 3}
    assert u.late_reads == {}


def test_function_locals_do_not_leak():
    u = analyze(
        "def f():\n    x = 1\n    import np\n    for i in r:\n        pass\n    return x, np"
    )
    assert u.defines == {"f": 1}
    assert u.late_reads == {"r": 4}
    assert u.reads == {}


def test_late_read_of_a_name_the_cell_defines_after_the_function():
    u = analyze("def f():\n    return x\nx = 1")
    assert u.late_reads == {"x": 2}
    assert u.reads == {}
    assert u.defines == {"f": 1, "x": 3}


def test_late_reads_keep_the_first_line():
    u = analyze("def f():\n    a = x\n    b = x\n    return x + a + b")
    assert u.late_reads == {"x": 2}


def test_builtins_and_kernel_names_are_not_late_reads():
    u = analyze("def f(df):\n    display(df)\n    return len(In) + get_ipython().n + print(q)")
    assert u.late_reads == {"q": 3}


@pytest.mark.parametrize(
    ("source", "late_reads", "defines"),
    [
        ("def f():\n    global G\n    G = 1", {}, {"f": 1, "G": 1}),
        ("def f():\n    global G\n    return G", {"G": 3}, {"f": 1}),
        ("def f():\n    global G\n    G = G + 1", {"G": 3}, {"f": 1, "G": 1}),
        # `G += 1` reads G before changing it, like `G = G + 1`
        ("def f():\n    global G\n    G += 1", {"G": 3}, {"f": 1, "G": 1}),
        ("def f():\n    n = 0\n    n += 1\n    return n", {}, {"f": 1}),
        ("def f():\n    def g():\n        global H\n        H = 1", {}, {"f": 1, "H": 1}),
    ],
)
def test_global_in_a_function(source, late_reads, defines):
    u = analyze(source)
    assert (u.reads, u.late_reads, u.defines) == ({}, late_reads, defines)


def test_nonlocal_does_not_define_a_module_name():
    u = analyze(
        "def outer():\n"
        "    x = 1\n"
        "    def inner():\n"
        "        nonlocal x\n"
        "        x += 2\n"
        "    inner()\n"
        "    return x"
    )
    assert u.defines == {"outer": 1}
    assert u.late_reads == {}
    assert u.reads == {}


def test_nested_function_free_names_are_late_reads():
    u = analyze("def f():\n    def g(p=dflt):\n        return q + p\n    return g")
    assert u.late_reads == {"q": 3, "dflt": 2}
    assert u.defines == {"f": 1}


def test_async_function():
    u = analyze(
        "async def f():\n"
        "    async for x in source:\n"
        "        await g(x)\n"
        "    async with cm as c:\n"
        "        return c"
    )
    assert u.late_reads == {"source": 2, "g": 3, "cm": 4}
    assert u.defines == {"f": 1}
    assert u.reads == {}


def test_except_name_inside_a_function_is_local():
    u = analyze("def f():\n    try:\n        pass\n    except E as e:\n        return e")
    assert u.late_reads == {"E": 4}


# -- lambdas ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reads", "defines"),
    [
        ("f = lambda a: a + b", {"b": 1}, {"f": 1}),
        ("f = lambda a=d: a", {"d": 1}, {"f": 1}),
        ("f = lambda *a, **k: (a, k)", {}, {"f": 1}),
        ("df.apply(lambda row: row.x * rate)", {"df": 1, "rate": 1}, {}),
        ("f = lambda: (y := 1)", {}, {"f": 1}),
    ],
)
def test_lambda_free_names_are_immediate_reads(source, reads, defines):
    u = analyze(source)
    assert (u.reads, u.defines, u.late_reads) == (reads, defines, {})


# -- classes ----------------------------------------------------------------------------------


def test_class_body_runs_now_and_its_names_stay_inside():
    u = analyze(
        "class C(Base, metaclass=M):\n    x = y\n    def m(self):\n        return z + self.x\n"
    )
    # a class body runs at definition; its methods' free names are counted as reads too
    assert u.reads == {"Base": 1, "M": 1, "y": 2, "z": 4}
    assert u.defines == {"C": 1}
    assert u.late_reads == {}


def test_class_decorator_and_global_in_class_body():
    u = analyze("@register\nclass C:\n    global G\n    G = 1")
    assert u.reads == {"register": 1}
    assert u.defines == {"G": 2, "C": 2}


def test_class_reads_keep_the_first_line():
    assert analyze("class C:\n    a = x\n    b = x").reads == {"x": 2}


# -- comprehensions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reads", "defines"),
    [
        ("[x for x in xs if x > t]", {"xs": 1, "t": 1}, {}),
        ("{x for x in xs}", {"xs": 1}, {}),
        ("{k: v * w for k, v in d.items()}", {"d": 1, "w": 1}, {}),
        ("list(x * y for x in xs for y in ys)", {"xs": 1, "ys": 1}, {}),
        ("[y for x in xs for y in x]", {"xs": 1}, {}),
        ("[x for x in x]", {"x": 1}, {}),
        ("xs = [1]\nys = [x for x in xs]", {}, {"xs": 1, "ys": 2}),
        ("t = 1\nys = [x for x in xs if x > t]", {"xs": 2}, {"t": 1, "ys": 2}),
        ("[x for x in range(3)]\nprint(x)", {"x": 2}, {}),
        ("[[c for c in row] for row in grid]", {"grid": 1}, {}),
        ("[y := f(x) for x in xs]", {"xs": 1, "f": 1}, {"y": 1}),
        ("any((hit := x) > lim for x in xs)\nprint(hit)", {"xs": 1, "lim": 1}, {"hit": 1}),
    ],
)
def test_comprehensions(source, reads, defines):
    u = analyze(source)
    assert (u.reads, u.defines, u.late_reads) == (reads, defines, {})


def test_comprehension_inside_a_function_is_a_late_read():
    u = analyze("def f(x):\n    return [y for y in x if y > lim]")
    assert u.late_reads == {"lim": 2}
    assert u.reads == {}


# -- with, for, except, match -----------------------------------------------------------------


def test_with_as():
    u = analyze("with open(p) as fh, lock:\n    data = fh.read()")
    assert u.reads == {"p": 1, "lock": 1}
    assert u.defines == {"fh": 1, "data": 2}


def test_with_tuple_target():
    u = analyze("with f() as (a, b[0]):\n    pass")
    assert u.reads == {"f": 1, "b": 1}
    assert u.defines == {"a": 1, "b": 1}


def test_for_targets_are_defined_and_the_loop_body_reads():
    u = analyze("for i, (a, b) in enumerate(pairs):\n    total = total + a\nelse:\n    done = i")
    assert u.reads == {"pairs": 1, "total": 2}
    assert u.defines == {"i": 1, "a": 1, "b": 1, "total": 2, "done": 4}


def test_for_loop_variable_stays_defined_after_the_loop():
    u = analyze("for x in xs:\n    y = x\nprint(x, y)")
    assert u.reads == {"xs": 1}
    assert u.defines == {"x": 1, "y": 2}


def test_except_as_name_is_gone_after_the_handler():
    u = analyze("try:\n    pass\nexcept ValueError as e:\n    msg = str(e)")
    assert u.reads == {}
    assert u.defines == {"msg": 4}


def test_except_as_name_read_after_the_handler_is_a_read_from_outside():
    u = analyze("try:\n    pass\nexcept E as e:\n    pass\nprint(e)")
    assert u.reads == {"E": 3, "e": 5}
    assert u.defines == {}


def test_match_statement():
    u = analyze(
        "match cmd:\n"
        "    case [x, *rest]:\n"
        "        pass\n"
        "    case {'k': v, **others}:\n"
        "        pass\n"
        "    case Point(x=px) as p:\n"
        "        pass\n"
        "    case Color.RED | None:\n"
        "        pass\n"
        "    case _:\n"
        "        out = fallback"
    )
    assert u.reads == {"cmd": 1, "Point": 6, "Color": 8, "fallback": 11}
    assert u.defines == {"x": 2, "rest": 2, "v": 4, "others": 4, "px": 6, "p": 6, "out": 11}


# -- builtins, kernel names -------------------------------------------------------------------


def test_builtins_and_kernel_names_are_never_reads():
    u = analyze(
        "display(df)\n"
        "ip = get_ipython()\n"
        "print(len(In), Out, _, __, ___, _ih, _oh, _dh)\n"
        "exit, quit\n"
        "n = sum(range(int(x)))"
    )
    assert u.reads == {"df": 1, "x": 5}
    assert u.defines == {"ip": 2, "n": 5}


def test_kernel_names_are_in_the_builtin_set():
    assert {"display", "get_ipython", "In", "Out"} <= KERNEL_NAMES <= BUILTIN_NAMES
    assert {"print", "len", "range"} <= BUILTIN_NAMES


# -- IPython syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "reads", "defines"),
    [
        ("files = !ls\nn = len(files)", {}, {"files": 1, "n": 2}),
        ("!ls\nx = y", {"y": 2}, {"x": 2}),
        ("%time n = len(files)", {"files": 1}, {"n": 1}),
        ("%%time\nx = y", {"y": 2}, {"x": 2}),
        ("%%capture out\nprint(y)", {"y": 2}, {"out": 1}),
        ("%%bash\necho $x", {}, {}),
        ("df?\nx = df", {"df": 2}, {"x": 2}),
        ('msg = "%s=%s" % (k, v)', {"k": 1, "v": 1}, {"msg": 1}),
    ],
)
def test_ipython_syntax_is_analyzed(source, reads, defines):
    assert _summary(source) == (reads, defines)


@pytest.mark.parametrize(
    ("source", "reads", "defines"),
    [
        ("ratio = (a\n         % b)", {"a": 1, "b": 2}, {"ratio": 1}),
        ("y = a \\\n    % b", {"a": 1, "b": 2}, {"y": 1}),
        ('doc = """\nwhy?\n!really\n%sure\n"""\nn = len(doc)', {}, {"doc": 1, "n": 6}),
        ("x = 1  # really?", {}, {"x": 1}),
        ("label = '=%d' % n", {"n": 1}, {"label": 1}),
    ],
)
def test_plain_python_that_looks_like_ipython_is_analyzed_as_python(source, reads, defines):
    assert _summary(source) == (reads, defines)


# -- syntax errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("x = (", 1, "'(' was never closed"),
        ("x = 1\ny = (\n", 2, "'(' was never closed"),
        ("x = 1\nfor x in:\n    pass", 2, "invalid syntax"),
        ("!ls\nx = = 1", 2, "invalid syntax"),
        ("if x:\npass", 2, "expected an indented block"),
    ],
)
def test_syntax_error_raises_code_syntax_error_with_the_line(source, line, message):
    with pytest.raises(CodeSyntaxError) as info:
        analyze(source)
    assert info.value.line == line
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)
