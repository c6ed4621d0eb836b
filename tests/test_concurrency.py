"""Per-pipeline concurrency: the setting (validation, form, release, runbook), the backfill's
cap (pure), and on the session's real Prefect server and worker, a second run that waits
(enqueue) or is cancelled (cancel-new), and a backfill that stays within the limit."""

from __future__ import annotations

import argparse
import json
import time
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcli import promote

from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.frontends.promote_options import add_promote_options, given_settings
from jupyter_promote.release.concurrency import backfill_slots, describe_concurrency
from jupyter_promote.release.form import read_promotion, write_promotion
from jupyter_promote.release.manifest import ReleaseManifest, build_manifest
from jupyter_promote.release.runbook import render_runbook
from jupyter_promote.release.settings import PromotionInvalid, PromotionSettings, validate_settings
from jupyter_promote.release.version import release_version
from jupyter_promote.services.backfill import FINAL
from jupyter_promote.services.promote import merge_settings, preview
from nbbuild import make_nb, write_nb

BASE = {"name": "nap", "owner": "ana"}


def problems(**changes):
    with pytest.raises(PromotionInvalid) as info:
        validate_settings({**BASE, **changes})
    return info.value.problems


def nap_nb(seconds: float = 3):
    """A parameter to backfill and one step that sleeps: runs long enough to overlap."""
    return make_nb(
        ("parameters", 'day = "2026-10-01"'),
        ("step:nap", f"import time\ntime.sleep({seconds})\nslept = day"),
    )


# -- the setting ---------------------------------------------------------------------------------


def test_one_run_at_a_time_and_enqueue_by_default():
    settings = validate_settings(BASE)
    assert (settings.concurrency, settings.on_collision) == (1, "enqueue")


def test_numbers_as_text_and_prefect_spelling_are_accepted():
    settings = validate_settings({**BASE, "concurrency": " 3 ", "on_collision": "CANCEL_NEW"})
    assert (settings.concurrency, settings.on_collision) == (3, "cancel-new")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "concurrency: 0 runs at a time would never run; write 1 or more (1: one at a time)"),
        ("-2", "concurrency: -2 runs at a time would never run; write 1 or more"),
        ("two", "concurrency: 'two' is not a whole number of runs; write how many runs may be"),
        (1.5, "concurrency: 1.5 is not a whole number of runs"),
        (True, "concurrency: True is not a whole number of runs"),
    ],
)
def test_concurrency_must_be_a_whole_number_from_one(value, message):
    [problem] = problems(concurrency=value)
    assert problem.startswith(message)


def test_an_unknown_collision_strategy_names_both_and_suggests_one():
    [problem] = problems(on_collision="cancel")
    assert problem.startswith(
        'on_collision: "cancel" is not one of enqueue, cancel-new; did you mean "cancel-new"?'
    )
    assert 'with "enqueue" a run beyond the concurrency limit waits' in problem


def test_every_problem_at_once_with_the_others():
    fields = [p.split(":")[0] for p in problems(concurrency=0, on_collision="drop", tier="x")]
    assert fields == ["tier", "concurrency", "on_collision"]


def test_remembered_in_the_notebook_and_merged_like_the_other_settings():
    nb = make_nb(("step:a", "x = 1"))
    saved = validate_settings({**BASE, "concurrency": 2, "on_collision": "cancel-new"})
    write_promotion(nb, saved)
    assert nb.metadata["jupyter_promote"]["promotion"]["concurrency"] == 2
    remembered = read_promotion(nb)
    assert remembered == saved
    assert merge_settings(remembered, {"tier": "high"}).concurrency == 2  # absent: kept
    back = merge_settings(remembered, {"concurrency": None, "on_collision": None})
    assert (back.concurrency, back.on_collision) == (1, "enqueue")  # null: the default


def test_command_line_options():
    parser = argparse.ArgumentParser()
    add_promote_options(parser)
    given = given_settings(parser.parse_args(["--concurrency", "4", "--on-collision", "enqueue"]))
    assert (given["concurrency"], given["on_collision"]) == (4, "enqueue")
    assert "concurrency" not in given_settings(parser.parse_args([]))


def test_preview_says_it_in_words():
    assert preview({**BASE, "concurrency": 2}).concurrency == (
        "at most 2 runs at a time; a run that would exceed it waits (enqueue)"
    )
    assert preview({**BASE, "concurrency": 0}).concurrency is None


# -- the release ---------------------------------------------------------------------------------


def test_defaults_keep_old_versions_and_a_change_is_a_new_version():
    nb = nap_nb()
    before = PromotionSettings(**BASE)
    assert release_version(nb, before) == release_version(
        nb, PromotionSettings(**BASE, concurrency=1, on_collision="enqueue")
    )
    assert release_version(nb, before) != release_version(
        nb, PromotionSettings(**BASE, concurrency=2)
    )
    assert release_version(nb, before) != release_version(
        nb, PromotionSettings(**BASE, on_collision="cancel-new")
    )


def manifest_of(settings: PromotionSettings) -> ReleaseManifest:
    nb = nap_nb()
    return build_manifest(
        nb,
        analyze_notebook(nb, "nap.ipynb"),
        settings,
        promoted_by="ana",
        promoted_at="2026-01-02T03:04:05+00:00",
        dry_run="passed",
    )


def test_the_manifest_keeps_it_and_an_older_manifest_reads_as_the_default():
    manifest = manifest_of(PromotionSettings(**BASE, concurrency=3, on_collision="cancel-new"))
    assert (manifest.concurrency, manifest.on_collision) == (3, "cancel-new")
    assert manifest.settings().concurrency == 3
    older = manifest.model_dump(mode="json")
    del older["concurrency"], older["on_collision"]
    again = ReleaseManifest.model_validate(older)
    assert (again.concurrency, again.on_collision) == (1, "enqueue")


def test_the_runbook_says_how_many_runs_at_a_time():
    nb = nap_nb()
    text = render_runbook(
        analyze_notebook(nb, "nap.ipynb"),
        PromotionSettings(**BASE),
        version="0123456789ab",
        schedule_text="not scheduled",
        promoted_by="ana",
        promoted_at="2026-01-02T03:04:05+00:00",
        dry_run="passed",
    )
    line = "- Concurrency: at most 1 run at a time; a run that would exceed it waits (enqueue)"
    assert line in text.splitlines()


def test_the_deployment_gets_prefects_limit_and_strategy():
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions

    from jupyter_promote.orchestration.deploy import _concurrency, concurrency_of

    sent = _concurrency(manifest_of(PromotionSettings(**BASE, on_collision="cancel-new")))
    assert sent["concurrency_limit"] == 1
    assert sent["concurrency_options"].collision_strategy == ConcurrencyLimitStrategy.CANCEL_NEW
    read = SimpleNamespace(
        global_concurrency_limit=SimpleNamespace(limit=2, active=True),
        concurrency_options=ConcurrencyOptions(collision_strategy="CANCEL_NEW"),
    )
    assert concurrency_of(read) == (2, "cancel-new")
    unlimited = SimpleNamespace(global_concurrency_limit=None, concurrency_options=None)
    assert concurrency_of(unlimited) == (None, "enqueue")


# -- the backfill's cap --------------------------------------------------------------------------


def test_backfill_within_the_limit_is_unchanged_and_above_it_is_capped_and_told():
    assert backfill_slots("nap", 3, None, "enqueue").at_once == 3
    assert backfill_slots("nap", 2, 4, "enqueue").notice is None
    capped = backfill_slots("nap", 3, 1, "enqueue")
    assert capped.at_once == 1
    assert capped.notice == "pipeline nap runs at most 1 at a time: backfill runs 1 at once"
    cancel = backfill_slots("nap", 3, 2, "cancel-new")
    assert cancel.at_once == 2 and "cancel-new" in cancel.notice and "CANCELLED" in cancel.notice


@given(
    wanted=st.integers(min_value=-2, max_value=50),
    limit=st.none() | st.integers(min_value=1, max_value=50),
    collision=st.sampled_from(["enqueue", "cancel-new"]),
)
def test_backfill_never_exceeds_the_limit_nor_what_was_asked(wanted, limit, collision):
    slots = backfill_slots("p", wanted, limit, collision)
    assert 1 <= slots.at_once <= max(1, wanted)
    assert limit is None or slots.at_once <= limit
    assert slots.at_once == (max(1, wanted) if limit is None else min(max(1, wanted), limit))
    capped = slots.at_once < max(1, wanted)
    takes_every_slot = collision == "cancel-new" and slots.at_once == limit
    assert (slots.notice is not None) == (capped or takes_every_slot)
    if capped:
        assert f"runs at most {limit} at a time" in slots.notice


def test_a_run_waiting_for_a_slot_is_unfinished():
    # Prefect's AwaitingConcurrencySlot is a SCHEDULED state; CANCELLED (cancel-new) is final
    assert "SCHEDULED" not in FINAL and "PENDING" not in FINAL and "CANCELLED" in FINAL


def test_describe_concurrency_for_show():
    assert describe_concurrency(2, "cancel-new") == (
        "at most 2 runs at a time; a run that would exceed it is cancelled (cancel-new)"
    )


# -- on a real Prefect server --------------------------------------------------------------------


def promote_json(server, path, *args, project):
    result = promote(
        "promote", str(path), "--json", "--no-dry-run", "--project-dir", str(project), *args,
        env=server.env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def limit_of(server, name):
    with server.client() as client:
        d = client.read_deployment_by_name(f"{name}/{name}")
    return d.global_concurrency_limit.limit, d.concurrency_options.collision_strategy.value


def trigger_two(server, name):
    from jupyter_promote.orchestration import deploy

    with deploy.using(server.api_url):
        return [deploy.trigger(name, {}) for _ in range(2)]


def finished(server, run_ids, seconds=240):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with server.client() as client:
            runs = [client.read_flow_run(r) for r in run_ids]
        if all(r.state and r.state.is_final() for r in runs):
            return runs
        time.sleep(1)
    raise AssertionError(f"runs not finished within {seconds} s: {[r.state for r in runs]}")


def history(server, run_id):
    with server.client() as client:
        return sorted(client.read_flow_run_states(run_id), key=lambda s: s.timestamp)


@pytest.mark.prefect
def test_enqueue_makes_the_second_run_wait_then_run(prefect_server, tmp_path):
    path = write_nb(tmp_path / "nap.ipynb", nap_nb())
    out = promote_json(
        prefect_server, path, "--name", "nap-enqueue", "--owner", "ana", "--concurrency", "1",
        "--on-collision", "enqueue", project=tmp_path,
    )  # fmt: skip
    assert (
        out["concurrency"] == "at most 1 run at a time; a run that would exceed it waits (enqueue)"
    )
    assert limit_of(prefect_server, "nap-enqueue") == (1, "ENQUEUE")

    runs = finished(prefect_server, trigger_two(prefect_server, "nap-enqueue"))
    assert [r.state.type.value for r in runs] == ["COMPLETED", "COMPLETED"], runs
    states = {str(r.id): history(prefect_server, r.id) for r in runs}
    waited = [i for i, h in states.items() if any(s.name == "AwaitingConcurrencySlot" for s in h)]
    assert waited, {i: [s.name for s in h] for i, h in states.items()}
    # one at a time: the later run started running only after the earlier one had completed
    spans = sorted(
        (next(s.timestamp for s in h if s.type.value == "RUNNING"), h[-1].timestamp)
        for h in states.values()
    )
    assert spans[0][1] <= spans[1][0], spans


@pytest.mark.prefect
def test_cancel_new_cancels_the_second_run_and_backfill_stays_within_the_limit(
    prefect_server, tmp_path
):
    path = write_nb(tmp_path / "nap.ipynb", nap_nb())
    project = ["--project-dir", str(tmp_path)]
    first = promote_json(prefect_server, path, "--name", "nap-cancel", "--owner", "ana",
                         project=tmp_path)  # fmt: skip
    assert limit_of(prefect_server, "nap-cancel") == (1, "ENQUEUE")  # the default
    second = promote_json(prefect_server, path, "--on-collision", "cancel-new", project=tmp_path)
    assert second["version"] != first["version"]  # part of the release, like the schedule
    assert limit_of(prefect_server, "nap-cancel") == (1, "CANCEL_NEW")  # the update moved it

    runs = finished(prefect_server, trigger_two(prefect_server, "nap-cancel"))
    assert sorted(r.state.type.value for r in runs) == ["CANCELLED", "COMPLETED"], runs
    [cancelled] = [r for r in runs if r.state.type.value == "CANCELLED"]
    assert "concurrency limit" in (cancelled.state.message or ""), cancelled.state

    filled = promote(
        "backfill", "nap-cancel", "--param", "day", "--from", "2026-10-01", "--to", "2026-10-02",
        "--max-concurrent", "2", *project, env=prefect_server.env, timeout=300,
    )  # fmt: skip
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert "note: pipeline nap-cancel runs at most 1 at a time: backfill runs 1 at once" in (
        filled.stdout
    )
    assert "2 of 2 runs completed" in filled.stdout

    back = promote("rollback", "nap-cancel", *project, env=prefect_server.env)
    assert back.returncode == 0, back.stderr
    assert limit_of(prefect_server, "nap-cancel") == (1, "ENQUEUE")  # rollback restores it
