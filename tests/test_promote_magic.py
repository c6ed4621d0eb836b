"""`%promote` and its form: prefill and live preview in plain Python, the magic in a real
kernel against the session's real Prefect server, refusals that write nothing, and the form's
"Promote" button creating a real deployment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from runcli import ROOT

from jupyter_promote.config import load_config
from jupyter_promote.execution.kernel import KernelSession
from jupyter_promote.frontends.ipython.promote_form import promotion_form
from nbbuild import make_nb

LOANS = ROOT / "example_notebooks" / "loans.ipynb"


def copy_loans(tmp_path: Path) -> str:
    shutil.copy(LOANS, tmp_path / "loans.ipynb")
    return str(tmp_path / "loans.ipynb")


def run_magics(tmp_path, env, *lines):
    """Run ``%load_ext jupyter_promote`` then each line in one real kernel; their text outputs."""
    nb = make_nb("%load_ext jupyter_promote", *lines)
    texts = []
    with KernelSession(nb, cwd=str(tmp_path), env=env) as kernel:
        for index in range(len(nb.cells)):
            cell = kernel.run_cell(index, timeout=300)
            texts.append(
                "".join(
                    o.get("text", "") or o.get("data", {}).get("text/plain", "")
                    for o in cell.outputs
                )
            )
    return texts[1:]


def deployment(server, name):
    with server.client() as client:
        return client.read_deployment_by_name(f"{name}/{name}")


def test_form_prefills_and_previews_the_schedule(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ana")
    form = promotion_form(copy_loans(tmp_path), load_config(str(tmp_path)))
    fields = form.fields
    assert (fields["name"].value, fields["owner"].value) == ("loans", "ana")
    assert (fields["timezone"].value, fields["tier"].value) == ("UTC", "normal")
    assert form.dry_run.value is True
    fields["schedule"].value = "0 6 * * 1-5"
    fields["timezone"].value = "America/New_York"
    assert "06:00" in form.preview.value and "Monday to Friday" in form.preview.value
    assert "America/New_York; next runs: " in form.preview.value
    assert form.preview.value.count(" 06:00 E") == 3  # 3 runs, EST or EDT
    fields["schedule"].value = "0 6 * * 8"
    assert 'schedule: "0 6 * * 8" is not a valid cron expression' in form.preview.value
    assert "day of week must be 0-6" in form.preview.value
    fields["timezone"].value = "America/New_Yrok"
    assert 'did you mean "America/New_York"' in form.preview.value


@pytest.mark.prefect
def test_promote_magic_deploys_the_notebook(prefect_server, tmp_path):
    path = copy_loans(tmp_path)
    [out] = run_magics(
        tmp_path,
        {**prefect_server.env, "JUPYTER_PROMOTE_NOTEBOOK": path},
        "%promote --name magic-loans --owner ana@bank.example --team capital-markets"
        ' --schedule "0 6 * * 1-5" --tz America/New_York --sla 17:00 --tier critical'
        " --consumer regulatory-tape --consumer ops-dashboard --no-dry-run",
    )
    assert "error" not in out, out
    d = deployment(prefect_server, "magic-loans")
    assert f"Promoted magic-loans: release {d.version}" in out
    assert "Deployment: magic-loans/magic-loans" in out
    assert "Schedule: at 06:00, Monday to Friday, America/New_York" in out
    assert f"Promoted file: {Path(path).resolve()} as saved on disk" in out
    assert f"/deployments/deployment/{d.id}" in out
    assert {"owner:ana@bank.example", "tier:critical"} <= set(d.tags)
    assert (tmp_path / "pipelines" / "magic-loans" / d.version).is_dir()


def test_refusals_are_one_line_and_write_nothing(tmp_path):
    path = copy_loans(tmp_path)
    before = Path(path).read_text()
    unknown, _, no_owner, bad_option, form = run_magics(
        tmp_path,
        {"JUPYTER_PROMOTE_NOTEBOOK": "", "JPY_SESSION_NAME": ""},
        "%promote --name x",
        f"%expect --notebook {path}",
        "%promote --name x",
        "%promote --name x --interval often",
        "f = get_ipython().run_line_magic('promote', '')\nprint(f.fields['name'].value)",
    )
    assert unknown.startswith("error: ") and "%expect --notebook PATH.ipynb" in unknown
    assert no_owner.startswith("error: ") and "owner: is required" in no_owner
    assert bad_option.startswith("error: ") and "--interval" in bad_option
    assert "Traceback" not in unknown + no_owner + bad_option
    assert form.strip() == "loans"
    assert not (tmp_path / "pipelines").exists()
    assert Path(path).read_text() == before


@pytest.mark.prefect
def test_form_promote_button_creates_the_deployment(prefect_server, tmp_path, monkeypatch):
    for key, value in prefect_server.env.items():
        monkeypatch.setenv(key, value)
    path, config = copy_loans(tmp_path), load_config(str(tmp_path))
    form = promotion_form(path, config)
    form.fields["name"].value = "form-loans"
    form.fields["owner"].value = "bo@bank.example"
    form.fields["schedule"].value = "30 7 * * *"
    form.fields["consumers"].value = "risk, finance"
    form.fields["tier"].value = "high"
    form.dry_run.value = False
    form.promote_button.click()
    [shown] = form.output.outputs
    text = shown["data"]["text/plain"]
    assert "error" not in text, text
    d = deployment(prefect_server, "form-loans")
    assert f"Promoted form-loans: release {d.version}" in text
    assert 'href="http' in shown["data"]["text/html"]
    assert {"owner:bo@bank.example", "tier:high"} <= set(d.tags)
    assert not form.promote_button.disabled
    # the form is remembered: a new form on the same notebook starts from it
    again = promotion_form(path, config).fields
    assert (again["name"].value, again["consumers"].value) == ("form-loans", "risk, finance")
