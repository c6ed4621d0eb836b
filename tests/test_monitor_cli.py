"""`jupyter promote monitor --replay` as a user runs it (a real subprocess): the worked example of
docs/monitor-replay.md replayed by the command prints exactly what the doc shows, as text and as
JSON lines; a bad timeline line is named with its fix; `incidents` before any monitor ran."""

from __future__ import annotations

import json

from monitor_fleets import worked_example, worked_example_text
from runcli import promote

from jupyter_promote.monitor.replay import replay


def test_the_replay_command_prints_what_the_doc_shows(tmp_path):
    timeline, shown = worked_example_text()
    project = worked_example(tmp_path / "project")
    (tmp_path / "timeline.jsonl").write_text("\n".join(timeline) + "\n")

    text = promote("monitor", "--replay", str(tmp_path / "timeline.jsonl"), "--project-dir",
                   str(project))  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert text.stdout.strip() == shown.strip()

    as_json = promote("monitor", "--replay", str(tmp_path / "timeline.jsonl"), "--project-dir",
                      str(project), "--json")  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    lines = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert lines == [alert.to_dict() for alert in replay(project, timeline)]
    for line in lines:  # the fields the issue asks for
        assert {"at", "incident", "kind", "pipeline", "root_cause", "blast_radius",
                "effective_tier", "to", "channel", "message"} <= set(line)  # fmt: skip


def test_a_bad_timeline_line_is_named_with_its_fix(tmp_path):
    project = worked_example(tmp_path / "project")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"at": "2026-11-03T06:00:00+00:00", "event": "failed", "pipeline": "extrct",'
                   ' "run": "r1"}\n')  # fmt: skip
    done = promote("monitor", "--replay", str(bad), "--project-dir", str(project))
    assert done.returncode != 0
    assert 'bad.jsonl line 1: no pipeline "extrct" in the fleet' in done.stderr
    assert "extract" in done.stderr  # did you mean
    assert "Traceback" not in done.stderr


def test_incidents_before_any_monitor_ran(tmp_path):
    project = worked_example(tmp_path / "project")
    done = promote("incidents", "--project-dir", str(project))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no incidents"
    done = promote("incidents", "--open", "--json", "--project-dir", str(project))
    assert json.loads(done.stdout) == []
