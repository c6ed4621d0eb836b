"""`%expect` and `jupyter_promote.expect` in a real kernel with real Great Expectations:
live results, recording into the notebook file, bad input, suggestions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from jupyter_promote.execution.kernel import KernelSession
from jupyter_promote.expectations import ExpectationConfig, read_expectations
from jupyter_promote.services.expect import METADATA_MIME
from nbbuild import make_nb, write_nb

DATA = (
    "import pandas as pd\n"
    "loans_clean = pd.DataFrame({\n"
    "    'loan_id': [1, 2, 3, 3, 5],\n"
    "    'amount': [10.0, -12.0, 5.0, 7_000_000.0, 20.0],\n"
    "    'grade': ['A', 'B', 'Z', 'C', 'A'],\n"
    "})\n"
    "scores = [1, 2, 3]"
)


def notebook(tmp_path, *extra_cells):
    nb = make_nb(
        ("step:load", DATA),
        ("step:clean", "loans_clean = loans_clean.reset_index(drop=True)"),
        ("skip", "%load_ext jupyter_promote"),
        *[("skip", c) for c in extra_cells],
    )
    return write_nb(tmp_path / "loans.ipynb", nb), nb


def run_all(path, nb, env=None):
    """Run every cell of ``nb`` in one kernel; the outputs go into ``nb``'s cells."""
    with KernelSession(nb, cwd=str(Path(path).parent), env=env) as kernel:
        for index in range(len(nb.cells)):
            kernel.run_cell(index)


def run_cells(path, nb, env=None):
    """Run every cell of ``nb`` in one kernel; return each cell's text outputs."""
    run_all(path, nb, env)
    return [
        "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in c.outputs)
        for c in nb.cells
    ]


def payloads(cell):
    """The ``%expect`` payloads a cell output for the lab extension."""
    return [o["data"][METADATA_MIME] for o in cell.outputs if METADATA_MIME in o.get("data", {})]


def plain_text(cell):
    return "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_expect_checks_live_and_records_under_the_defining_step(tmp_path):
    path, nb = notebook(
        tmp_path,
        "%expect loans_clean: amount between 0 and 5_000_000",
        "%expect loans_clean: loan_id unique, not null",
        "%expect loans_clean: rows >= 1000 --severity warn",
        '%expect loans_clean: grade in {"A","B","C","D"}',
    )
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": path})
    between, unique, rows, grade = texts[3:]
    assert "✗" in between and "2 of 5 values outside [0, 5,000,000]" in between
    assert "-12.0" in between and "7000000.0" in between
    assert f"recorded under step 'clean' in {path}" in between
    # one line per expectation of the shorthand: the duplicate 3 fails, no null passes
    assert unique.splitlines() == [
        "✗  error  loans_clean  loan_id unique    2 duplicate values: 3, 3 (expected unique)",
        "✓  error  loans_clean  loan_id not null  0 nulls of 5",
        "1 passed, 1 failed (1 blocking)",
        f"recorded under step 'clean' in {path}",
    ]
    assert "row count 5" in rows
    assert "'Z'" in grade
    suites = read_expectations(nbformat.read(path, as_version=4))
    assert list(suites) == ["clean"]
    configs = suites["clean"]["loans_clean"].expectations
    assert [(c.type, c.level) for c in configs] == [
        ("expect_column_values_to_be_between", "error"),
        ("expect_column_values_to_be_unique", "error"),
        ("expect_column_values_to_not_be_null", "error"),
        ("expect_table_row_count_to_be_between", "warn"),
        ("expect_column_values_to_be_in_set", "error"),
    ]
    # reopening gives the same suites (the metadata is plain GX suite JSON)
    reopened = read_expectations(nbformat.reads(Path(path).read_text(), as_version=4))
    assert reopened == suites


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("%expect loan_clean: amount >= 0", "no variable 'loan_clean' in this kernel"),
        ("%expect scores: amount >= 0", "'scores' is a list"),
        ("%expect loans_clean: amout >= 0", "amout"),
        ("%expect loans_clean: amount betwen 0 and 1", "betwen"),
        (
            "%expect loans_clean: expect_column_values_to_be_between(column='amount', min_valu=0)",
            "min_valu",
        ),
    ],
)
def test_bad_input_is_explained_and_nothing_is_recorded(tmp_path, line, message):
    path, nb = notebook(tmp_path, line)
    before = Path(path).read_text()
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": path})
    assert texts[-1].startswith("error: ")
    assert message in texts[-1]
    assert "Traceback" not in texts[-1]
    assert Path(path).read_text() == before


def test_unknown_notebook_keeps_expectations_in_the_session_until_saved(tmp_path):
    path, nb = notebook(
        tmp_path,
        "%expect loans_clean: loan_id not null",
        "%expect --list",
        f"%expect --save {tmp_path / 'loans.ipynb'}",
    )
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": "", "JPY_SESSION_NAME": ""})
    assert "kept in the kernel session" in texts[3]
    assert "[unsaved] loans_clean: loan_id not null (error)" in texts[4]
    assert "saved 1 expectation(s)" in texts[5]
    suites = read_expectations(nbformat.read(path, as_version=4))
    assert [c.type for c in suites["clean"]["loans_clean"].expectations] == [
        "expect_column_values_to_not_be_null"
    ]


def test_list_and_remove(tmp_path):
    path, nb = notebook(
        tmp_path,
        "%expect loans_clean: loan_id not null",
        "%expect loans_clean: amount >= 0",
        "%expect --remove loans_clean 0",
        "%expect --list loans_clean",
    )
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": path})
    assert "removed 1 expectation(s)" in texts[5]
    assert texts[6].strip() == "[clean] loans_clean #0: amount >= 0 (error)"


def test_python_api_with_shorthand_and_gx_objects(tmp_path):
    path, nb = notebook(
        tmp_path,
        "import jupyter_promote as jp\n"
        "import great_expectations.expectations as gxe\n"
        "results = jp.expect('loans_clean', 'loan_id unique',"
        " gxe.ExpectColumnToExist(column='grade'), severity='warn')\n"
        "print([(r.expectation, r.success, r.level) for r in results])",
    )
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": path})
    assert "('loan_id unique', False, 'warn')" in texts[3]
    configs = read_expectations(nbformat.read(path, as_version=4))["clean"]["loans_clean"]
    assert [(c.type, c.level) for c in configs.expectations] == [
        ("expect_column_values_to_be_unique", "warn"),
        ("expect_column_to_exist", "warn"),
    ]


def test_suggestion_checklist_saves_the_ticked_ones(tmp_path):
    path, nb = notebook(
        tmp_path,
        "form = get_ipython().run_line_magic('expect', '--suggest loans_clean')\n"
        "print([b.description for b in form.checkboxes])\n"
        "for box in form.checkboxes:\n"
        "    box.value = box.description.startswith('amount between')\n"
        "form.save_button.click()",
    )
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": path})
    proposals = json.loads(texts[3].strip().replace("'", '"'))
    assert "loan_id not null" in proposals
    assert any(p.startswith("amount between") for p in proposals)
    assert "loan_id unique" not in proposals  # 3 appears twice
    configs = read_expectations(nbformat.read(path, as_version=4))["clean"]["loans_clean"]
    assert [c.type for c in configs.expectations] == ["expect_column_values_to_be_between"]
    assert configs.expectations[0].kwargs["min_value"] <= -12
    assert configs.expectations[0].kwargs["max_value"] >= 7_000_000


def test_newer_metadata_is_refused_and_never_overwritten(tmp_path):
    path, nb = notebook(tmp_path, "%expect loans_clean: loan_id not null")
    raw = json.loads(Path(path).read_text())
    raw["metadata"]["jupyter_promote"] = {"schema_version": 99, "expectations": {}}
    Path(path).write_text(json.dumps(raw))
    before = Path(path).read_text()
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": path})
    assert texts[-1].startswith("error: ")
    assert "schema version 99" in texts[-1]
    assert Path(path).read_text() == before


def test_recording_works_under_papermill(tmp_path):
    path, _ = notebook(tmp_path, "%expect loans_clean: loan_id not null")
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [str(Path(sys.executable).with_name("papermill")), path, str(out), "--inject-input-path"],
        check=True,
        capture_output=True,
        env={k: v for k, v in __import__("os").environ.items() if k != "JPY_SESSION_NAME"},
    )
    suites = read_expectations(nbformat.read(path, as_version=4))
    assert [c.type for c in suites["clean"]["loans_clean"].expectations] == [
        "expect_column_values_to_not_be_null"
    ]


def test_notebook_found_the_way_jupyter_server_tells_the_kernel(tmp_path):
    # Jupyter Server starts a notebook's kernel with JPY_SESSION_NAME=<folder>/<notebook>
    path, nb = notebook(tmp_path, "%expect loans_clean: amount exists")
    texts = run_cells(path, nb, env={"JUPYTER_PROMOTE_NOTEBOOK": "", "JPY_SESSION_NAME": path})
    assert f"recorded under step 'clean' in {path}" in texts[-1]
    suites = read_expectations(nbformat.read(path, as_version=4))
    assert [c.type for c in suites["clean"]["loans_clean"].expectations] == [
        "expect_column_to_exist"
    ]


def test_expect_output_carries_its_results_for_the_panel(tmp_path):
    path, nb = notebook(tmp_path, "%expect loans_clean: loan_id unique, amount >= 0")
    run_all(path, nb, {"JUPYTER_PROMOTE_NOTEBOOK": path})
    (payload,) = payloads(nb.cells[-1])
    assert (payload["step"], payload["variable"]) == ("clean", "loans_clean")
    results = payload["results"]
    assert [(r["expectation"], r["success"]) for r in results] == [
        ("loan_id unique", False),
        ("amount >= 0", False),
    ]
    assert results[1]["observed"] == "1 of 5 values below 0: -12.0"
    assert [r["expectation"] for r in results] == [
        ExpectationConfig.model_validate(c).describe() for c in payload["expectations"]
    ]
    json.dumps(payload, allow_nan=False)


def run_under_jupyterlab(tmp_path, *cells):
    """Run ``cells`` after the marker the lab extension sets; the file must stay as it was."""
    path, nb = notebook(tmp_path, "__jupyter_promote_lab__ = True", *cells)
    before = Path(path).read_bytes()
    run_all(path, nb, {"JUPYTER_PROMOTE_NOTEBOOK": path})
    assert Path(path).read_bytes() == before, "the kernel wrote the notebook file"
    return path, nb


def test_with_jupyterlab_applying_outputs_the_file_is_left_alone(tmp_path):
    # The lab extension sets the marker in the kernel and applies the output to the open
    # notebook: writing the file under it would make the next save ask "overwrite or revert?".
    _, nb = run_under_jupyterlab(
        tmp_path,
        "%expect loans_clean: amount exists",
        "%expect loans_clean: amout >= 0",
    )
    (payload,) = payloads(nb.cells[-2])
    assert payload["written"] is False
    assert (payload["step"], payload["variable"]) == ("clean", "loans_clean")
    assert [c["type"] for c in payload["expectations"]] == ["expect_column_to_exist"]
    text = plain_text(nb.cells[-2])
    assert "recorded under step 'clean' in the open notebook: save it to keep it" in text
    # a bad column is still refused in the kernel, and nothing goes to the frontend
    assert payloads(nb.cells[-1]) == []
    assert "amout" in plain_text(nb.cells[-1])


def test_remove_under_jupyterlab_goes_to_the_open_notebook(tmp_path):
    path, nb = run_under_jupyterlab(
        tmp_path,
        "%expect --remove loans_clean 1",
        "%expect --remove loans_clean one",
    )
    (payload,) = payloads(nb.cells[-2])
    assert payload == {
        "written": False,
        "op": "remove",
        "notebook": path,
        "step": None,
        "variable": "loans_clean",
        "index": 1,
        "expectations": [],
    }
    assert "INDEX must be a number, not 'one'" in plain_text(nb.cells[-1])


LOAD_PROBE = """
import sys, threading
from IPython.testing.globalipapp import start_ipython
ip = start_ipython()
before = set(sys.modules)
ip.run_line_magic("load_ext", "jupyter_promote")
heavy = sorted(m for m in set(sys.modules) - before
               if m.split(".")[0] in ("nbformat", "jsonschema", "pydantic", "great_expectations"))
warming = [t for t in threading.enumerate() if t.name == "jupyter-promote-gx-warm"]
print(heavy, len(warming))
for t in warming:
    t.join(120)
print("great_expectations" in sys.modules)
"""


@pytest.mark.parametrize("warm, warmed", [("1", "True"), ("0", "False")])
def test_load_ext_imports_nothing_heavy_and_warms_gx_in_the_background(warm, warmed):
    """``%load_ext`` registers the magics at once; GX is imported by a background thread
    (unless JUPYTER_PROMOTE_WARM=0), nothing heavy on the way."""
    env = {**os.environ, "JUPYTER_PROMOTE_WARM": warm}
    done = subprocess.run([sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()[-2:]
    assert lines == [f"[] {1 if warm == '1' else 0}", warmed]
