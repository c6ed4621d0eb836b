"""The fleet end to end, on the session's real Prefect server: three notebooks that form a chain
through datasets (and a fourth nobody uses), promoted as a user would; then `impact`,
`lineage --json`, effective-tier tags on the deployments, `transfer`, `orphans`, and
`stale --notify --pause-after` pausing the unused one. Bad input writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from runcli import promote

from nbbuild import make_nb, write_nb

pytestmark = pytest.mark.prefect

ROSTER = """\
teams:
  - name: risk
    members:
      - id: ana
        email: ana@bank.example
      - id: ben
        email: ben@bank.example
      - id: dan
        email: dan@bank.example
  - name: reporting
    members:
      - id: carol
        email: carol@bank.example
"""


def chain(project: Path) -> dict[str, str]:
    """extract (low) -> data/loans.csv -> clean (normal) -> data/clean.csv -> report (critical,
    consumed by the regulator); and unused, whose output nobody reads."""
    (project / "data").mkdir()
    (project / "data" / "raw.csv").write_text("loan_id,amount\n1,10\n2,20\n")
    notebooks = {
        "extract": make_nb(
            ("setup", "import pandas as pd"),
            ("step:extract", "raw = pd.read_csv('data/raw.csv')\nraw.to_csv('data/loans.csv')"),
        ),
        "clean": make_nb(
            ("setup", "import pandas as pd"),
            ("step:clean", "loans = pd.read_csv('data/loans.csv')\nloans.to_csv('data/clean.csv')"),
        ),
        "report": make_nb(
            ("setup", "import pandas as pd"),
            ("step:report", "c = pd.read_csv('data/clean.csv')\nc.to_csv('reports/tape.csv')"),
        ),
        "unused": make_nb(
            ("setup", "import pandas as pd"),
            ("step:dump", "pd.DataFrame({'x': [1]}).to_csv('data/unused.csv')"),
        ),
    }
    return {name: write_nb(project / f"{name}.ipynb", nb) for name, nb in notebooks.items()}


def run(server, project: Path, *args: str):
    return promote(*args, "--project-dir", str(project), env=server.env)


def promote_json(server, project: Path, path: str, *args: str) -> dict:
    result = run(server, project, "promote", path, "--json", "--no-dry-run", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def tags(server, name: str) -> set[str]:
    with server.client() as client:
        return set(client.read_deployment_by_name(f"{name}/{name}").tags)


@pytest.fixture(scope="module")
def fleet(prefect_server, tmp_path_factory):
    project = tmp_path_factory.mktemp("fleet")
    (project / "teams.yaml").write_text(ROSTER)
    paths = chain(project)
    yearly = ["--schedule", "0 6 1 1 *"]
    results = {
        "extract": promote_json(prefect_server, project, paths["extract"], "--name", "extract",
                                "--owner", "ana", "--team", "risk", "--tier", "low", *yearly),
        "clean": promote_json(prefect_server, project, paths["clean"], "--name", "clean",
                              "--owner", "ben", "--team", "risk", "--tier", "normal", *yearly),
        "report": promote_json(prefect_server, project, paths["report"], "--name", "report",
                               "--owner", "carol", "--team", "reporting", "--tier", "critical",
                               "--consumer", "regulator", *yearly),
        "unused": promote_json(prefect_server, project, paths["unused"], "--name", "unused",
                               "--owner", "ana", "--team", "risk", "--tier", "low", *yearly),
    }  # fmt: skip
    return project, results


def test_promotion_records_found_lineage_in_the_manifest(fleet):
    _project, results = fleet
    clean = results["clean"]["lineage"]
    assert clean["reads"] == [{"key": "file:data/loans.csv", "origin": "found", "cells": [1]}]
    assert clean["writes"] == [{"key": "file:data/clean.csv", "origin": "found", "cells": [1]}]
    manifest = yaml.safe_load((Path(results["clean"]["release_dir"]) / "manifest.yaml").read_text())
    assert manifest["lineage"]["reads"][0]["key"] == "file:data/loans.csv"


def test_effective_tier_rises_upstream_and_tags_the_deployments(fleet, prefect_server):
    project, _results = fleet
    # extract is low and clean normal, but they feed the critical report
    for name in ("extract", "clean", "report"):
        assert "effective-tier:critical" in tags(prefect_server, name), name
    assert "tier:low" in tags(prefect_server, "extract")
    assert "effective-tier:low" in tags(prefect_server, "unused")
    listing = run(prefect_server, project, "ls", "--json")
    rows = {r["name"]: r for r in json.loads(listing.stdout)["pipelines"]}
    assert rows["extract"]["effective_tier"] == "critical"
    assert rows["unused"]["effective_tier"] == "low"
    mine = run(prefect_server, project, "ls", "--owner", "ana", "--json")
    assert sorted(r["name"] for r in json.loads(mine.stdout)["pipelines"]) == ["extract", "unused"]


def test_impact_of_a_pipeline_and_of_a_dataset(fleet, prefect_server):
    project, _ = fleet
    out = run(prefect_server, project, "impact", "extract", "--json")
    assert out.returncode == 0, out.stderr
    impact = json.loads(out.stdout)
    assert impact["effective_tier"] == "critical"
    reached = [(p["name"], p["depth"], p["owner"], p["via"]) for p in impact["pipelines"]]
    assert reached == [
        ("clean", 1, "ben", "file:data/loans.csv"),
        ("report", 2, "carol", "file:data/clean.csv"),
    ]
    assert impact["consumers"] == [{"consumer": "regulator", "pipeline": "report"}]
    assert "file:reports/tape.csv" in impact["datasets"]
    by_data = json.loads(run(prefect_server, project, "impact", "data/clean.csv", "--json").stdout)
    assert [p["name"] for p in by_data["pipelines"]] == ["report"]
    text = run(prefect_server, project, "impact", "extract")
    assert "pipeline extract, owner ana, tier low: effective tier critical" in text.stdout


def test_lineage_json_and_html(fleet, prefect_server, tmp_path):
    project, _ = fleet
    out = run(prefect_server, project, "lineage", "--json", "--html", str(tmp_path / "l.html"))
    assert out.returncode == 0, out.stderr
    graph = json.loads(out.stdout)
    names = {p["name"] for p in graph["pipelines"]}
    assert names == {"extract", "clean", "report", "unused"}
    assert "<svg" in (tmp_path / "l.html").read_text()


def test_unknown_impact_target_is_a_clear_error(fleet, prefect_server):
    project, _ = fleet
    out = run(prefect_server, project, "impact", "extrakt")
    assert out.returncode == 1
    assert "'extrakt' is neither a promoted pipeline nor a dataset" in out.stderr
    assert 'did you mean "extract"' in out.stderr


def test_transfer_hands_over_with_a_new_release_and_refuses_a_stranger(fleet, prefect_server):
    project, results = fleet
    stranger = run(prefect_server, project, "transfer", "--from", "ben", "--to", "zoe")
    assert stranger.returncode == 1
    assert "'zoe' is not on the team roster" in stranger.stderr
    assert (project / "pipelines" / "clean" / "CURRENT").read_text().strip() == (
        results["clean"]["version"]
    )  # nothing written
    out = run(prefect_server, project, "transfer", "--from", "ben", "--to", "dan", "--json")
    assert out.returncode == 0, out.stderr
    [moved] = json.loads(out.stdout)
    assert moved["name"] == "clean" and moved["version"] != results["clean"]["version"]
    manifest = yaml.safe_load((Path(moved["release_dir"]) / "manifest.yaml").read_text())
    assert manifest["owner"] == "dan"
    assert manifest["dry_run"].startswith("skipped (owner transfer of release")
    assert "owner:dan" in tags(prefect_server, "clean")
    assert "Owner: dan" in (project / "pipelines" / "clean" / "RUNBOOK.md").read_text()
    show = json.loads(run(prefect_server, project, "show", "clean", "--json").stdout)
    assert [e["kind"] for e in show["events"]].count("transferred") == 1


def test_orphans_lists_owners_who_left(fleet, prefect_server):
    project, _ = fleet
    roster = (project / "teams.yaml").read_text()
    try:
        (project / "teams.yaml").write_text(roster.split("  - name: reporting")[0])  # carol left
        out = run(prefect_server, project, "orphans", "--json")
        assert out.returncode == 0, out.stderr
        orphans = json.loads(out.stdout)
        assert [(o["name"], o["owner"], o["effective_tier"]) for o in orphans] == [
            ("report", "carol", "critical")
        ]
    finally:
        (project / "teams.yaml").write_text(roster)


def test_a_bad_roster_is_refused_with_every_problem_and_its_line(fleet, prefect_server):
    project, _ = fleet
    roster = (project / "teams.yaml").read_text()
    try:
        (project / "teams.yaml").write_text(
            roster + "      - id: ana\n        pager: 555\n"
        )  # a duplicate member with an unknown field
        out = run(prefect_server, project, "orphans")
        assert out.returncode == 1
        assert "teams.yaml line" in out.stderr and "ana" in out.stderr and "pager" in out.stderr
    finally:
        (project / "teams.yaml").write_text(roster)


def test_stale_notifies_then_pauses_what_nobody_uses(fleet, prefect_server):
    project, _ = fleet
    listed = json.loads(run(prefect_server, project, "stale", "--days", "0", "--json").stdout)
    assert [e["pipeline"] for e in listed["stale"]] == ["unused"]  # report has a consumer
    told = run(prefect_server, project, "stale", "--days", "0", "--notify", "--json")
    assert told.returncode == 0, told.stderr
    assert [n["pipeline"] for n in json.loads(told.stdout)["notified"]] == ["unused"]
    paused = run(prefect_server, project, "stale", "--days", "0", "--pause-after", "0", "--json")
    assert json.loads(paused.stdout)["paused"] == ["unused"]
    with prefect_server.client() as client:
        assert client.read_deployment_by_name("unused/unused").paused
    show = json.loads(run(prefect_server, project, "show", "unused", "--json").stdout)
    assert [e["kind"] for e in show["events"]][-2:] == ["notified", "paused"]
    assert (project / "pipelines" / "unused").is_dir()  # paused, never deleted
