"""Property-based tests of the analysis: generated notebooks with random tags, step names, reused
steps, ``after:`` edges and name flows. Whatever the notebook, the analysis answers (no
exception); a cycle is one error naming each of its edges; a DAG gets a topological run order.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_promote.analysis.headings import suggest_steps
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.analysis.render import render_spec

STEPS = ["load", "clean", "model", "report"]
NAMES = ["df", "raw", "rate", "total", "model"]
# Bounded so CI time stays predictable: a few hundred notebooks per property.
BOUNDED = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

tags = st.one_of(
    st.just([]),
    st.sampled_from(STEPS).map(lambda s: [f"step:{s}"]),
    st.sampled_from(STEPS).map(lambda s: [f"block:{s}"]),
    st.just(["block:"]),
    st.sampled_from(STEPS).map(lambda s: [f"after:{s}"]),
    st.sampled_from(STEPS).map(lambda s: [f"prev:{s}"]),
    st.tuples(st.sampled_from(STEPS), st.sampled_from(STEPS)).map(
        lambda p: [f"step:{p[0]}", f"after:{p[1]}"]
    ),
    st.sampled_from(["skip", "setup", "parameters", "imports", "stpe:load", "step:", "Step:x"]).map(
        lambda t: [t]
    ),
    st.tuples(st.sampled_from(["skip", "setup"]), st.sampled_from(STEPS)).map(
        lambda p: [p[0], f"prev:{p[1]}"]
    ),
)
statements = st.one_of(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)).map(lambda p: f"{p[0]} = {p[1]} + 1"),
    st.sampled_from(NAMES).map(lambda n: f"{n} = 1"),
    st.sampled_from(NAMES).map(lambda n: f"{n} += 1"),
    st.sampled_from(NAMES).map(lambda n: f"del {n}"),
    st.sampled_from(NAMES).map(lambda n: f"def f():\n    return {n}"),
    st.sampled_from(NAMES).map(lambda n: f"{n}['x'] = 2"),
    st.just("import os"),
    st.just("%time x = 1"),
    st.just("x = (1"),  # a syntax error
    st.just(""),
)
code_cells = st.tuples(st.lists(statements, min_size=1, max_size=3), tags).map(
    lambda p: new_code_cell("\n".join(p[0]), metadata={"tags": p[1]})
)
markdown_cells = st.sampled_from(["# Title", "## Load", "## Clean", "text", "### Model"]).map(
    new_markdown_cell
)
notebooks = st.lists(st.one_of(code_cells, code_cells, markdown_cells), max_size=12).map(
    lambda cells: new_notebook(cells=cells)
)


def _topological(order: list[str], edges) -> bool:
    position = {name: i for i, name in enumerate(order)}
    return all(position[e.upstream] < position[e.step] for e in edges)


@BOUNDED
@given(notebooks)
def test_the_analysis_always_answers(nb):
    spec = analyze_notebook(nb, "generated.ipynb")
    assert isinstance(render_spec(spec), str)  # rendering never fails either
    assert [d for d in spec.diagnostics if d.severity not in ("error", "warning")] == []
    suggest_steps(nb)


@BOUNDED
@given(notebooks)
def test_a_dag_gets_a_topological_order_and_a_cycle_one_error_naming_each_edge(nb):
    spec = analyze_notebook(nb, "generated.ipynb")
    cycles = [d for d in spec.diagnostics if d.code == "cycle"]
    names = {s.name for s in spec.steps}
    if not cycles:
        assert sorted(spec.order) == sorted(names)
        assert _topological(spec.order, spec.edges)
        return
    assert len(cycles) == 1 and spec.order == []
    path = re.match(r"the steps form a cycle: (.*?);", cycles[0].message)[1].split(" -> ")
    assert path[0] == path[-1] and len(path) >= 3
    for upstream, step in itertools.pairwise(path):
        assert any(e.upstream == upstream and e.step == step for e in spec.edges)
        assert f"{step} waits for {upstream}" in cycles[0].message


@BOUNDED
@given(st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(STEPS)), max_size=8))
def test_after_edges_alone_order_or_report_a_cycle(pairs):
    """Steps wired only by after: tags (no data flow): the same two outcomes, no third."""
    cells = [new_code_cell(f"{s}_out = 1", metadata={"tags": [f"step:{s}"]}) for s in STEPS]
    for step, upstream in pairs:
        tags = cells[STEPS.index(step)].metadata["tags"]
        if step != upstream and f"after:{upstream}" not in tags:
            tags.append(f"after:{upstream}")
    spec = analyze_notebook(new_notebook(cells=cells), "after.ipynb")
    if any(d.code == "cycle" for d in spec.diagnostics):
        assert spec.order == []
    else:
        assert _topological(spec.order, spec.edges) and len(spec.order) == len(STEPS)
