"""Backfill: the values (pure) and one run per value on a real server and worker."""

from __future__ import annotations

import re
import shutil

import pytest
from runcli import ROOT, promote

from jupyter_promote.release.manifest import ParameterInfo
from jupyter_promote.services.backfill_values import (
    BackfillInvalid,
    backfill_values,
    find_parameter,
)

AS_OF = ParameterInfo(name="as_of", type="str", default="2026-11-01")
SCORE = ParameterInfo(name="min_score", type="int", default=600)


def test_dates_every_day_inclusive_across_a_month_end():
    values = backfill_values(AS_OF, "2026-09-29", "2026-10-02")
    assert values == ["2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02"]


def test_dates_every_week_stop_at_the_end():
    assert backfill_values(AS_OF, "2026-10-01", "2026-10-20", every=7) == [
        "2026-10-01", "2026-10-08", "2026-10-15",
    ]  # fmt: skip


def test_ints_with_a_step():
    assert backfill_values(SCORE, "500", "700", every=100) == [500, 600, 700]


@pytest.mark.parametrize(
    ("parameter", "start", "end", "every", "message"),
    [
        (AS_OF, "2026-10-15", "2026-10-01", 1, "is empty"),
        (AS_OF, "2026-10-01", "yesterday", 1, "'yesterday' is not an ISO date"),
        (SCORE, "5OO", "700", 1, "'5OO' is not an integer"),
        (AS_OF, "2020-01-01", "2026-01-01", 1, "means 2193 runs (at most 1000)"),
        (AS_OF, "2026-10-01", "2026-10-02", 0, "--every must be 1 or more"),
        (ParameterInfo(name="rate", type="float", default=0.1), "1", "2", 1, "of type float"),
    ],
)
def test_bad_ranges_are_refused_with_the_reason(parameter, start, end, every, message):
    with pytest.raises(BackfillInvalid) as caught:
        backfill_values(parameter, start, end, every)
    assert message in caught.value.message


def test_unknown_parameter_lists_the_known_ones():
    with pytest.raises(BackfillInvalid) as caught:
        find_parameter([AS_OF, SCORE], "asof", "loans")
    assert "has no parameter 'asof' (its parameters: as_of, min_score)" in caught.value.message


@pytest.mark.prefect
def test_backfill_runs_once_per_date_and_reports_each(prefect_server, tmp_path):
    shutil.copy(ROOT / "example_notebooks" / "loans.ipynb", tmp_path / "filled.ipynb")
    project = ["--project-dir", str(tmp_path)]
    promoted = promote(
        "promote", str(tmp_path / "filled.ipynb"), "--name", "filled", "--owner", "ana",
        "--schedule", "0 6 1 1 *", "--concurrency", "2", "--no-dry-run", "--json", *project,
        env=prefect_server.env,
    )  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    result = promote(
        "backfill", "filled", "--param", "as_of", "--from", "2026-10-01", "--to", "2026-10-03",
        "--max-concurrent", "2", *project, env=prefect_server.env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = re.findall(r"\[(\d)/3\] as_of=(\S+) +(\w+)", result.stdout)
    assert sorted(v for _, v, _ in lines) == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert [d for d, _, _ in lines] == ["1", "2", "3"] and {s for *_, s in lines} == {"COMPLETED"}
    assert "3 of 3 runs completed" in result.stdout
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with prefect_server.client() as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=["backfill"]))
        )
    mine = [r for r in runs if r.name.startswith("backfill-as_of-")]
    assert sorted(r.parameters["as_of"] for r in mine) == ["2026-10-01", "2026-10-02", "2026-10-03"]

    refused = promote(
        "backfill", "filled", "--param", "cutoff", "--from", "1", "--to", "2", *project,
        env=prefect_server.env,
    )  # fmt: skip
    assert refused.returncode != 0 and "has no parameter 'cutoff'" in refused.stderr
