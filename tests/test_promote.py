"""`jupyter promote promote` against a real Prefect server and worker: the release, the
deployment's schedule/tags/version/parameter schema, scheduled runs, no-ops, new versions,
and every refusal leaving nothing written."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from runcli import ROOT, promote

pytestmark = pytest.mark.prefect

LOANS = ROOT / "example_notebooks" / "loans.ipynb"
FORM = [
    "--name", "loan-allocation", "--owner", "ana@bank.example", "--team", "capital-markets",
    "--schedule", "0 6 * * 1-5", "--tz", "America/New_York", "--sla", "17:00",
    "--tier", "critical", "--consumer", "regulatory-tape", "--consumer", "ops-dashboard",
]  # fmt: skip


def project_with_loans(tmp_path, name="loans.ipynb"):
    shutil.copy(LOANS, tmp_path / name)
    return tmp_path / name


def promote_json(server, path, *args, project, expect_ok=True):
    result = promote(
        "promote", str(path), "--json", "--project-dir", str(project), *args, env=server.env
    )
    if expect_ok:
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)
    return result


def deployment(server, name):
    with server.client() as client:
        return client.read_deployment_by_name(f"{name}/{name}")


def test_promote_creates_release_and_scheduled_deployment(prefect_server, tmp_path):
    path = project_with_loans(tmp_path)
    out = promote_json(prefect_server, path, *FORM, "--no-dry-run", project=tmp_path)
    assert out["schedule"] == "at 06:00, Monday to Friday, America/New_York"
    assert len(out["next_runs"]) == 3 and out["next_runs"][0].endswith("T06:00:00-05:00")
    release = Path(out["release_dir"])
    assert release == tmp_path / "pipelines" / "loan-allocation" / out["version"]
    manifest = yaml.safe_load((release / "manifest.yaml").read_text())
    assert (manifest["owner"], manifest["tier"], manifest["sla"]) == (
        "ana@bank.example",
        "critical",
        "17:00",
    )
    assert manifest["consumers"] == ["regulatory-tape", "ops-dashboard"]
    assert manifest["deployed"] is True and manifest["dry_run"] == "skipped (--no-dry-run)"
    d = deployment(prefect_server, "loan-allocation")
    assert d.version == out["version"]
    assert set(d.tags) >= {"owner:ana@bank.example", "team:capital-markets", "tier:critical"}
    assert "ana@bank.example" in d.description
    assert d.work_pool_name == "jupyter-promote"
    [schedule] = d.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == (
        "0 6 * * 1-5",
        "America/New_York",
    )
    props = d.parameter_openapi_schema["properties"]
    assert props["min_score"]["type"] == "integer" and props["min_score"]["default"] == 600
    assert props["as_of"]["type"] == "string"
    assert props["max_allocation"]["type"] == "number"
    assert d.enforce_parameter_schema is True
    # the form is remembered in the notebook: re-promoting needs no options
    again = promote_json(prefect_server, path, "--no-dry-run", project=tmp_path)
    assert again["unchanged"] is True and again["version"] == out["version"]
    versions = [p for p in (tmp_path / "pipelines" / "loan-allocation").iterdir() if p.is_dir()]
    assert [v.name for v in versions] == [out["version"]]


def test_changed_cell_is_a_new_version_and_moves_the_deployment(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "moving.ipynb")
    form = ["--name", "moving", "--owner", "ana", "--schedule", "0 6 1 1 *"]
    first = promote_json(prefect_server, path, *form, "--no-dry-run", project=tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source += "\n# tuned"
    nbformat.write(nb, path)
    second = promote_json(prefect_server, path, "--no-dry-run", project=tmp_path)
    assert second["version"] != first["version"] and second["unchanged"] is False
    d = deployment(prefect_server, "moving")
    assert d.version == second["version"]
    assert d.path == second["release_dir"]
    assert Path(first["release_dir"]).is_dir()  # the old release is kept, immutable


def test_scheduled_runs_fire_and_complete_step_by_step(prefect_server, tmp_path):
    # A cron for one minute 15-75 s from now: the scheduler creates exactly one run soon, the
    # next a year later. (A seconds interval makes the scheduler insert up to 100 runs ahead;
    # a pass that races the pause then floods the session's server with runs for 15 minutes.)
    from datetime import datetime, timedelta, timezone

    at = datetime.now(timezone.utc) + timedelta(seconds=75)
    cron = f"{at.minute} {at.hour} {at.day} {at.month} *"
    path = project_with_loans(tmp_path, "every.ipynb")
    out = promote_json(
        prefect_server, path, "--name", "once-soon", "--owner", "ops", "--schedule", cron,
        "--tz", "UTC", "--no-dry-run", project=tmp_path,
    )  # fmt: skip

    def first_started():
        runs = deployment_runs(prefect_server, out["deployment_id"])
        return next((r for r in runs if r.state and not r.state.is_scheduled()), None)

    started = wait_until(first_started, 150, "the scheduled run did not start within 150 s")
    paused = promote("pause", "once-soon", "--project-dir", str(tmp_path), env=prefect_server.env)
    assert paused.returncode == 0, paused.stderr
    assert deployment(prefect_server, "once-soon").paused is True
    left = [r.name for r in deployment_runs(prefect_server, out["deployment_id"], scheduled=True)]
    assert left == [], f"pausing left scheduled runs: {left}"

    def final():
        with prefect_server.client() as client:
            run = client.read_flow_run(started.id)
        return run if run.state and run.state.is_final() else None

    done = wait_until(final, 180, "the scheduled run did not finish within 180 s")
    assert done.state.type.value == "COMPLETED", done.state.message
    assert done.auto_scheduled, "the run was not created by the deployment's schedule"
    from test_run import quality_artifacts, task_runs

    names = set(task_runs(prefect_server, done.id))
    assert {"setup", "load", "clean", "gate:clean", "features", "allocation"} <= names
    assert "once-soon-data-quality" in quality_artifacts(prefect_server, done.id)


def deployment_runs(server, deployment_id, *, scheduled=False):
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )

    of_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
    only = None
    if scheduled:
        state = FlowRunFilterState(type=FlowRunFilterStateType(any_=["SCHEDULED"]))
        only = FlowRunFilter(state=state)
    with server.client() as client:
        return client.read_flow_runs(deployment_filter=of_deployment, flow_run_filter=only)


def wait_until(probe, seconds, message):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(1)
    raise AssertionError(message)


def test_secrets_are_refused_and_nothing_is_written(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "leaky.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source += '\naws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"'
    nbformat.write(nb, path)
    result = promote_json(
        prefect_server, path, "--name", "leaky", "--owner", "ana", project=tmp_path,
        expect_ok=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "cell 4, line" in result.stderr and "Secret" in result.stderr
    assert not (tmp_path / "pipelines").exists()


def test_missing_owner_is_refused(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "nobody.ipynb")
    result = promote_json(
        prefect_server, path, "--name", "nobody", project=tmp_path, expect_ok=False
    )
    assert result.returncode == 1
    assert "owner" in result.stderr and "required" in result.stderr
    assert not (tmp_path / "pipelines").exists()


def test_unreachable_server_writes_nothing(tmp_path):
    from conftest import free_port

    path = project_with_loans(tmp_path, "offline.ipynb")
    url = f"http://127.0.0.1:{free_port()}/api"
    result = promote(
        "promote", str(path), "--name", "offline", "--owner", "ana", "--project-dir",
        str(tmp_path), env={"PREFECT_API_URL": url},
    )  # fmt: skip
    assert result.returncode == 1
    assert f"the Prefect API at {url} does not answer" in result.stderr
    assert not (tmp_path / "pipelines").exists()


def test_rollback_of_an_unknown_pipeline_names_it_before_asking_a_server(tmp_path):
    from conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/api"
    result = promote(
        "rollback", "nope", "--project-dir", str(tmp_path), env={"PREFECT_API_URL": url}
    )
    assert result.returncode == 1
    assert f"no pipeline 'nope' under {tmp_path / 'pipelines'}" in result.stderr
    assert "does not answer" not in result.stderr


def test_rollback_pause_resume_and_trigger(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "manage.ipynb")
    form = ["--name", "manage", "--owner", "ana", "--schedule", "0 6 1 1 *"]
    first = promote_json(prefect_server, path, *form, "--no-dry-run", project=tmp_path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source += "\n# second version"
    nbformat.write(nb, path)
    second = promote_json(prefect_server, path, "--no-dry-run", project=tmp_path)
    env, project = prefect_server.env, ["--project-dir", str(tmp_path)]

    back = promote("rollback", "manage", *project, env=env)
    assert back.returncode == 0, back.stderr
    assert f"deployment now runs release {first['version']}" in back.stdout
    assert deployment(prefect_server, "manage").version == first["version"]
    assert (tmp_path / "pipelines" / "manage" / "CURRENT").read_text().strip() == first["version"]
    forward = promote("rollback", "manage", second["version"], *project, env=env)
    assert forward.returncode == 0, forward.stderr
    assert deployment(prefect_server, "manage").version == second["version"]
    unknown = promote("rollback", "manage", "0123456789ab", *project, env=env)
    assert unknown.returncode == 1 and first["version"] in unknown.stderr

    assert promote("pause", "manage", *project, env=env).returncode == 0
    paused = deployment(prefect_server, "manage")
    assert paused.paused is True
    assert deployment_runs(prefect_server, paused.id, scheduled=True) == []
    assert promote("resume", "manage", *project, env=env).returncode == 0
    assert deployment(prefect_server, "manage").paused is False

    started = promote("trigger", "manage", "-p", "min_score=700", *project, env=env)
    assert started.returncode == 0, started.stderr
    run_id = re.search(r"started flow run (\S+) \(http", started.stdout).group(1)
    with prefect_server.client() as client:
        run = client.read_flow_run(run_id)
    assert run.parameters["min_score"] == 700
    refused = promote("trigger", "manage", "-p", "min_score=lots", *project, env=env)
    assert refused.returncode == 1
    assert "Prefect refused the run of 'manage'" in refused.stderr
    missing = promote("pause", "nope", *project, env=env)
    assert missing.returncode == 1 and "has no deployment" in missing.stderr


def test_show_lists_manifest_releases_and_runs(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "shown.ipynb")
    out = promote_json(
        prefect_server, path, "--name", "shown", "--owner", "ana", "--schedule", "0 6 1 1 *",
        "--no-dry-run", project=tmp_path,
    )  # fmt: skip
    promote("trigger", "shown", "--project-dir", str(tmp_path), env=prefect_server.env)
    result = promote(
        "show", "shown", "--json", "--project-dir", str(tmp_path), env=prefect_server.env
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["manifest"]["owner"] == "ana" and found["manifest"]["version"] == out["version"]
    assert [r["current"] for r in found["releases"]] == [True]
    assert found["recent_runs"] and found["recent_runs"][0]["state"] in (
        "SCHEDULED", "PENDING", "RUNNING", "COMPLETED",
    )  # fmt: skip
    text = promote("show", "shown", "--project-dir", str(tmp_path), env=prefect_server.env)
    assert f"* {out['version']}" in text.stdout
    assert "owner:             ana" in text.stdout.splitlines()
    missing = promote("show", "nope", "--project-dir", str(tmp_path), env=prefect_server.env)
    assert missing.returncode == 1 and "no pipeline 'nope'" in missing.stderr


def test_ls_shows_last_run_and_next_run(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "listed.ipynb")
    form = ["--name", "listed", "--owner", "ana", "--tier", "high", "--schedule", "0 6 1 1 *"]
    out = promote_json(prefect_server, path, *form, "--no-dry-run", project=tmp_path)
    project = ["--project-dir", str(tmp_path)]
    started = promote("trigger", "listed", *project, env=prefect_server.env)
    run_id = re.search(r"started flow run (\S+) \(http", started.stdout).group(1)
    waited = promote("wait", "listed", "--timeout", "180", *project, env=prefect_server.env)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert re.search(r": COMPLETED in \d+\.\d s", waited.stdout), waited.stdout
    assert f"Prefect UI: {prefect_server.ui_url}/runs/flow-run/{run_id}" in waited.stdout
    assert "Data quality: " in waited.stdout and "0 failed" in waited.stdout
    assert re.search(r"clean +loans_clean +error +pass +", waited.stdout), waited.stdout
    rows = json.loads(promote("ls", "--json", *project, env=prefect_server.env).stdout)
    assert rows["prefect_error"] is None
    [row] = rows["pipelines"]
    assert (row["name"], row["owner"], row["tier"], row["version"]) == (
        "listed", "ana", "high", out["version"],
    )  # fmt: skip
    assert row["schedule"] == "at 06:00, on day 1 of the month, only in January, UTC"
    assert row["last_run"]["id"] == run_id and row["last_run"]["state"] == "COMPLETED"
    assert row["last_run"]["url"].endswith(f"/runs/flow-run/{run_id}")
    assert row["next_run"].startswith("2027-01-01T06:00")  # the yearly cron, not the manual run
    assert row["paused"] is False and row["ui_url"].endswith(out["deployment_id"])
    assert row["last_executed_notebook"].endswith(".ipynb")
    table = promote("ls", *project, env=prefect_server.env).stdout
    assert re.search(rf"listed +ana +high .* {out['version']} +COMPLETED", table), table

    down = promote("ls", *project, env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert down.returncode == 0 and "listed" in down.stdout
    assert "run details unknown: the Prefect API at http://127.0.0.1:9/api" in down.stderr


def test_concurrent_promotions_of_one_pipeline_end_consistent(prefect_server, tmp_path):
    import os
    import subprocess

    from runcli import JUPYTER

    path = project_with_loans(tmp_path, "twice.ipynb")
    cmd = [
        str(JUPYTER), "promote", "promote", str(path), "--name", "twice", "--owner", "ana",
        "--schedule", "0 6 1 1 *", "--no-dry-run", "--json", "--project-dir", str(tmp_path),
    ]  # fmt: skip
    env = {**os.environ, **prefect_server.env}
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=240) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes.count(0) >= 1, results
    for (_out, err), code in zip(results, codes, strict=True):
        if code:  # the loser waited for the lock or was told the pipeline is busy
            assert "another promotion of twice is in progress" in err
    folder = tmp_path / "pipelines" / "twice"
    versions = [p for p in folder.iterdir() if p.is_dir()]
    assert len(versions) == 1 and not [p for p in folder.iterdir() if p.name.startswith(".tmp")]
    manifest = yaml.safe_load((versions[0] / "manifest.yaml").read_text())
    assert manifest["deployed"] is True
    assert deployment(prefect_server, "twice").version == versions[0].name


def test_server_lost_before_the_deployment_step(tmp_path, monkeypatch):
    """The release stays written but not deployed, the old deployment is untouched, and
    promoting again once the server is back finishes the job."""
    from conftest import free_port

    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.orchestration import stack
    from jupyter_promote.release import store as release
    from jupyter_promote.release import writer as release_writer
    from jupyter_promote.services import promote as service

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    config = PromoteConfig(project_dir=str(tmp_path), server_port=free_port(), startup_timeout=180)
    stack.up(config, worker=False)
    try:
        path = project_with_loans(tmp_path, "fragile.ipynb")
        form = {"name": "fragile", "owner": "ana", "schedule": "0 6 1 1 *"}
        first = service.promote(path, form, config, dry_run=False)
        nb = nbformat.read(path, as_version=4)
        nb.cells[3].source += "\n# v2"
        nbformat.write(nb, path)
        real_write = release_writer.write_release

        def write_then_lose_server(*args, **kwargs):
            written = real_write(*args, **kwargs)
            stack.down(config)  # the server goes away between the release and the deployment
            return written

        monkeypatch.setattr(service, "write_release", write_then_lose_server)
        with pytest.raises(service.DeployFailed) as info:
            service.promote(path, {}, config, dry_run=False)
        assert "is written to" in info.value.render() and "previous deployment is unchanged" in (
            info.value.render()
        )
        monkeypatch.setattr(service, "write_release", real_write)
        v2 = [p for p in (tmp_path / "pipelines" / "fragile").iterdir()
              if p.is_dir() and p.name != first.version]  # fmt: skip
        assert len(v2) == 1
        assert yaml.safe_load((v2[0] / "manifest.yaml").read_text())["deployed"] is False
        assert release.current_release(tmp_path / "pipelines", "fragile").version == first.version

        config.server_port = free_port()
        stack.up(config, worker=False)  # same database: the old deployment is still there
        from jupyter_promote.orchestration import deploy

        assert "PREFECT_API_URL" not in os.environ  # promotion does not leave it behind
        with deploy.using(stack.prefect_env(config)["PREFECT_API_URL"]):
            assert deploy.read("fragile").version == first.version
        again = service.promote(path, {}, config, dry_run=False)
        assert again.version == v2[0].name
        with deploy.using(stack.prefect_env(config)["PREFECT_API_URL"]):
            assert deploy.read("fragile").version == v2[0].name
        assert yaml.safe_load((v2[0] / "manifest.yaml").read_text())["deployed"] is True
    finally:
        stack.down(config)


def test_promote_prints_each_phase_and_dry_run_step(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "phases.ipynb")
    result = promote(
        "promote", str(path), "--name", "phases", "--owner", "ana", "--schedule", "0 6 1 1 *",
        "--project-dir", str(tmp_path), env=prefect_server.env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    order = [
        "checks: completed",
        "dry-run: started",
        "[1/4] load ok",
        "[4/4] allocation ok",
        "dry-run: completed",
        "release: completed (version ",
        "deployment: completed (phases/phases: at 06:00",
    ]
    found = [next(i for i, line in enumerate(lines) if line.startswith(o)) for o in order]
    assert found == sorted(found), result.stderr


def test_re_promotion_clears_and_switches_settings(prefect_server, tmp_path):
    """A remembered value can be cleared; cron and interval replace each other; cleared
    schedule = runs only when triggered (the deployment loses its schedule, no next runs)."""
    path = project_with_loans(tmp_path, "switch.ipynb")
    args = ["--name", "switch", "--owner", "ana", "--no-dry-run"]
    first = promote_json(
        prefect_server, path, *args, "--interval", "3600", "--sla", "09:30", project=tmp_path
    )
    assert first["schedule"] == "every hour" and len(first["next_runs"]) == 3
    cron = promote_json(prefect_server, path, "--no-dry-run", "--schedule", "0 7 * * *",
                        project=tmp_path)  # fmt: skip
    assert cron["schedule"] == "at 07:00, UTC"
    [schedule] = deployment(prefect_server, "switch").schedules
    assert schedule.schedule.cron == "0 7 * * *"
    manual = promote_json(
        prefect_server, path, "--no-dry-run", "--clear", "schedule", "--clear", "sla",
        project=tmp_path,
    )  # fmt: skip
    assert manual["schedule"] == "not scheduled (runs only when started by hand)"
    assert manual["next_runs"] == []
    assert deployment(prefect_server, "switch").schedules == []
    manifest = yaml.safe_load((Path(manual["release_dir"]) / "manifest.yaml").read_text())
    assert (manifest["schedule"], manifest["interval_seconds"], manifest["sla"]) == (None,) * 3
    form = nbformat.read(path, as_version=4).metadata["jupyter_promote"]["promotion"]
    assert (form["schedule"], form["interval_seconds"], form["sla"]) == (None, None, None)

    # `wait` on a pipeline that no run can come to answers at once, saying why
    waited = promote("wait", "switch", "--timeout", "300", "--project-dir", str(tmp_path),
                     env=prefect_server.env)  # fmt: skip
    assert waited.returncode == 1
    assert "'switch' has no schedule (it runs when triggered), so no run is coming" in (
        waited.stderr
    )


def test_a_paused_pipeline_is_never_shown_with_upcoming_runs(prefect_server, tmp_path):
    path = project_with_loans(tmp_path, "paused.ipynb")
    args = ["--name", "paused-one", "--owner", "ana", "--schedule", "0 6 1 1 *", "--no-dry-run"]
    promote_json(prefect_server, path, *args, project=tmp_path)
    paused = promote("pause", "paused-one", "--project-dir", str(tmp_path), env=prefect_server.env)
    assert paused.returncode == 0, paused.stderr
    again = promote_json(prefect_server, path, "--no-dry-run", project=tmp_path)
    assert again["unchanged"] is True and again["paused"] is True and again["next_runs"] == []
    assert "paused (no run starts until `jupyter promote resume paused-one`)" in again["schedule"]
    text = promote("promote", str(path), "--no-dry-run", "--project-dir", str(tmp_path),
                   env=prefect_server.env)  # fmt: skip
    assert "Next runs: none" in text.stdout and "paused" in text.stdout
    waited = promote("wait", "paused-one", "--project-dir", str(tmp_path), env=prefect_server.env)
    assert waited.returncode == 1
    assert "'paused-one' is paused, so no run is coming" in waited.stderr
    assert "jupyter promote resume paused-one" in waited.stderr
