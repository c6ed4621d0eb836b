"""`jupyter promote check` end to end, as a user runs it: real processes, real files."""

import json
from pathlib import Path

import nbformat
import pytest
from runcli import ROOT, promote

from nbbuild import make_nb, write_nb

EXAMPLES = ROOT / "example_notebooks"
KALE = ROOT / "tests" / "notebooks"


def check_json(path):
    result = promote("check", "--json", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


EXPECTED = {
    EXAMPLES / "loans.ipynb": {
        "order": ["load", "clean", "features", "allocation"],
        "depends_on": {
            "load": [],
            "clean": ["load"],
            "features": ["clean"],
            "allocation": ["features"],
        },
        "parameters": {
            "as_of": ("str", "2026-11-01"),
            "min_score": ("int", 600),
            "portfolio_size": ("int", 120000),
            "max_allocation": ("float", 0.25),
            "output_dir": ("str", "output"),
        },
    },
    EXAMPLES / "daily_sales.ipynb": {
        "order": ["extract", "transform", "report"],
        "depends_on": {"extract": [], "transform": ["extract"], "report": ["transform"]},
        "parameters": {
            "report_date": ("str", "2026-11-23"),
            "stores": ("list", ["north", "south", "east", "west"]),
            "currency": ("str", "EUR"),
            "output_dir": ("str", "output"),
        },
    },
    EXAMPLES / "feature_table.ipynb": {
        "order": ["events", "customers", "aggregate", "publish"],
        "depends_on": {
            "events": [],
            "customers": [],
            "aggregate": ["customers", "events"],
            "publish": ["aggregate"],
        },
        "parameters": {
            "snapshot_date": ("str", "2026-11-01"),
            "lookback_days": ("int", 90),
            "min_events": ("int", 3),
            "output_dir": ("str", "output"),
        },
    },
    KALE / "kale_pipeline.ipynb": {
        "order": ["loaddata", "preprocess", "train"],
        "depends_on": {"loaddata": [], "preprocess": ["loaddata"], "train": ["preprocess"]},
        "parameters": {
            "N_SAMPLES": ("int", 500),
            "NOISE": ("float", 0.3),
            "TEST_FRACTION": ("float", 0.2),
            "SEED": ("int", 7),
        },
    },
    KALE / "kale_limits.ipynb": {
        "order": ["a", "b"],
        "depends_on": {"a": [], "b": ["a"]},
        "parameters": {"SIZE": ("int", 256), "SEED": ("int", 1)},
    },
}


@pytest.mark.parametrize("path", list(EXPECTED), ids=lambda p: p.name)
def test_check_json_on_shipped_notebooks(path):
    doc = check_json(path)
    expected = EXPECTED[path]
    assert doc["schema_version"] == 1
    assert doc["order"] == expected["order"]
    assert {s["name"]: s["depends_on"] for s in doc["steps"]} == expected["depends_on"]
    assert {p["name"]: (p["type"], p["default"]) for p in doc["parameters"]} == (
        expected["parameters"]
    )
    assert [d for d in doc["diagnostics"] if d["severity"] == "error"] == []


def test_loans_reads_and_defines():
    doc = check_json(EXAMPLES / "loans.ipynb")
    steps = {s["name"]: s for s in doc["steps"]}
    assert steps["clean"]["reads"]["loans_raw"] == "load"
    assert steps["clean"]["reads"]["min_score"] == "parameters"
    assert "loans_clean" in steps["clean"]["defines"]
    # features adds columns to loans_clean in place: it reads and redefines it
    assert steps["features"]["reads"]["loans_clean"] == "clean"
    assert "loans_clean" in steps["features"]["defines"]
    assert steps["allocation"]["reads"]["features"] == "features"
    assert doc["skipped_cells"] == [7, 16]


def test_kale_warnings_are_reported_but_pass():
    doc = check_json(KALE / "kale_pipeline.ipynb")
    assert [(d["code"], d["severity"]) for d in doc["diagnostics"]] == [("ignored-tag", "warning")]
    limits = check_json(KALE / "kale_limits.ipynb")
    [warning] = limits["diagnostics"]
    assert warning["message"].startswith('tag "limit:nvidia.com/gpu:1" is a Kubeflow Kale tag')


def test_text_report_shows_parameters_steps_and_graph():
    result = promote("check", str(EXAMPLES / "feature_table.ipynb"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Parameters (cell 2)" in out
    assert "lookback_days  int          = 90  # length of the activity window" in out
    assert "3. aggregate  (cell 10-11)" in out
    assert "  [0] events   |   customers" in out
    assert "  [1] aggregate <- customers, events" in out
    assert "No problems found." in out


def test_exit_code_1_and_message_on_problems(tmp_path):
    nb = make_nb(
        ("step:load", "x = 1"),
        ("skip", "raw_df = 2"),
        ("step:clean", "y = raw_df"),
    )
    result = promote("check", write_nb(tmp_path / "bad.ipynb", nb))
    assert result.returncode == 1
    assert (
        "error: cell 3 (step \"clean\"): name 'raw_df' is used but only defined in a skip cell"
        " (cell 2); move its definition into a step or remove the skip tag"
    ) in result.stdout
    assert "1 error(s), 0 warning(s)" in result.stdout


def test_unreadable_notebook_exit_code_and_json_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    result = promote("check", str(bad))
    assert result.returncode == 1
    assert "is not valid JSON (line 1, column 2" in result.stderr
    assert "Traceback" not in result.stderr
    as_json = promote("check", "--json", str(bad))
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["error"] == "NotebookError"


def test_several_notebooks_fail_if_any_fails(tmp_path):
    good = EXAMPLES / "loans.ipynb"
    result = promote("check", "--json", str(good), str(tmp_path / "missing.ipynb"))
    assert result.returncode == 1
    docs = json.loads(result.stdout)
    assert docs[0]["order"][0] == "load"
    assert docs[1]["error"] == "NotebookNotFound"


def test_usage_error_exit_code_2():
    result = promote("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_check_execute_runs_offline_and_prints_step_times(tmp_path):
    result = promote(
        "check",
        "--execute",
        str(EXAMPLES / "loans.ipynb"),
        "--cwd",
        str(tmp_path),
        "--project-dir",
        str(tmp_path),
        env={"PREFECT_API_URL": None},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Dry run of" in out and "fresh kernel with default parameters" in out
    for number, name in enumerate(["load", "clean", "features", "allocation"], 1):
        assert f"[{number}/4] {name} ok in " in out
    assert "dry run passed" in out
    assert (tmp_path / "output" / "allocation_2026-11-01.csv").is_file()


def test_check_execute_reports_hidden_state(tmp_path):
    nb = make_nb(
        ("step:load", "raw = [1, 2, 3]"),
        ("skip", "threshold = 2"),
        ("step:clean", "clean = [r for r in raw if r > threshold]"),
    )
    result = promote(
        "check",
        "--execute",
        write_nb(tmp_path / "hidden.ipynb", nb),
        "--project-dir",
        str(tmp_path),
    )
    assert result.returncode == 1
    out = result.stdout
    assert "[1/2] load ok in" in out
    assert "[2/2] clean FAILED in" in out
    assert (
        "error: cell 3 (step \"clean\"): NameError: name 'threshold' is not defined;"
        " 'threshold' is defined only in skip cell 2: it existed in your exploration kernel"
    ) in out
    assert "dry run FAILED" in out
    # the hint points at the executed notebook: it is there, its path printed, the cell marked
    [printed] = [line for line in out.splitlines() if line.startswith("executed notebook: ")]
    executed = Path(printed.removeprefix("executed notebook: "))
    assert executed.parent == tmp_path / "runs" / "dry-runs" and executed.is_file()
    cells = nbformat.read(executed, as_version=4).cells
    assert [c.metadata.get("jupyter_promote", {}).get("failed") for c in cells].count(True) == 1


def test_check_execute_with_a_cycle_runs_nothing(tmp_path):
    nb = make_nb(("step:a after:b", "x = 1"), ("step:b", "y = x"))
    result = promote(
        "check", "--execute", write_nb(tmp_path / "cycle.ipynb", nb), "--project-dir", str(tmp_path)
    )
    assert result.returncode == 1
    assert "error: nothing can run: fix the errors above first" in result.stdout


def test_tag_from_headings_tags_the_file_in_place_keeping_mode_and_symlink(tmp_path):
    import os
    import stat

    nb = make_nb(
        ("#md", "# Loans"),
        ("#md", "## Load the data"),
        "raw = [1, 2, 3]",
        ("#md", "## Clean"),
        "clean = [r for r in raw if r > 1]",
    )
    real = Path(write_nb(tmp_path / "real.ipynb", nb))
    os.chmod(real, 0o640)
    link = tmp_path / "link.ipynb"
    link.symlink_to(real)
    dry = promote("tag", "--from-headings", str(link), "--dry-run")
    assert dry.returncode == 0 and "would tag cell 3: step:load" in dry.stdout
    assert "step:" not in real.read_text()
    result = promote("tag", "--from-headings", str(link))
    assert result.returncode == 0, result.stderr
    assert "tagged cell 3: step:load  (heading 'Load the data')" in result.stdout
    assert "tagged cell 5: step:clean  (heading 'Clean')" in result.stdout
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o640
    checked = check_json(link)
    assert checked["order"] == ["load", "clean"] and checked["suggested_steps"] == []
    again = promote("tag", "--from-headings", str(link))
    assert again.returncode == 0 and "nothing to tag" in again.stdout
