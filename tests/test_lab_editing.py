"""No write behind the user's back, in a real JupyterLab and Chromium: opening a notebook (panel
closed or open, with saved ``%expect`` outputs) changes nothing, so closing it asks nothing;
"Tag steps from headings" tags the open notebook in one undoable change; the panel's check
requests carry no outputs.

One JupyterLab (no Prefect needed) and one page for the module, as one story.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from labserver import CHROMIUM, launch_chromium, open_panel, start_lab

from nbbuild import make_nb, write_nb

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
ROOT = Path(__file__).resolve().parents[1]
SECONDS = 1000


@pytest.fixture
def jp_asyncio_loop():  # see test_lab_browser.py: pytest-jupyter's autouse fixtures do not apply
    yield None


@pytest.fixture
def jp_server_cleanup():
    yield


def headings_notebook():
    return make_nb(
        ("#md", "# Loan book"),
        ("#md", "## Load the data"),
        "raw = list(range(10))",
        ("#md", "## Clean"),
        "clean = [r for r in raw if r % 2]",
        ("skip", "print(clean[:3])"),
        ("#md", "## Report"),
        "total = sum(clean)\nprint(total)",
    )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    home = tmp_path_factory.mktemp("lab-editing")
    project = home / "project"
    project.mkdir()
    shutil.copy(ROOT / "example_notebooks" / "loans.ipynb", project / "loans.ipynb")
    write_nb(project / "sections.ipynb", headings_notebook())
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    server = start_lab(project, home, env)
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


def saved_notebook(path: Path, until, timeout: float = 10):
    """The file once ``until(nb)`` holds: saving is asynchronous and Jupyter Server rewrites the
    file in place, so a read can catch it half written."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            nb = nbformat.read(path, as_version=4)
        except (nbformat.reader.NotJSONError, json.JSONDecodeError):
            nb = None
        if (nb is not None and until(nb)) or time.monotonic() > deadline:
            return nb
        time.sleep(0.2)


def kernel_idle(page) -> None:
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status"
        " === 'idle'",
        timeout=90 * SECONDS,
    )


def open_notebook(page, lab, path: str) -> None:
    """Open ``path``; once the layout is restored, open the Promote panel on it."""
    page.goto(lab.tree_url(path))
    open_panel(page)
    page.locator(f'.jp-Promote-notebookPath[data-jp-promote-path="{path}"]').wait_for()


def run_all(page) -> None:
    """Run every cell; again if a run requested while the kernel was settling ran nothing."""
    counts = ".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt"
    for _ in range(3):
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_timeout(10 * SECONDS)
        if all(p.strip() not in ("[ ]:", "") for p in page.locator(counts).all_inner_texts()):
            return
    raise AssertionError(f"run-all ran nothing: {page.locator(counts).all_inner_texts()}")


def dirty(page) -> bool:
    return bool(page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty"))


def close_current(page) -> None:
    """Close the notebook tab; fails if JupyterLab asks anything (a dialog would appear)."""
    page.evaluate("() => { void window.jupyterapp.commands.execute('application:close'); }")
    page.wait_for_timeout(800)
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        text = dialog.inner_text()
        dialog.locator(".jp-mod-reject").first.click()  # leave the page usable for the next test
        raise AssertionError(f"closing the notebook asked: {text}")


def test_opening_a_notebook_with_the_panel_closed_changes_nothing(page, lab):
    page.goto(lab.tree_url("loans.ipynb"))
    kernel_idle(page)
    page.wait_for_timeout(3 * SECONDS)  # the extension's check and kernel marking have run
    assert not dirty(page)
    assert page.locator(".jp-NotebookPanel:visible .jp-mod-dirty").count() == 0
    close_current(page)


def test_opening_with_the_panel_open_changes_nothing_and_closing_asks_nothing(page, lab):
    from playwright.sync_api import expect

    page.goto(lab.tree_url("loans.ipynb"))
    open_panel(page)
    kernel_idle(page)
    expect(page.locator("#jp-promote-problems")).to_be_visible()
    page.wait_for_timeout(2 * SECONDS)
    assert not dirty(page)
    close_current(page)
    on_disk = nbformat.read(lab.root / "loans.ipynb", as_version=4)
    original = nbformat.read(ROOT / "example_notebooks" / "loans.ipynb", as_version=4)
    assert on_disk == original


def test_saved_expect_outputs_are_not_applied_again_on_open(page, lab):
    """A notebook whose %expect outputs were saved: reopening renders them, changes nothing."""
    nb = make_nb(
        ("step:load", "import pandas as pd\nloans = pd.DataFrame({'loan_id': [1, 2, 3]})"),
        ("skip", "%load_ext jupyter_promote"),
        ("skip", "%expect loans: loan_id unique"),
    )
    write_nb(lab.root / "expect.ipynb", nb)
    open_notebook(page, lab, "expect.ipynb")
    kernel_idle(page)
    run_all(page)
    note = page.locator(".jp-Promote-expectationsNote")
    from playwright.sync_api import expect

    expect(note).to_have_attribute("data-jp-promote-applied", "true", timeout=90 * SECONDS)
    page.keyboard.press("Control+s")
    page.locator(".jp-NotebookPanel:visible .jp-mod-dirty").wait_for(state="detached")
    saved = saved_notebook(lab.root / "expect.ipynb", lambda nb: "jupyter_promote" in nb.metadata)
    assert saved.metadata["jupyter_promote"]["expectations"]["load"]["loans"]
    page.wait_for_timeout(2 * SECONDS)
    assert not dirty(page)  # nothing re-applied the output after the save
    close_current(page)

    page.reload()  # a fresh page: the saved output is rendered again, not applied again
    open_notebook(page, lab, "expect.ipynb")
    kernel_idle(page)
    expect(page.locator(".jp-Promote-expectationsNote")).to_have_count(1)
    page.wait_for_timeout(3 * SECONDS)
    assert not dirty(page)
    close_current(page)


def test_tag_steps_from_headings_is_one_undoable_change(page, lab):
    from playwright.sync_api import expect

    requests: list[dict] = []
    page.on(
        "request",
        lambda r: (
            requests.append(json.loads(r.post_data or "{}"))
            if "/jupyter-promote/api/check" in r.url and r.method == "POST"
            else None
        ),
    )
    open_notebook(page, lab, "sections.ipynb")
    kernel_idle(page)
    suggested = page.locator("#jp-promote-suggested-steps")
    expect(suggested).to_have_attribute("data-jp-promote-count", "3")
    expect(page.locator(".jp-Promote-suggestNote")).to_contain_text(
        "This notebook has no steps yet: it runs as one step. Its headings suggest 3 steps:"
    )
    steps = suggested.locator("li.jp-Promote-suggestedStep")
    assert [steps.nth(i).get_attribute("data-jp-promote-step") for i in range(3)] == [
        "load",
        "clean",
        "report",
    ]
    assert not dirty(page)

    page.locator("#jp-promote-tag-steps").click()
    result = page.locator("#jp-promote-tag-steps-result")
    expect(result).to_have_attribute("data-jp-promote-tagged", "3")
    expect(result).to_have_attribute("data-jp-promote-skipped", "0")
    step_badges = page.locator(
        '.jp-NotebookPanel:visible .jp-Promote-badge[data-jp-promote-kind="step"]'
    )
    expect(step_badges).to_have_count(3)
    graph = page.locator('#jp-promote-pipeline .jp-Promote-graph[data-jp-promote-steps="3"]')
    expect(graph).to_be_visible()
    expect(page.locator("#jp-promote-tag-steps")).to_have_count(0)
    assert dirty(page)  # the open notebook changed; the file did not
    on_disk = nbformat.read(lab.root / "sections.ipynb", as_version=4)
    assert all("step:" not in " ".join(c.metadata.get("tags", [])) for c in on_disk.cells)

    # one Undo reverts the whole change
    page.locator(".jp-NotebookPanel:visible .jp-Notebook").click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("z")
    expect(step_badges).to_have_count(0)
    expect(suggested).to_have_attribute("data-jp-promote-count", "3")

    # the check requests carried the cells without their outputs
    assert requests, "the panel sent no check request"
    for body in requests:
        for cell in body["notebook"]["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None
    assert any(
        "step:load" in c["metadata"].get("tags", [])
        for body in requests
        for c in body["notebook"]["cells"]
    ), "a check after tagging saw the tags"
