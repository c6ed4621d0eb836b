"""The Promote panel in a real JupyterLab driven by a real headless Chromium (Python playwright),
promoting to the session's real Prefect server: graph and badges, the start-step command,
expectations, dry run, a field problem as the server words it, promotion, the pipelines list
(pause, resume, run now), and the render timing of a 200-cell notebook.

The tests share one JupyterLab and one page and run in file order, as one story.
Screenshots of every panel section go to a temporary folder in each run (its path is printed);
``UPDATE_SCREENSHOTS=1`` also copies the ones the README shows to ``docs/images/lab-*.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
from labserver import CHROMIUM, launch_chromium, open_panel, start_lab

from nbbuild import make_nb, write_nb

pytestmark = [
    pytest.mark.browser,
    pytest.mark.prefect,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

ROOT = Path(__file__).resolve().parents[1]
LOANS = ROOT / "example_notebooks" / "loans.ipynb"
IMAGES = ROOT / "docs" / "images"
README_SHOTS = {"graph", "expectations", "promote", "pipelines"}
YEARLY = "0 6 1 1 *"  # a schedule that does not fire during the tests
PIPELINE = "lab-loans"
SECONDS = 1000  # playwright timeouts are in ms
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}  # Prefect state types


# pytest-jupyter's plugin, loaded by other modules of the session, adds two autouse fixtures: a
# loop that would take playwright's running loop as its own and fail closing it, and a cleanup of
# an in-process ServerApp. These tests drive a JupyterLab subprocess through playwright's sync
# API: neither applies.
@pytest.fixture
def jp_asyncio_loop():
    yield None


@pytest.fixture
def jp_server_cleanup():
    yield


@pytest.fixture(scope="module")
def lab(prefect_server, tmp_path_factory):
    """JupyterLab on a temporary project (loans.ipynb, big.ipynb), promoting to the session's
    Prefect server (its PREFECT_API_URL is in os.environ)."""
    home = tmp_path_factory.mktemp("lab")
    project = home / "project"
    project.mkdir()
    shutil.copy(LOANS, project / "loans.ipynb")
    write_nb(project / "big.ipynb", big_notebook())
    server = start_lab(project, home, dict(os.environ))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        page = context.new_page()
        page.set_default_timeout(30 * SECONDS)
        yield page
        context.close()
        browser.close()


@pytest.fixture(scope="module")
def snap(page, tmp_path_factory):
    """``snap(target, name)``: screenshot of the page or an element into this run's folder (and
    docs/images on request); elements are taken in a tall window so long sections fit."""
    folder = tmp_path_factory.mktemp("lab-screenshots")
    print(f"\nscreenshots: {folder}")

    def take(target, name: str) -> Path:
        path = folder / f"{name}.png"
        if target is page:
            page.screenshot(path=str(path))
        else:
            size = page.viewport_size
            page.set_viewport_size({"width": size["width"], "height": 2400})
            page.wait_for_timeout(300)  # JupyterLab lays out again on resize
            target.screenshot(path=str(path))
            page.set_viewport_size(size)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1" and name in README_SHOTS:
            IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, IMAGES / f"lab-{name}.png")
        return path

    return take


def big_notebook():
    """200 cells: parameters, setup, 25 steps of 7 plain cells and a markdown cell each."""
    cells: list = [("parameters", "n: int = 3"), ("setup", "import math")]
    for s in range(25):
        prev = f"rows_{s - 1}" if s else "list(range(n))"
        cells.append((f"step:s{s}", f"rows_{s} = [math.sqrt(v) for v in {prev}]"))
        cells += [f"rows_{s}.append({k})\ntotal_{s}_{k} = sum(rows_{s})" for k in range(6)]
        cells.append(("#md", f"## Step {s}"))
    return make_nb(*cells)


def open_notebook(page, lab, path: str) -> None:
    """Open ``path`` by its URL; once the layout is restored, run "Open the Promote panel"."""
    page.goto(lab.tree_url(path))
    open_panel(page)
    page.locator(f'.jp-Promote-notebookPath[data-jp-promote-path="{path}"]').wait_for()


def widen_sidebar(page, width: int = 520) -> None:
    """Drag the sidebar's edge so the panel's screenshots are readable."""
    box = page.locator("#jp-left-stack").bounding_box()
    edge = box["x"] + box["width"] + 2
    page.mouse.move(edge, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + width, box["y"] + 300, steps=5)
    page.mouse.up()


def cell(page, index: int):
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)


def badge(page, index: int):
    return cell(page, index).locator(":scope > .jp-Promote-badge")


def saved_notebook(lab, path: str, until, timeout: float = 10):
    """The notebook file as saved, once ``until(nb)`` holds (the save is asynchronous, and
    Jupyter Server writes the file in place: a read can catch it empty or half written)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = nbformat.read(lab.root / path, as_version=4)
        except (nbformat.reader.NotJSONError, json.JSONDecodeError):
            if time.monotonic() > deadline:
                raise
        else:
            if until(nb) or time.monotonic() > deadline:
                return nb
        time.sleep(0.2)


def save(page) -> None:
    page.keyboard.press("Control+s")
    page.locator(".jp-NotebookPanel:visible .jp-mod-dirty").wait_for(state="detached")


def rest(lab, route: str, body: dict | None = None) -> dict:
    """Call the server extension's REST API directly, as the panel does."""
    request = urllib.request.Request(
        f"{lab.base_url}jupyter-promote/api/{route}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


# -- the story --------------------------------------------------------------------------------


def test_panel_shows_the_step_graph_and_cell_badges(page, lab, snap):
    from playwright.sync_api import expect

    open_notebook(page, lab, "loans.ipynb")
    widen_sidebar(page)
    graph = page.locator('#jp-promote-pipeline .jp-Promote-graph[data-jp-promote-steps="4"]')
    expect(graph).to_be_visible()
    for step in ("load", "clean", "features", "allocation"):
        node = graph.locator(f'g.jp-Promote-node[data-jp-promote-step="{step}"]')
        expect(node.locator("text")).to_have_text(step)
    edges = graph.locator("path.jp-Promote-edge")
    names = {edges.nth(i).get_attribute("data-jp-promote-edge") for i in range(edges.count())}
    assert {"load->clean", "clean->features", "features->allocation"} <= names
    expect(
        page.locator('#jp-promote-parameters tr[data-jp-promote-parameter="min_score"]')
    ).to_be_visible()
    expect(page.locator("#jp-promote-problems")).to_have_attribute("data-jp-promote-count", "0")

    # badges are computed from the tags: cell 1 parameters, 3 setup, 5 starts load, 6 in load
    expected = {1: ("parameters", "parameters"), 3: ("setup", "setup"), 5: ("load", "step")}
    expected |= {6: ("load", "step-cell"), 7: ("skip", "skip"), 9: ("clean", "step")}
    for index, (label, kind) in expected.items():
        expect(badge(page, index)).to_have_attribute("data-jp-promote-badge", label)
        expect(badge(page, index)).to_have_attribute("data-jp-promote-kind", kind)
    expect(badge(page, 0)).to_have_count(0)  # markdown
    cell(page, 5).scroll_into_view_if_needed()
    snap(page, "graph")
    snap(page.locator("#jp-promote-pipeline"), "pipeline-section")


def test_start_step_from_the_cell_context_menu(page, lab, snap):
    from playwright.sync_api import expect

    target = cell(page, 10)  # dq_summary = ..., so far part of step "clean"
    expect(badge(page, 10)).to_have_attribute("data-jp-promote-kind", "step-cell")
    target.locator(".jp-InputArea-editor").click(button="right")
    page.locator(".lm-Menu-item", has_text="Start step here...").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill("dq_report")
    dialog.locator(".jp-mod-accept").click()

    expect(badge(page, 10)).to_have_attribute("data-jp-promote-badge", "dq_report")
    expect(badge(page, 10)).to_have_attribute("data-jp-promote-kind", "step")
    graph = page.locator('#jp-promote-pipeline .jp-Promote-graph[data-jp-promote-steps="5"]')
    expect(graph.locator('g.jp-Promote-node[data-jp-promote-step="dq_report"]')).to_be_visible()
    expect(graph.locator('path[data-jp-promote-edge="clean->dq_report"]')).to_have_count(1)
    snap(page, "start-step")

    save(page)
    nb = saved_notebook(lab, "loans.ipynb", lambda nb: "tags" in nb.cells[10].metadata)
    assert nb.cells[10].metadata["tags"] == ["step:dq_report"]


def test_add_an_expectation_from_the_panel(page, lab, snap):
    from playwright.sync_api import expect

    section = page.locator("#jp-promote-expectations")
    section.locator("#jp-promote-exp-variable").fill("features")
    section.locator("#jp-promote-exp-line").fill("n_loans >= 1")
    expect(section.locator("#jp-promote-exp-parsed")).to_contain_text("features: features:")
    section.locator("#jp-promote-exp-add").click()
    suite = section.locator(
        '.jp-Promote-suite[data-jp-promote-step="features"][data-jp-promote-variable="features"]'
    )
    expect(suite.locator("li.jp-Promote-expectation")).to_have_count(1)
    expect(suite.locator("li.jp-Promote-expectation")).to_have_attribute(
        "data-jp-promote-level", "error"
    )
    expect(section.locator("#jp-promote-exp-line")).to_have_value("")
    snap(section, "expectations")

    save(page)
    meta = saved_notebook(
        lab, "loans.ipynb", lambda nb: "features" in nb.metadata["jupyter_promote"]["expectations"]
    ).metadata["jupyter_promote"]["expectations"]
    [added] = meta["features"]["features"]["expectations"]
    assert added["kwargs"]["column"] == "n_loans" and added["kwargs"]["min_value"] == 1


def test_dry_run_shows_each_step_then_success(page, lab, snap):
    from playwright.sync_api import expect

    section = page.locator("#jp-promote-promote")
    section.locator("#jp-promote-dry-run").click()
    job = section.locator('#jp-promote-job[data-jp-promote-job-kind="dry-run"]')
    expect(job).to_have_attribute(
        "data-jp-promote-job-state", re.compile("succeeded|failed"), timeout=180 * SECONDS
    )
    expect(job).to_have_attribute("data-jp-promote-job-state", "succeeded")
    for step in ("load", "clean", "dq_report", "features", "allocation"):
        done = job.locator(
            f'li[data-jp-promote-event-step="{step}"][data-jp-promote-event-state="completed"]'
        )
        expect(done).to_have_count(1)
    executed = job.locator('#jp-promote-result [data-jp-promote-link="executed-notebook"]')
    expect(executed).to_have_count(1)
    assert Path(lab.root, executed.get_attribute("title")).is_file()
    snap(section, "dry-run")


def test_invalid_cron_shows_the_servers_field_problem(page, lab, snap):
    from playwright.sync_api import expect

    form = page.locator("#jp-promote-form")
    form.locator("#jp-promote-form-name").fill(PIPELINE)
    form.locator("#jp-promote-form-owner").fill("ana")
    form.locator("#jp-promote-form-scheduleKind").select_option("cron")
    form.locator("#jp-promote-form-schedule").fill("0 25 * * *")
    problem = form.locator('[data-jp-promote-problem="schedule"]')
    expect(problem).to_be_visible()
    said = rest(
        lab,
        "promote/preview",
        {"settings": {"name": PIPELINE, "owner": "ana", "schedule": "0 25 * * *"}},
    )
    expected = [p["message"] for p in said["problems"] if p["field"] == "schedule"]
    assert expected and problem.inner_text() == "; ".join(expected)
    expect(form.locator("#jp-promote-preview")).to_have_attribute("data-jp-promote-ok", "false")
    expect(form.locator("#jp-promote-submit")).to_be_disabled()
    snap(form, "field-problem")


def test_promote_to_prefect_then_see_the_result(page, lab, prefect_server, snap):
    from playwright.sync_api import expect

    form = page.locator("#jp-promote-form")
    form.locator("#jp-promote-form-schedule").fill(YEARLY)
    form.locator("#jp-promote-form-tier").select_option("critical")
    form.locator("#jp-promote-form-team").fill("capital-markets")
    expect(form.locator("#jp-promote-preview")).to_have_attribute("data-jp-promote-ok", "true")
    expect(form.locator('[data-jp-promote-problem="schedule"]')).to_have_count(0)
    save(page)  # start clean: after the promotion, only the remembered form is unsaved
    sent: list[dict] = []
    page.on(
        "request",
        lambda r: (
            sent.append(json.loads(r.post_data or "{}"))
            if "/jupyter-promote/api/jobs" in r.url and r.method == "POST"
            else None
        ),
    )
    form.locator("#jp-promote-submit").click()
    job = form.locator('#jp-promote-job[data-jp-promote-job-kind="promote"]')
    expect(job).to_have_attribute(
        "data-jp-promote-job-state", re.compile("succeeded|failed"), timeout=180 * SECONDS
    )
    expect(job).to_have_attribute("data-jp-promote-job-state", "succeeded")
    assert sent and sent[-1]["remember_in_file"] is False
    # the form is remembered in the open notebook, not behind JupyterLab's back in the file
    expect(form.locator("#jp-promote-remembered")).to_be_visible()
    on_disk = nbformat.read(lab.root / "loans.ipynb", as_version=4)
    assert "promotion" not in on_disk.metadata.get("jupyter_promote", {})
    save(page)  # waits until clean: a "file changed on disk" dialog would stop it
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    kept = saved_notebook(
        lab, "loans.ipynb", lambda nb: "promotion" in nb.metadata.get("jupyter_promote", {})
    ).metadata["jupyter_promote"]
    assert kept["promotion"]["name"] == PIPELINE and kept["promotion"]["schedule"] == YEARLY
    assert kept["expectations"]["clean"]["loans_clean"]  # the rest of the namespace is kept
    for step, state in [("checks", "completed"), ("release", "completed")]:
        expect(
            job.locator(
                f'li[data-jp-promote-event-step="{step}"][data-jp-promote-event-state="{state}"]'
            )
        ).to_have_count(1)
    expect(job.locator('li[data-jp-promote-event-step="deployment"]').last).to_have_attribute(
        "data-jp-promote-event-state", "completed"
    )
    result = form.locator("#jp-promote-result")
    [version] = [p.name for p in (lab.root / "pipelines" / PIPELINE).iterdir() if p.is_dir()]
    expect(result).to_contain_text(f"{PIPELINE} version {version}")
    link = result.locator('[data-jp-promote-link="prefect-ui"]')
    assert link.get_attribute("href").startswith(prefect_server.ui_url.rstrip("/"))
    expect(result.locator('[data-jp-promote-link="runbook"]')).to_be_visible()
    assert (lab.root / "pipelines" / PIPELINE / version / "RUNBOOK.md").is_file()
    snap(page.locator("#jp-promote-promote"), "promote")

    deployment_id = link.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
    with prefect_server.client() as client:
        deployment = client.read_deployment(deployment_id)
    assert deployment.name == PIPELINE and deployment.version == version
    assert "owner:ana" in deployment.tags and not deployment.paused


def test_pipelines_list_pause_resume_and_run_now(page, lab, prefect_server, snap):
    from playwright.sync_api import expect

    section = page.locator("#jp-promote-pipelines")
    section.locator("#jp-promote-pipelines-refresh").click()
    row = section.locator(f'tr[data-jp-promote-pipeline="{PIPELINE}"]')
    expect(row).to_have_attribute("data-jp-promote-paused", "false")
    cells = row.locator("td")
    [version] = [p.name for p in (lab.root / "pipelines" / PIPELINE).iterdir() if p.is_dir()]
    expect(cells.nth(1)).to_have_text("ana")
    expect(cells.nth(2)).to_have_text("critical")
    expect(cells.nth(5)).to_have_text(version)
    href = row.locator('[data-jp-promote-link="prefect-ui"]').get_attribute("href")
    deployment_id = href.rstrip("/").rsplit("/", 1)[-1]

    def paused() -> bool:
        with prefect_server.client() as client:
            return bool(client.read_deployment(deployment_id).paused)

    row.locator('[data-jp-promote-action="pause"]').click()
    expect(row).to_have_attribute("data-jp-promote-paused", "true")
    expect(section.locator("#jp-promote-pipelines-note")).to_have_text(f"{PIPELINE} paused")
    assert paused()
    row.locator('[data-jp-promote-action="resume"]').click()
    expect(row).to_have_attribute("data-jp-promote-paused", "false")
    assert not paused()

    row.locator('[data-jp-promote-action="trigger"]').click()
    note = section.locator("#jp-promote-pipelines-note")
    expect(note).to_have_text(re.compile(r"run [0-9a-f-]{36} started"))
    run_id = note.inner_text().split()[1]
    last = row.locator("td[data-jp-promote-last-state]")
    deadline = time.monotonic() + 180
    while last.get_attribute("data-jp-promote-last-state") not in FINAL:
        assert time.monotonic() < deadline, last.get_attribute("data-jp-promote-last-state")
        page.wait_for_timeout(2 * SECONDS)
        section.locator("#jp-promote-pipelines-refresh").click()
    expect(last).to_have_attribute("data-jp-promote-last-state", "COMPLETED")
    with prefect_server.client() as client:
        flow_run = client.read_flow_run(run_id)
    assert flow_run.deployment_id is not None and str(flow_run.deployment_id) == deployment_id
    assert flow_run.state.is_completed()
    expect(row.locator('[data-jp-promote-link="last-notebook"]')).to_be_visible()
    expect(row.locator("td[data-jp-promote-effective-tier]")).to_have_attribute(
        "data-jp-promote-effective-tier", "critical"
    )
    # the lineage around the open notebook's pipeline: it and what it writes
    lineage = page.locator(f'#jp-promote-lineage[data-jp-promote-center="{PIPELINE}"]')
    expect(lineage).to_have_attribute("data-jp-promote-state", "ready", timeout=30 * SECONDS)
    center = lineage.locator(
        f'g.jp-Promote-lineageNode[data-jp-promote-node="pipeline:{PIPELINE}"]'
    )
    expect(center).to_have_attribute("data-jp-promote-effective-tier", "critical")
    written = lineage.locator('g.jp-Promote-lineageNode[data-jp-promote-kind="dataset"]')
    assert written.count() >= 1
    keys = [written.nth(i).get_attribute("data-jp-promote-node") for i in range(written.count())]
    assert "dataset:file:output/allocation_{as_of}.csv" in keys, keys
    snap(lineage, "lineage")

    # the monitor's word: a failed run opens an incident, shown in the health column
    health = row.locator("td[data-jp-promote-health]")
    expect(health).to_have_attribute("data-jp-promote-health", "ok")
    monitor_says_failed(lab.root, PIPELINE)
    section.locator("#jp-promote-pipelines-refresh").click()
    expect(health).to_have_attribute("data-jp-promote-health", "bad")
    expect(health).to_have_text("inc-1: gate-failed")
    assert "blast radius" not in (health.get_attribute("title") or "")  # nothing downstream
    widen_sidebar(page, 900)  # the table's columns
    snap(section, "pipelines")


def monitor_says_failed(project: Path, pipeline: str) -> None:
    """What the live monitor does with a failed gate's event, through the same service."""
    from jupyter_promote.config import load_config
    from jupyter_promote.services.monitor import MonitorService

    service = MonitorService(load_config(str(project)))
    now = datetime.now(timezone.utc)
    event = {"at": now, "event": "gate-failed", "pipeline": pipeline, "run": "r-browser",
             "step": "clean", "detail": {"expectation": "amount between 0 and 100"}}  # fmt: skip
    [alert] = service.turn([event])
    assert alert.incident == "inc-1"


def test_only_when_triggered_clears_the_schedule(page, lab, prefect_server):
    from playwright.sync_api import expect

    open_notebook(page, lab, "loans.ipynb")
    form = page.locator("#jp-promote-form")
    expect(form.locator("#jp-promote-form-name")).to_have_value(PIPELINE)  # remembered
    form.locator("#jp-promote-form-scheduleKind").select_option("none")
    preview = form.locator("#jp-promote-preview")
    expect(preview).to_have_attribute("data-jp-promote-ok", "true")
    expect(preview.locator(".jp-Promote-scheduleText")).to_have_text(
        "not scheduled (runs only when started by hand)"
    )
    expect(preview.locator(".jp-Promote-nextRuns li")).to_have_count(0)
    form.locator("#jp-promote-submit").click()
    job = form.locator('#jp-promote-job[data-jp-promote-job-kind="promote"]')
    expect(job).to_have_attribute(
        "data-jp-promote-job-state", re.compile("succeeded|failed"), timeout=180 * SECONDS
    )
    expect(job).to_have_attribute("data-jp-promote-job-state", "succeeded")
    with prefect_server.client() as client:
        deployment = client.read_deployment_by_name(f"{PIPELINE}/{PIPELINE}")
    assert deployment.schedules == []
    save(page)


def test_promote_magic_in_the_lab_keeps_the_form_in_the_open_notebook(page, lab):
    from playwright.sync_api import expect

    nb = make_nb(
        ("step:load", "rows = [1, 2, 3]"),
        ("skip", "%load_ext jupyter_promote"),
        ("skip", "%promote --name magic-lab --owner ana --schedule '0 6 1 1 *' --no-dry-run"),
    )
    write_nb(lab.root / "magic.ipynb", nb)
    open_notebook(page, lab, "magic.ipynb")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status"
        " === 'idle'",
        timeout=60 * SECONDS,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    note = cell(page, 2).locator(".jp-Promote-promotionNote")
    expect(note).to_have_attribute("data-jp-promote-applied", "true", timeout=180 * SECONDS)
    expect(cell(page, 2)).to_contain_text("Promoted magic-lab")
    on_disk = nbformat.read(lab.root / "magic.ipynb", as_version=4)
    assert "jupyter_promote" not in on_disk.metadata  # the kernel left the file alone
    save(page)
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    kept = saved_notebook(lab, "magic.ipynb", lambda nb: "jupyter_promote" in nb.metadata)
    assert kept.metadata["jupyter_promote"]["promotion"]["name"] == "magic-lab"


def test_expect_magic_goes_into_the_open_notebook_and_saving_asks_nothing(page, lab, snap):
    # The extension marks the notebook's kernel, so %expect leaves the file alone and the open
    # notebook takes the expectation: saving then overwrites nothing behind JupyterLab's back.
    from playwright.sync_api import expect

    nb = make_nb(
        ("step:load", "import pandas as pd\nloans = pd.DataFrame({'loan_id': [1, 2, 3]})"),
        ("skip", "%load_ext jupyter_promote"),
        ("skip", "%expect loans: loan_id unique"),
        ("skip", "%expect loans: rows >= 1"),  # run-all: the changes apply one after another
        ("skip", "%expect loans: loan_id not null"),
        ("skip", "%expect --remove loans 2"),  # the open notebook has it, the file does not
    )
    write_nb(lab.root / "live.ipynb", nb)
    open_notebook(page, lab, "live.ipynb")
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status"
        " === 'idle'",
        timeout=60 * SECONDS,
    )
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")

    note = cell(page, 2).locator(".jp-Promote-expectationsNote")
    expect(note).to_have_attribute("data-jp-promote-applied", "true", timeout=90 * SECONDS)
    expect(note).to_contain_text('recorded under step "load" in the open notebook: save it')
    removed = cell(page, 5).locator(".jp-Promote-expectationsNote")
    expect(removed).to_have_attribute("data-jp-promote-applied", "true", timeout=90 * SECONDS)
    expect(removed).to_contain_text('removed from step "load" of the open notebook (2 left)')
    on_disk = nbformat.read(lab.root / "live.ipynb", as_version=4)
    assert "expectations" not in on_disk.metadata.get("jupyter_promote", {})
    suite = page.locator(
        '#jp-promote-expectations .jp-Promote-suite[data-jp-promote-step="load"]'
        '[data-jp-promote-variable="loans"]'
    )
    expect(suite.locator("li.jp-Promote-expectation")).to_have_count(2)
    snap(cell(page, 2), "expect-output")

    save(page)  # waits until the notebook is clean: a "file changed" dialog would stop that
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    saved = saved_notebook(
        lab, "live.ipynb", lambda nb: "expectations" in nb.metadata.get("jupyter_promote", {})
    ).metadata["jupyter_promote"]["expectations"]
    assert [e["type"] for e in saved["load"]["loans"]["expectations"]] == [
        "expect_column_values_to_be_unique",
        "expect_table_row_count_to_be_between",
    ]
    # the results %expect showed are the panel's last results, and they outlive a reload
    passed = suite.locator('[data-jp-promote-result="pass"][data-jp-promote-source="expect"]')
    expect(passed).to_have_count(2)
    open_notebook(page, lab, "live.ipynb")
    expect(passed).to_have_count(2)


def test_graph_of_a_200_cell_notebook_is_timed(page, lab, snap):
    from playwright.sync_api import expect

    open_notebook(page, lab, "big.ipynb")
    graph = page.locator('#jp-promote-pipeline .jp-Promote-graph[data-jp-promote-steps="25"]')
    expect(graph).to_be_visible(timeout=60 * SECONDS)
    expect(graph.locator("g.jp-Promote-node")).to_have_count(25)
    timings = page.evaluate("window.jupyterPromoteTimings")
    assert timings["renders"] >= 1 and timings["checkToGraph"] > 0, timings
    snap(page.locator("#jp-promote-pipeline"), "big-graph")
