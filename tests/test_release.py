"""Releases and runbooks: content-addressed versions, atomic immutable folders, the pipeline
lock, and the generated runbook.

The runbook is tested as text against golden files in ``tests/golden/``. After an intended
change to the runbook's wording or layout, regenerate them and review the diff::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_release.py

With ``UPDATE_GOLDEN=1`` the golden tests rewrite their files and pass; without it they compare
exactly.
"""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
import yaml
from pydantic import ValidationError

from jupyter_promote.analysis.notebook import read_notebook
from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.errors import PromoteError
from jupyter_promote.expectations import add_expectations, parse_expect_line
from jupyter_promote.release.runbook import render_runbook, runbook_summary
from jupyter_promote.release.settings import PromotionSettings
from jupyter_promote.release.store import (
    ReleaseBusy,
    ReleaseNotFound,
    current_release,
    list_releases,
    pipeline_lock,
    read_release,
    set_current,
)
from jupyter_promote.release.version import release_version
from jupyter_promote.release.writer import mark_deployed, write_release
from nbbuild import make_nb

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
LOANS = ROOT / "example_notebooks" / "loans.ipynb"
AT = datetime(2026, 11, 2, 7, 15, tzinfo=timezone.utc)
LOCK = ["pandas==2.2.3", "numpy==2.1.0"]

SETTINGS = PromotionSettings(
    name="loans",
    owner="ana@example.com",
    team="credit-risk",
    schedule="0 6 * * 1-5",
    timezone="Europe/London",
    sla="08:30",
    tier="critical",
    consumers=["regulatory capital report", "treasury"],
    reads=["synthetic loan book (generated)"],
    writes=["output/allocation_AS_OF.csv"],
    work_pool="risk-pool",
    notify="block:credit-risk-webhook",
)


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/NAME``; rewrite the file when UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing; create it with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if intended, rerun with UPDATE_GOLDEN=1"
    )


@pytest.fixture(scope="module")
def loans():
    loaded = read_notebook(LOANS)
    return loaded.nb, analyze_notebook(loaded.nb, "example_notebooks/loans.ipynb")


def small_nb():
    nb = make_nb(
        ("parameters", "n = 3  # how many rows"),
        ("setup", "import math"),
        ("step:load", "rows = list(range(n))"),
        ("step:total", "total = sum(rows)"),
    )
    _, configs = parse_expect_line("rows: rows >= 1")
    add_expectations(nb, "load", "rows", configs)
    return nb


def small_settings(**changes):
    return PromotionSettings(name="small", owner="bob", **changes)


def write(tmp_path, nb=None, settings=None, at=AT, **kwargs):
    nb = small_nb() if nb is None else nb
    settings = settings or small_settings()
    return write_release(
        tmp_path / "pipelines",
        nb,
        analyze_notebook(nb, "work/small.ipynb"),
        settings,
        promoted_by=kwargs.pop("promoted_by", "bob"),
        promoted_at=at,
        dry_run=kwargs.pop("dry_run", "passed"),
        environment_lock=kwargs.pop("environment_lock", LOCK),
        schedule_text="not scheduled",
    )


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


# -- runbook --------------------------------------------------------------------------------------


def test_runbook_matches_golden(loans):
    _, spec = loans
    text = render_runbook(
        spec,
        SETTINGS,
        version="0123456789ab",
        schedule_text="at 06:00, Monday to Friday, Europe/London",
        promoted_by="ana@example.com",
        promoted_at=AT,
        dry_run="passed",
    )
    check_golden("runbook_loans.md", text)


def test_runbook_minimal_pipeline_matches_golden():
    nb = make_nb(("step:only", "x = 1"))
    spec = analyze_notebook(nb, "scratch.ipynb")
    settings = PromotionSettings(name="scratch", owner="bob")
    text = render_runbook(
        spec,
        settings,
        version="ba9876543210",
        schedule_text="not scheduled (runs only when started by hand)",
        promoted_by="bob",
        promoted_at="2026-01-02T03:04:05+00:00",
        dry_run="skipped (--no-dry-run)",
    )
    check_golden("runbook_minimal.md", text)


def test_runbook_summary_names_steps_owner_contact_tier_and_sla(loans):
    _, spec = loans
    summary = runbook_summary(spec, SETTINGS)
    assert "loans.ipynb" in summary
    assert "load → clean → features → allocation" in summary
    assert "contact: ana@example.com" in summary
    assert "critical" in summary and "08:30 Europe/London" in summary
    assert 2 <= summary.count(". ") + 1 <= 3
    assert "\n" not in summary


def test_runbook_names_the_notification_block(loans):
    _, spec = loans
    text = render_runbook(
        spec,
        SETTINGS,
        version="0123456789ab",
        schedule_text="s",
        promoted_by="a",
        promoted_at=AT,
        dry_run="passed",
    )
    assert "| Alerts go to | the Prefect notification block credit-risk-webhook |" in text
    assert "alerts go to the Prefect notification block credit-risk-webhook" in (
        runbook_summary(spec, SETTINGS)
    )


# -- versions -------------------------------------------------------------------------------------


def test_same_content_same_version(loans):
    nb, _ = loans
    assert release_version(nb, SETTINGS) == release_version(copy.deepcopy(nb), SETTINGS)
    assert len(release_version(nb, SETTINGS)) == 12
    assert set(release_version(nb, SETTINGS)) <= set("0123456789abcdef")


def test_outputs_counts_ids_and_volatile_metadata_do_not_change_the_version(loans):
    nb, _ = loans
    executed = copy.deepcopy(nb)
    for i, cell in enumerate(executed.cells):
        cell.id = f"other-{i}"
        if cell.cell_type == "code":
            cell.execution_count = i + 40
            cell.outputs = [nbformat.v4.new_output("stream", text=f"run {i}\n")]
            cell.metadata.update(collapsed=True, scrolled=True, execution={"iopub.x": "t"})
    executed.metadata["language_info"] = {"name": "python", "version": "3.99.0"}
    executed.metadata["widgets"] = {"state": {}}
    executed.metadata["jupyter_promote"]["promotion"] = {"name": "loans", "owner": "x"}
    assert release_version(executed, SETTINGS) == release_version(nb, SETTINGS)


def test_a_changed_cell_tag_or_expectation_changes_the_version(loans):
    nb, _ = loans
    base = release_version(nb, SETTINGS)
    code = copy.deepcopy(nb)
    code.cells[5].source += "\n"
    tags = copy.deepcopy(nb)
    tags.cells[5].metadata.setdefault("tags", []).append("after:load")
    markdown = copy.deepcopy(nb)
    markdown.cells[0].source += " (edited)"
    expectation = copy.deepcopy(nb)
    _, configs = parse_expect_line("loans_clean: amount between 0 and 1")
    add_expectations(expectation, "clean", "loans_clean", configs)
    versions = {release_version(x, SETTINGS) for x in (code, tags, markdown, expectation)}
    assert base not in versions and len(versions) == 4


@pytest.mark.parametrize(
    "change",
    [
        {"owner": "someone-else"},
        {"schedule": "0 7 * * 1-5"},
        {"timezone": "UTC"},
        {"tier": "high"},
        {"consumers": ["treasury"]},
        {"work_pool": "other"},
        {"notify": ""},
    ],
)
def test_a_changed_setting_changes_the_version(loans, change):
    nb, _ = loans
    changed = SETTINGS.model_copy(update=change)
    assert release_version(nb, changed) != release_version(nb, SETTINGS)


# -- writing --------------------------------------------------------------------------------------


def test_write_release_creates_every_file(tmp_path, loans):
    nb, spec = loans
    pipelines = tmp_path / "pipelines"
    folder, manifest, created = write_release(
        pipelines,
        nb,
        spec,
        SETTINGS,
        promoted_by="ana@example.com",
        promoted_at=AT,
        dry_run="passed",
        environment_lock=LOCK,
        schedule_text="at 06:00, Monday to Friday, Europe/London",
    )
    version = release_version(nb, SETTINGS)
    assert created and folder == pipelines / "loans" / version and manifest.version == version
    assert sorted(p.name for p in folder.iterdir()) == [
        "RUNBOOK.md",
        "expectations",
        "flow.py",
        "manifest.yaml",
        "notebook.ipynb",
        "requirements.lock",
    ]
    entrypoint = (folder / "flow.py").read_text()
    compile(entrypoint, "flow.py", "exec")  # valid Python
    assert "@flow(name='loans', persist_result=False, log_prints=False)" in entrypoint
    assert "    as_of: str = '2026-11-01'," in entrypoint
    assert "    min_score: int = 600," in entrypoint
    assert "    max_allocation: float = 0.25," in entrypoint

    copy_nb = nbformat.read(folder / "notebook.ipynb", as_version=4)
    nbformat.validate(copy_nb)
    code = [c for c in copy_nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.source for c in copy_nb.cells] == [c.source for c in nb.cells]
    assert release_version(copy_nb, SETTINGS) == version

    suites = sorted(p.name for p in (folder / "expectations").iterdir())
    assert suites == ["allocation.allocation.json", "clean.loans_clean.json"]
    suite = json.loads((folder / "expectations" / "clean.loans_clean.json").read_text())
    assert set(suite) == {"name", "expectations", "meta"} and suite["name"] == "clean.loans_clean"
    assert {e["type"] for e in suite["expectations"]} >= {"expect_column_values_to_be_unique"}
    assert all(set(e) == {"type", "kwargs", "meta", "severity"} for e in suite["expectations"])

    data = yaml.safe_load((folder / "manifest.yaml").read_text())
    assert list(data) == list(type(manifest).model_fields)
    assert data["name"] == "loans" and data["version"] == version
    assert data["owner"] == "ana@example.com" and data["tier"] == "critical"
    assert data["steps"] == ["load", "clean", "features", "allocation"]
    assert data["parameters"][0] == {
        "name": "as_of",
        "type": "str",
        "default": "2026-11-01",
        "description": "business date of the report (ISO format)",
    }
    assert data["promoted_at"] == "2026-11-02T07:15:00+00:00"
    assert data["source_notebook"] == "example_notebooks/loans.ipynb"
    assert data["deployed"] is False and data["deployment_id"] is None
    assert data["previous_version"] is None and data["dry_run"] == "passed"

    assert (folder / "RUNBOOK.md").read_text() == render_runbook(
        spec,
        SETTINGS,
        version=version,
        schedule_text="at 06:00, Monday to Friday, Europe/London",
        promoted_by="ana@example.com",
        promoted_at=AT,
        dry_run="passed",
        release_notebook=f"pipelines/loans/{version}/notebook.ipynb",
    )
    assert (folder / "requirements.lock").read_text() == "pandas==2.2.3\nnumpy==2.1.0\n"


def test_writing_the_same_content_again_is_a_no_op(tmp_path):
    folder, first, created = write(tmp_path)
    before = snapshot(folder)
    again, second, created_again = write(tmp_path, at=datetime.now(timezone.utc))
    assert created and not created_again
    assert again == folder and second == first
    assert snapshot(folder) == before
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".tmp")] == []


def _write_in_process(root: str, queue) -> None:
    queue.put(write(Path(root))[2])


def _assert_one_complete_release(tmp_path, results):
    assert sorted(results) == [False] * (len(results) - 1) + [True]
    pipeline = tmp_path / "pipelines" / "small"
    assert sorted(p.name for p in pipeline.iterdir()) == [
        release_version(small_nb(), small_settings())
    ]
    (folder,) = pipeline.iterdir()
    assert len(list((folder / "expectations").iterdir())) == 1
    assert {p.name for p in folder.iterdir()} >= {"manifest.yaml", "notebook.ipynb", "RUNBOOK.md"}
    assert read_release(tmp_path / "pipelines", "small", folder.name).version == folder.name


def test_concurrent_threads_writing_one_version_create_it_once(tmp_path):
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        results.append(write(tmp_path)[2])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _assert_one_complete_release(tmp_path, results)


def test_concurrent_processes_writing_one_version_create_it_once(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_write_in_process, args=(tmp_path, queue)) for _ in range(4)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=60) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    _assert_one_complete_release(tmp_path, results)


def test_a_failure_mid_write_leaves_nothing_behind(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(yaml, "safe_dump", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write(tmp_path)
    pipeline = tmp_path / "pipelines" / "small"
    assert [p.name for p in pipeline.iterdir()] == []
    monkeypatch.undo()
    assert write(tmp_path)[2] is True


def test_nothing_from_the_environment_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_KEY", "pnu_supersecretvalue")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "awssecretvalue42")
    lock = ["pandas==2.2.3", "private @ git+https://user:ghp_tokenvalue@github.com/org/p.git"]
    folder, _, _ = write(tmp_path, environment_lock=lock)
    written = "".join(p.read_text() for p in folder.rglob("*") if p.is_file())
    for secret in ("pnu_supersecretvalue", "awssecretvalue42", "ghp_tokenvalue", "user:"):
        assert secret not in written
    assert "git+https://github.com/org/p.git" in (folder / "requirements.lock").read_text()


def test_bad_manifest_values_are_refused(tmp_path):
    with pytest.raises(ValidationError, match="dry_run"):
        write(tmp_path, dry_run="maybe")
    with pytest.raises(ValidationError, match="timezone"):
        write(tmp_path, at="2026-11-02T07:15:00")
    assert not (tmp_path / "pipelines" / "small").exists()  # refused before writing anything


# -- the lock -------------------------------------------------------------------------------------


def test_pipeline_lock_contention_raises_release_busy(tmp_path):
    pipelines = tmp_path / "pipelines"
    errors: list[BaseException] = []

    def contender():
        try:
            with pipeline_lock(pipelines, "small", timeout=0.2):
                pass
        except BaseException as exc:
            errors.append(exc)

    with pipeline_lock(pipelines, "small"):
        thread = threading.Thread(target=contender)
        thread.start()
        thread.join()
    (error,) = errors
    assert isinstance(error, ReleaseBusy) and isinstance(error, PromoteError)
    assert error.http_status == 409
    assert str(error) == "another promotion of small is in progress; try again when it has finished"
    with pipeline_lock(pipelines, "small", timeout=0.2):  # free again once released
        pass


def test_pipeline_lock_holds_across_processes(tmp_path):
    code = (
        "import sys; from jupyter_promote.release.store import pipeline_lock, ReleaseBusy\n"
        "try:\n"
        "    with pipeline_lock(sys.argv[1], 'small', timeout=0.2): print('got it')\n"
        "except ReleaseBusy as exc: print(exc)\n"
    )
    with pipeline_lock(tmp_path, "small"):
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
        ).stdout
    assert out.startswith("another promotion of small is in progress")


def test_pipeline_names_cannot_escape_the_pipelines_folder(tmp_path):
    with pytest.raises(PromoteError, match="cannot name a pipeline folder"):
        list_releases(tmp_path, "../etc")


# -- deployed, listing, current -------------------------------------------------------------------


def test_mark_deployed_changes_only_the_manifest(tmp_path):
    folder, manifest, _ = write(tmp_path)
    notebook_mtime = (folder / "notebook.ipynb").stat().st_mtime_ns
    updated = mark_deployed(folder, "d3b07384-0000-4000-8000-000000000001")
    assert updated.deployed and updated.deployment_id.startswith("d3b07384")
    assert updated.model_copy(update={"deployed": False, "deployment_id": None}) == manifest
    data = yaml.safe_load((folder / "manifest.yaml").read_text())
    assert data["deployed"] is True and data["deployment_id"] == updated.deployment_id
    assert (folder / "notebook.ipynb").stat().st_mtime_ns == notebook_mtime
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_list_read_current_and_set_current(tmp_path):
    pipelines = tmp_path / "pipelines"
    assert list_releases(pipelines, "small") == []
    assert current_release(pipelines, "small") is None
    first, v1, _ = write(tmp_path)
    second, v2, _ = write(tmp_path, settings=small_settings(tier="high"), at=AT.replace(hour=9))
    assert v2.previous_version == v1.version  # newest release when none is current yet
    assert [m.version for m in list_releases(pipelines, "small")] == [v1.version, v2.version]
    assert read_release(pipelines, "small", v2.version) == v2
    assert current_release(pipelines, "small") is None

    mark_deployed(first, "dep-1")
    mark_deployed(second, "dep-1")
    assert current_release(pipelines, "small").version == v2.version  # newest deployed
    assert set_current(pipelines, "small", v1.version).version == v1.version
    assert (pipelines / "small" / "CURRENT").read_text() == v1.version + "\n"
    assert current_release(pipelines, "small").version == v1.version  # the pointer wins

    _, v3, _ = write(tmp_path, settings=small_settings(tier="low"), at=AT.replace(hour=10))
    assert v3.previous_version == v1.version  # the current release, not the newest


def test_release_not_found_lists_known_versions(tmp_path):
    pipelines = tmp_path / "pipelines"
    with pytest.raises(ReleaseNotFound) as empty:
        read_release(pipelines, "small", "0123456789ab")
    assert str(empty.value) == "small has no release '0123456789ab'; small has no releases yet"
    _, manifest, _ = write(tmp_path)
    for missing in ("0123456789ab", "../../etc", ""):
        with pytest.raises(ReleaseNotFound) as err:
            read_release(pipelines, "small", missing)
        assert err.value.http_status == 404
        assert str(err.value).endswith(f"; known versions: {manifest.version}")
        assert err.value.to_dict()["known_versions"] == [manifest.version]
    with pytest.raises(ReleaseNotFound):
        set_current(pipelines, "small", "0123456789ab")
    assert not (pipelines / "small" / "CURRENT").exists()


# -- purity ---------------------------------------------------------------------------------------


def test_release_and_runbook_import_nothing_heavy():
    forbidden = ["tornado", "jupyter_server", "IPython", "prefect", "great_expectations"]
    code = (
        "import sys, json; import jupyter_promote.release.writer, "
        "jupyter_promote.release.runbook; "
        f"print(json.dumps([m for m in {forbidden!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_setting_a_field_to_its_default_keeps_the_version(loans):
    nb, _ = loans
    explicit = PromotionSettings(name="loans", owner="ana", work_pool="jupyter-promote", team="")
    assert release_version(nb, explicit) == release_version(
        nb, PromotionSettings(name="loans", owner="ana")
    )


def test_old_notebooks_without_a_metadata_schema_version_are_released(tmp_path):
    nb = small_nb()
    del nb.metadata["jupyter_promote"]["schema_version"]
    folder, _, created = write(tmp_path, nb=nb)
    assert created
    saved = nbformat.read(folder / "notebook.ipynb", as_version=4)
    assert list(saved.metadata["jupyter_promote"]) == ["expectations"]
