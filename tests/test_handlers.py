"""The REST API of the server extension through a real Jupyter Server (pytest-jupyter):
each route's answer, each error status with its message, auth, paths outside the root,
real dry-run and promotion jobs, and pipeline management against the session's Prefect."""

from __future__ import annotations

import asyncio
import getpass
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import free_port

from nbbuild import make_nb, write_nb

pytest_plugins = ("pytest_jupyter.jupyter_server",)

ROOT = Path(__file__).resolve().parents[1]
LOANS = ROOT / "example_notebooks" / "loans.ipynb"
YEARLY = "0 6 1 1 *"  # a schedule that does not fire during the tests
DEAD_API = f"http://127.0.0.1:{free_port()}/api"


@pytest.fixture
def promote_config():
    """PromoteConfig values for the server under test (default: a Prefect API nobody serves)."""
    return {"prefect_api_url": DEAD_API}


@pytest.fixture
def jp_server_config(promote_config):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_promote": True}},
        "PromoteConfig": promote_config,
    }


@pytest.fixture
def api(jp_fetch):
    """``await api("status")`` -> (status code, JSON answer); errors are answers too."""

    async def call(route, body=None, method=None, **kwargs):
        method = method or ("GET" if body is None else "POST")
        if method == "POST":
            kwargs["body"] = json.dumps(body if body is not None else {})
        response = await jp_fetch(
            "jupyter-promote", "api", *route.split("/"), method=method, raise_error=False, **kwargs
        )
        return response.code, json.loads(response.body or b"null")

    return call


@pytest.fixture
def loans(jp_root_dir):
    shutil.copy(LOANS, jp_root_dir / "loans.ipynb")
    return jp_root_dir / "loans.ipynb"


async def wait_for(api, job_id, timeout=180):
    for _ in range(int(timeout / 0.5)):
        status, job = await api(f"jobs/{job_id}")
        assert status == 200, job
        if job["state"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def assert_error(status, body, code, *words):
    assert status == code, body
    assert set(body) == {"message", "hint", "reason", "details"}, body
    for word in words:
        assert word in body["message"], body


# -- status, auth ----------------------------------------------------------------------------


async def test_status_reports_project_and_unreachable_prefect_quickly(api, jp_root_dir):
    status, body = await api("status")
    assert status == 200
    assert body["project_dir"] == str(jp_root_dir.resolve())  # defaults to the server root
    assert body["pipelines_dir"] == str(jp_root_dir.resolve() / "pipelines")
    assert body["prefect_api_url"] == DEAD_API
    assert body["prefect_ui_url"] == DEAD_API.removesuffix("/api")
    assert body["prefect_reachable"] is False and "does not answer" in body["prefect_error"]
    assert body["defaults"] == {
        "owner": getpass.getuser(),
        "timezone": "UTC",
        "work_pool": "jupyter-promote",
    }


@pytest.mark.parametrize("promote_config", [{"project_dir": "/srv/elsewhere"}])
async def test_project_dir_comes_from_server_config(api):
    _, body = await api("status")
    assert body["project_dir"] == "/srv/elsewhere"


@pytest.mark.parametrize(
    ("route", "body"), [("status", None), ("check", {"path": "x.ipynb"}), ("pipelines", None)]
)
async def test_every_route_needs_a_token(api, route, body):
    status, answer = await api(route, body, headers={"Authorization": ""})
    assert status == 403
    assert answer["reason"] == "Forbidden"


# -- check, paths ----------------------------------------------------------------------------


async def test_check_answers_the_pipeline_spec(api, loans):
    status, spec = await api("check", {"path": "loans.ipynb"})
    assert status == 200
    assert spec["order"] == ["load", "clean", "features", "allocation"]
    assert spec["notebook"] == "loans.ipynb"
    assert {p["name"] for p in spec["parameters"]} >= {"as_of", "min_score"}


async def test_check_of_an_unsaved_model_uses_the_model(api, jp_root_dir):
    nb = make_nb(("step:load", "x = 1"), ("step:double", "y = x * 2"))
    status, spec = await api("check", {"path": "new.ipynb", "notebook": nb})
    assert status == 200 and spec["order"] == ["load", "double"]
    assert spec["steps"][1]["depends_on"] == ["load"]


async def test_check_reports_diagnostics_of_a_broken_notebook(api, jp_root_dir):
    write_nb(jp_root_dir / "bad.ipynb", make_nb(("stpe:load", "x = 1")))
    status, spec = await api("check", {"path": "bad.ipynb"})
    assert status == 200
    assert any("did you mean" in (d["message"] + d["hint"]) for d in spec["diagnostics"])


async def test_unknown_notebook_is_404(api, jp_root_dir):
    status, body = await api("check", {"path": "nope/missing.ipynb"})
    assert_error(status, body, 404, "nope/missing.ipynb", "does not exist")
    assert body["reason"] == "NotebookNotFound"


@pytest.mark.parametrize("path", ["../x.ipynb", "a/../../x.ipynb", "/etc/passwd", ""])
async def test_paths_outside_the_root_are_refused(api, jp_root_dir, path):
    status, body = await api("check", {"path": path})
    assert_error(status, body, 400, "outside the server root")
    assert body["reason"] == "PathOutsideRoot"


async def test_symlink_leading_out_of_the_root_is_refused(api, jp_root_dir, tmp_path):
    outside = write_nb(tmp_path / "secret.ipynb", make_nb(("step:a", "x = 1")))
    (jp_root_dir / "link.ipynb").symlink_to(outside)
    status, body = await api("check", {"path": "link.ipynb"})
    assert_error(status, body, 400, "outside the server root")


async def test_invalid_body_is_400_naming_the_field(api):
    status, body = await api("check", {"notebook": None})
    assert_error(status, body, 400, "path", "Field required")
    assert body["details"]["problems"][0]["field"] == "path"
    status, body = await api("check", {"path": "a.ipynb", "pth": "typo"})
    assert_error(status, body, 400, "pth")


async def test_body_that_is_not_json_is_400(api, jp_fetch):
    response = await jp_fetch(
        "jupyter-promote", "api", "check", method="POST", body="{not json", raise_error=False
    )
    assert response.code == 400
    assert json.loads(response.body)["reason"]


# -- expectations ----------------------------------------------------------------------------


async def test_parse_answers_gx_configs_and_descriptions(api):
    status, body = await api(
        "expectations/parse", {"line": "loans: loan_id unique, amount between 0 and 10"}
    )
    assert status == 200 and body["variable"] == "loans"
    assert [e["type"] for e in body["expectations"]] == [
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_between",
    ]
    assert body["descriptions"] == ["loan_id unique", "amount between 0 and 10"]
    assert {e["severity"] for e in body["expectations"]} == {"critical"}
    _, warned = await api("expectations/parse", {"line": "loans: rows >= 1", "severity": "warn"})
    assert warned["expectations"][0]["severity"] == "warning"


async def test_parse_error_is_422_with_the_offending_token(api):
    status, body = await api("expectations/parse", {"line": "loans: amount betwen 0 and 5"})
    assert_error(status, body, 422, "betwen")
    assert body["details"]["token"] == "betwen" and body["details"]["column"] > 0
    assert body["reason"] == "ExpectationSyntaxError" and "PREDICATE" in body["hint"]


async def test_apply_adds_regrades_and_removes(api):
    _, parsed = await api("expectations/parse", {"line": "loans: loan_id unique, not null"})
    target = {"step": "load", "variable": "loans"}
    status, added = await api(
        "expectations/apply",
        {"metadata": {}, "op": "add", **target, "expectations": parsed["expectations"]},
    )
    assert status == 200
    suite = added["metadata"]["expectations"]["load"]["loans"]
    assert suite["name"] == "load.loans" and len(suite["expectations"]) == 2
    _, regraded = await api(
        "expectations/apply",
        {"metadata": added["metadata"], "op": "severity", **target, "index": 1, "severity": "warn"},
    )
    severities = [
        e["severity"] for e in regraded["metadata"]["expectations"]["load"]["loans"]["expectations"]
    ]
    assert severities == ["critical", "warning"]
    _, removed = await api(
        "expectations/apply", {"metadata": regraded["metadata"], "op": "remove", **target}
    )
    assert removed["metadata"] == {}


async def test_apply_errors(api):
    target = {"step": "load", "variable": "loans"}
    status, body = await api("expectations/apply", {"metadata": {}, "op": "remove", **target})
    assert_error(status, body, 404, "no expectations are recorded")
    status, body = await api("expectations/apply", {"op": "severity", **target})
    assert_error(status, body, 422, "needs a severity")
    status, body = await api(
        "expectations/apply",
        {"op": "add", "step": "load", "variable": "loans", "expectations": [{"type": "nope"}]},
    )
    assert status == 400 and "type" in body["message"]
    status, body = await api(
        "expectations/apply",
        {"metadata": {"schema_version": 99}, "op": "remove", **target},
    )
    assert_error(status, body, 422, "newer")
    status, body = await api("expectations/apply", {"op": "rename", **target})
    assert status == 400


# -- the promote form -----------------------------------------------------------------------


async def test_defaults_for_a_new_and_a_promoted_notebook(api, loans):
    status, body = await api("promote/defaults", params={"path": "loans.ipynb"})
    assert status == 200 and body["source"] == "new"
    assert body["settings"]["name"] == "loans"
    assert body["settings"]["owner"] == getpass.getuser()
    nb = nbformat.read(loans, as_version=4)
    nb.metadata["jupyter_promote"]["promotion"] = {"name": "loan-book", "owner": "ana"}
    nbformat.write(nb, loans)
    _, body = await api("promote/defaults", params={"path": "loans.ipynb"})
    assert body["source"] == "notebook"
    assert (body["settings"]["name"], body["settings"]["owner"]) == ("loan-book", "ana")
    status, body = await api("promote/defaults", params={"path": "../loans.ipynb"})
    assert status == 400


async def test_preview_of_valid_settings(api):
    settings = {"name": "a", "owner": "ana", "schedule": "0 6 * * 1-5", "sla": "17:00"}
    settings["timezone"] = "Europe/London"
    status, body = await api("promote/preview", {"settings": settings})
    assert status == 200 and body["ok"] is True and body["problems"] == []
    assert body["schedule"] == "at 06:00, Monday to Friday, Europe/London"
    assert len(body["next_runs"]) == 3 and "T06:00:00" in body["next_runs"][0]
    assert body["sla"] == "ready by 17:00 Europe/London"
    assert body["concurrency"] == (
        "at most 1 run at a time; a run that would exceed it waits (enqueue)"
    )


async def test_preview_puts_concurrency_problems_on_their_fields(api):
    settings = {"name": "a", "owner": "ana", "concurrency": 0, "on_collision": "drop"}
    status, body = await api("promote/preview", {"settings": settings})
    assert status == 200 and body["ok"] is False and body["concurrency"] is None
    fields = {p["field"]: p["message"] for p in body["problems"]}
    assert set(fields) == {"concurrency", "on_collision"}
    assert fields["concurrency"].startswith("0 runs at a time would never run; write 1 or more")


async def test_preview_lists_every_problem_by_field(api):
    settings = {
        "name": "Bad Name",
        "owner": "",
        "schedule": "0 6 * * 8",
        "timezone": "Europe/Londn",
    }
    status, body = await api("promote/preview", {"settings": settings})
    assert status == 200 and body["ok"] is False and body["schedule"] is None
    fields = {p["field"]: p["message"] for p in body["problems"]}
    assert set(fields) == {"name", "owner", "schedule", "timezone"}
    assert "Europe/London" in fields["timezone"]


# -- jobs -----------------------------------------------------------------------------------


async def test_dry_run_job_runs_the_steps_in_a_fresh_kernel(api, jp_root_dir):
    nb = make_nb(
        ("parameters", "n = 3"),
        ("step:load", "rows = list(range(n))"),
        ("step:total", "total = sum(rows)\nprint(total)"),
    )
    write_nb(jp_root_dir / "small.ipynb", nb)
    status, job = await api("jobs", {"kind": "dry-run", "path": "small.ipynb"})
    assert status == 202 and job["state"] in ("queued", "running") and job["kind"] == "dry-run"
    job = await wait_for(api, job["id"])
    assert job["state"] == "succeeded", job
    assert job["result"]["ok"] is True
    assert [s["status"] for s in job["result"]["steps"]] == ["completed", "completed"]
    events = [(e["step"], e["state"]) for e in job["events"]]
    assert events == [
        ("dry-run", "started"),
        ("load", "started"),
        ("load", "completed"),
        ("total", "started"),
        ("total", "completed"),
        ("dry-run", "completed"),
    ]
    executed_path = job["result"]["executed_notebook"]
    assert not Path(executed_path).is_absolute()  # server-relative: the panel opens it
    executed = nbformat.read(Path(jp_root_dir) / executed_path, as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "3\n"


async def test_failing_dry_run_fails_the_job_naming_the_cell(api, jp_root_dir):
    nb = make_nb(("step:load", "x = 1"), ("step:boom", "raise ValueError('bad data')"))
    write_nb(jp_root_dir / "boom.ipynb", nb)
    _, job = await api("jobs", {"kind": "dry-run", "path": "boom.ipynb"})
    job = await wait_for(api, job["id"])
    assert job["state"] == "failed"
    assert job["error"]["status"] == 422 and "ValueError: bad data" in job["error"]["message"]
    assert ("boom", "failed") in [(e["step"], e["state"]) for e in job["events"]]
    assert job["result"]["steps"][1]["status"] == "failed"


async def test_job_quick_refusals(api, loans, jp_root_dir):
    status, body = await api("jobs", {"kind": "dry-run", "path": "../loans.ipynb"})
    assert_error(status, body, 400, "outside the server root")
    status, body = await api("jobs", {"kind": "promote", "path": "gone.ipynb"})
    assert_error(status, body, 404, "gone.ipynb")
    status, body = await api("jobs", {"kind": "deploy", "path": "loans.ipynb"})
    assert_error(status, body, 400, "kind")
    status, body = await api(
        "jobs", {"kind": "promote", "path": "loans.ipynb", "settings": {"name": "x"}}
    )
    assert_error(status, body, 422, "owner: is required")
    assert body["reason"] == "PromotionInvalid" and body["details"]["problems"]
    write_nb(jp_root_dir / "bad.ipynb", make_nb(("step:a", "y = undefined_name")))
    status, body = await api(
        "jobs", {"kind": "promote", "path": "bad.ipynb", "settings": {"name": "b", "owner": "o"}}
    )
    assert_error(status, body, 422, "undefined_name")
    assert body["reason"] == "PipelineInvalid" and body["details"]["diagnostics"]


async def test_promotion_with_prefect_unreachable_is_502(api, loans):
    settings = {"name": "loans", "owner": "ana", "schedule": YEARLY}
    status, body = await api(
        "jobs", {"kind": "promote", "path": "loans.ipynb", "settings": settings}
    )
    assert_error(status, body, 502, DEAD_API, "does not answer")
    assert "jupyter promote up" in body["hint"]


async def test_unknown_job_is_404(api):
    status, body = await api("jobs/0123456789ab")
    assert_error(status, body, 404, "no job")


# -- pipelines without Prefect ----------------------------------------------------------------


async def test_pipelines_empty_then_unknown_names_are_404(api):
    status, body = await api("pipelines")
    assert status == 200 and body == {"pipelines": [], "prefect_error": None}
    for route, payload, name in [
        ("pipelines/nope", None, "nope"),
        ("pipelines/nope/trigger", {}, "nope"),
        ("pipelines/nope/pause", {}, "nope"),
        ("pipelines/nope/resume", {}, "nope"),
        ("pipelines/nope/rollback", {}, "nope"),
        ("pipelines/nope/lineage", None, "nope"),
        ("pipelines/..", None, ".."),
    ]:
        status, answer = await api(route, payload)
        assert_error(status, answer, 404, f"no pipeline {name!r} is promoted in this project")
        assert answer["reason"] == "ReleaseNotFound", (route, answer)
        assert answer["details"] == {"name": name}, (route, answer)
    status, answer = await api("pipelines/nope/lineage", params={"depth": "9"})
    assert_error(status, answer, 400, "depth must be a number from 1 to 5")


# -- against the session's real Prefect server ------------------------------------------------


LIVE = pytest.mark.parametrize("promote_config", [{}])  # PREFECT_API_URL of the session server


@pytest.mark.prefect
@LIVE
async def test_promote_job_then_manage_the_pipeline(prefect_server, api, loans):
    await promote_and_manage(prefect_server, api, loans)


async def promote_and_manage(server, api, loans):  # split for readability: one server, one story
    settings = {"name": "rest-loans", "owner": "ana", "team": "risk", "schedule": YEARLY}
    status, job = await api(
        "jobs", {"kind": "promote", "path": "loans.ipynb", "settings": settings}
    )
    assert status == 202, job
    # a second promotion of the same pipeline while the first runs: refused at once
    status, busy = await api(
        "jobs", {"kind": "promote", "path": "loans.ipynb", "settings": settings}
    )
    assert_error(status, busy, 409, "another promotion of 'rest-loans' is in progress")
    job = await wait_for(api, job["id"])
    assert job["state"] == "succeeded", job
    result = job["result"]
    assert result["name"] == "rest-loans" and result["dry_run"] == "passed"
    assert result["runbook"] == f"pipelines/rest-loans/{result['version']}/RUNBOOK.md"
    assert result["release_dir"] == f"pipelines/rest-loans/{result['version']}"
    steps = [(e["step"], e["state"]) for e in job["events"]]
    assert steps[:3] == [("checks", "started"), ("checks", "completed"), ("dry-run", "started")]
    for name in ("load", "clean", "features", "allocation"):
        assert (name, "completed") in steps
    assert steps[-6:] == [
        ("allocation", "completed"),
        ("dry-run", "completed"),
        ("release", "started"),
        ("release", "completed"),
        ("deployment", "started"),
        ("deployment", "completed"),
    ]

    status, listing = await api("pipelines")
    assert status == 200 and listing["prefect_error"] is None
    [row] = [r for r in listing["pipelines"] if r["name"] == "rest-loans"]
    assert row["owner"] == "ana" and row["deployed"] is True and row["paused"] is False
    assert row["source_notebook"] == "loans.ipynb"
    assert row["release_dir"] == f"pipelines/rest-loans/{result['version']}"
    assert row["ui_url"].startswith(server.ui_url.rstrip("/"))

    status, detail = await api("pipelines/rest-loans")
    assert status == 200 and detail["manifest"]["version"] == result["version"]
    assert detail["manifest"]["promoted_by"] == getpass.getuser()

    status, paused = await api("pipelines/rest-loans/pause", {})
    assert (status, paused) == (200, {"name": "rest-loans", "paused": True})
    _, listing = await api("pipelines")
    assert [r["paused"] for r in listing["pipelines"] if r["name"] == "rest-loans"] == [True]
    status, resumed = await api("pipelines/rest-loans/resume", {})
    assert (status, resumed["paused"]) == (200, False)

    status, run = await api("pipelines/rest-loans/trigger", {"parameters": {"min_score": 650}})
    assert status == 200 and run["ui_url"].endswith(run["flow_run_id"])
    with server.client() as client:
        flow_run = client.read_flow_run(run["flow_run_id"])
    assert flow_run.parameters["min_score"] == 650
    with server.client() as client:  # do not let the run hold the worker for other tests
        from prefect.states import Cancelled

        client.set_flow_run_state(run["flow_run_id"], Cancelled(), force=True)
    status, body = await api("pipelines/rest-loans/trigger", {"parameters": {"min_score": "x"}})
    assert status == 400 and "refused" in body["message"]

    # a second release without dry run, then roll back to the first
    nb = nbformat.read(loans, as_version=4)
    nb.cells[5].source += "\n# tuned"
    nbformat.write(nb, loans)
    _, job = await api(
        "jobs", {"kind": "promote", "path": "loans.ipynb", "settings": {}, "dry_run": False}
    )
    second = await wait_for(api, job["id"])
    assert second["state"] == "succeeded", second
    assert second["result"]["version"] != result["version"]
    assert ("dry-run", "skipped") in [(e["step"], e["state"]) for e in second["events"]]
    status, back = await api("pipelines/rest-loans/rollback", {})
    assert status == 200 and back["version"] == result["version"]
    status, body = await api("pipelines/rest-loans/rollback", {"version": "0000000"})
    assert_error(status, body, 404, "0000000")


@pytest.mark.prefect
@LIVE
async def test_failed_promotion_job_keeps_the_error_and_status(prefect_server, api, jp_root_dir):
    nb = make_nb(("step:load", "x = 1"), ("step:boom", "raise RuntimeError('boom')"))
    write_nb(jp_root_dir / "boom.ipynb", nb)
    settings = {"name": "rest-boom", "owner": "ana", "schedule": YEARLY}
    status, job = await api("jobs", {"kind": "promote", "path": "boom.ipynb", "settings": settings})
    assert status == 202, job
    job = await wait_for(api, job["id"])
    assert job["state"] == "failed"
    assert job["error"]["status"] == 422 and job["error"]["reason"] == "DryRunFailed"
    assert "RuntimeError: boom" in job["error"]["message"]
    assert ("dry-run", "failed") in [(e["step"], e["state"]) for e in job["events"]]
    assert not (jp_root_dir / "pipelines" / "rest-boom").exists()


# -- the OpenAPI document --------------------------------------------------------------------


def test_openapi_yaml_lists_every_route_and_only_those():
    import yaml

    from jupyter_promote.frontends.server.openapi import operations

    documented = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())["paths"]
    registered = {(f"/jupyter-promote/api/{t}", method) for t, method, _ in operations()}
    in_file = {(path, method) for path, ops in documented.items() for method in ops}
    assert registered == in_file
    assert len(registered) == 15


def test_openapi_yaml_is_generated_from_the_models():
    """Regenerate with: python -m jupyter_promote.frontends.server.openapi > docs/openapi.yaml"""
    from jupyter_promote.frontends.server.openapi import render

    assert (ROOT / "docs" / "openapi.yaml").read_text() == render()


async def test_registered_routes_are_the_documented_ones(jp_serverapp):
    from jupyter_promote.frontends.server.handlers import PromoteHandler

    def walk(router):
        for rule in getattr(router, "rules", []):
            if isinstance(rule.target, type) and issubclass(rule.target, PromoteHandler):
                yield rule.matcher.regex.pattern
            else:
                yield from walk(rule.target)

    rules = list(walk(jp_serverapp.web_app.default_router))
    assert len(rules) == 15 and all("/jupyter-promote/api/" in r for r in rules)
