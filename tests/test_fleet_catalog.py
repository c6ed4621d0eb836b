"""The fleet catalog against real release folders, on SQLite and on a real PostgreSQL: sync
is incremental and rebuilds a lost catalog; links match datasets (placeholders included);
impact walks them; effective tiers follow; reads and events are kept; stale rules hold on a
fixed clock. No Prefect needed: the release files are the catalog's source of truth."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from jupyter_promote.analysis.pipeline import analyze_notebook
from jupyter_promote.fleet.catalog import Catalog
from jupyter_promote.release.manifest import DatasetUse, Lineage
from jupyter_promote.release.settings import PromotionSettings
from jupyter_promote.release.store import set_current
from jupyter_promote.release.writer import write_release
from nbbuild import make_nb

T0 = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'catalog.db'}"
    return request.getfixturevalue("postgres_url")


def release(
    project: Path,
    name: str,
    *,
    owner: str = "ana",
    tier: str = "normal",
    reads: tuple[str, ...] = (),
    writes: tuple[str, ...] = (),
    consumers: tuple[str, ...] = (),
    code: str = "x = 1",
    at: datetime = T0,
) -> Path:
    """Write a real release of a one-step notebook and make it current."""
    nb = make_nb(("step:main", code))
    settings = PromotionSettings(name=name, owner=owner, tier=tier, consumers=list(consumers))
    lineage = Lineage(
        reads=[DatasetUse(key=k, origin="found") for k in reads],
        writes=[DatasetUse(key=k, origin="found") for k in writes],
    )
    folder, manifest, _ = write_release(
        project / "pipelines",
        nb,
        analyze_notebook(nb, f"{name}.ipynb"),
        settings,
        promoted_by=owner,
        promoted_at=at,
        dry_run="passed",
        environment_lock=[],
        schedule_text="not scheduled",
        lineage=lineage,
    )
    set_current(project / "pipelines", name, manifest.version)
    return folder


def chain(project: Path) -> None:
    release(project, "extract", tier="low", writes=("file:data/loans_{as_of}.csv",))
    release(project, "clean", owner="ben", reads=("file:data/loans_2026-11-01.csv",),
            writes=("sql:risk.loans_clean",))  # fmt: skip
    release(project, "report", owner="carol", tier="critical", reads=("sql:risk.loans_clean",),
            consumers=("regulator",))  # fmt: skip
    release(project, "unrelated", tier="high", writes=("s3://lake/other.parquet",))


def test_sync_indexes_links_and_effective_tiers(tmp_path, catalog_url):
    chain(tmp_path)
    catalog = Catalog(catalog_url)
    report = catalog.sync(tmp_path / "pipelines", tmp_path)
    assert sorted(report.added) == ["clean", "extract", "report", "unrelated"]
    # a placeholder in the writer's name joins the reader's concrete file
    assert catalog.walk(["extract"]) == {
        "clean": (1, "extract", "file:data/loans_{as_of}.csv"),
        "report": (2, "clean", "sql:risk.loans_clean"),
    }
    assert catalog.walk(["report"], down=False) == {
        "clean": (1, "report", "sql:risk.loans_clean"),
        "extract": (2, "clean", "file:data/loans_{as_of}.csv"),
    }
    tiers = {r.name: (r.tier, r.effective_tier) for r in catalog.pipelines()}
    assert tiers == {
        "clean": ("normal", "critical"),
        "extract": ("low", "critical"),
        "report": ("critical", "critical"),
        "unrelated": ("high", "high"),
    }
    assert [r.name for r in catalog.pipelines(owner="BEN")] == ["clean"]
    assert [r.name for r in catalog.pipelines(tier="critical")] == ["clean", "extract", "report"]
    assert catalog.consumers_of(["report"]) == {"report": ["regulator"]}
    catalog.close()


def test_sync_is_incremental_and_rebuilds_a_lost_catalog(tmp_path, catalog_url):
    chain(tmp_path)
    catalog = Catalog(catalog_url)
    catalog.sync(tmp_path / "pipelines", tmp_path)
    again = catalog.sync(tmp_path / "pipelines", tmp_path)
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 4)
    # a new release of report that drops its read: clean and extract fall back
    release(tmp_path, "report", owner="carol", tier="critical", code="y = 2",
            at=T0 + timedelta(days=1))  # fmt: skip
    changed = catalog.sync(tmp_path / "pipelines", tmp_path)
    assert changed.updated == ["report"]
    # extract still feeds clean (normal): normal, no longer critical
    assert changed.tiers_changed == {
        "clean": ("critical", "normal"),
        "extract": ("critical", "normal"),
    }
    # a pipeline folder removed from the files is removed from the index
    (tmp_path / "pipelines" / "unrelated" / "CURRENT").unlink()
    assert catalog.sync(tmp_path / "pipelines", tmp_path).removed == ["unrelated"]
    catalog.close()
    if catalog_url.startswith("sqlite:///"):
        os.remove(catalog_url.removeprefix("sqlite:///"))  # lost: the next open rebuilds it
        rebuilt = Catalog(catalog_url)
        assert sorted(rebuilt.sync(tmp_path / "pipelines", tmp_path).added) == [
            "clean",
            "extract",
            "report",
        ]
        rebuilt.close()


def test_reads_and_events_are_kept(tmp_path, catalog_url):
    chain(tmp_path)
    catalog = Catalog(catalog_url)
    catalog.sync(tmp_path / "pipelines", tmp_path)
    catalog.record_read("sql:risk.loans_clean", "dashboard", at=T0)
    catalog.record_read("sql:risk.loans_clean", "report", at=T0 + timedelta(days=2))
    assert catalog.last_reads(["sql:risk.loans_clean", "s3://lake/other.parquet"]) == {
        "sql:risk.loans_clean": (T0 + timedelta(days=2), "report")
    }
    catalog.log("report", "claimed", actor="carol", until=T0 + timedelta(days=90), at=T0)
    [event] = catalog.events("report")
    assert (event["kind"], event["actor"], event["until"][:10]) == (
        "claimed",
        "carol",
        "2026-12-30",
    )
    catalog.close()


def test_the_catalog_agrees_with_the_pure_graph_on_random_fleets(tmp_path):
    """jp_links + walk (the fast path) and the in-memory graph (the definition) give the same
    downstream sets and effective tiers."""
    import random

    from jupyter_promote.fleet.graph import FleetGraph, downstream, effective_tiers

    random_fleet(tmp_path, random.Random(7), 25, [f"file:d/{i}.csv" for i in range(12)])
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.db'}")
    catalog.sync(tmp_path / "pipelines", tmp_path)
    graph = FleetGraph.build(catalog.fleet())
    assert {r.name: r.effective_tier for r in catalog.pipelines()} == effective_tiers(graph)
    for n in range(25):
        fast = set(catalog.walk([f"p{n}"]))
        pure = {p.name for p in downstream(graph, f"p{n}").pipelines}
        assert fast == pure, n
    catalog.close()


def random_fleet(
    project: Path, rng: Any, count: int, keys: list[str], consumers: list[str] | None = None
) -> None:
    """``count`` pipelines p0.. of random tiers, each reading and writing up to two of
    ``keys`` (and consumed by up to one of ``consumers``)."""
    for n in range(count):
        release(
            project,
            f"p{n}",
            tier=rng.choice(["critical", "high", "normal", "low"]),
            reads=tuple(rng.sample(keys, rng.randint(0, 2))),
            writes=tuple(rng.sample(keys, rng.randint(0, 2))),
            consumers=tuple(rng.sample(consumers, rng.randint(0, 1))) if consumers else (),
        )


def test_lineage_json_from_the_index_equals_the_pure_graphs(tmp_path, catalog_url):
    """`lineage --json` comes straight from the catalog's tables (fast at 100,000 pipelines):
    it must say exactly what the pure graph (the definition) says, placeholders included."""
    import random

    from jupyter_promote.fleet.graph import FleetGraph, to_json

    keys = [f"file:d/{i}.csv" for i in range(8)] + ["file:d/day_{as_of}.csv", "file:d/day_1.csv"]
    random_fleet(tmp_path, random.Random(3), 20, keys, consumers=["cfo", "ops", "bi"])
    catalog = Catalog(catalog_url)
    catalog.sync(tmp_path / "pipelines", tmp_path)
    expected = to_json(FleetGraph.build(catalog.fleet()))
    assert catalog.lineage_json() == expected
    assert json.loads("".join(catalog.lineage_json_text())) == expected
    assert json.loads("".join(catalog.lineage_json_text())) == expected  # kept, same answer
    # a change to the fleet is seen at once: the kept text is for the generation before it
    release(tmp_path, "p0", tier="critical", writes=("file:d/new.csv",))
    catalog.sync(tmp_path / "pipelines", tmp_path)
    changed = to_json(FleetGraph.build(catalog.fleet()))
    assert changed != expected
    assert json.loads("".join(catalog.lineage_json_text())) == changed
    catalog.close()
