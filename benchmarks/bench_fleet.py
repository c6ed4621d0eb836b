"""The fleet catalog at scale (issue #11): a generated catalog of 100,000 pipelines and their
lineage, on SQLite (and PostgreSQL when its binaries are installed):

- ``ls --owner X`` and ``impact`` of a pipeline with 1,000 downstream pipelines: under 100 ms;
- ``lineage --json`` of the whole fleet: under 2 s (kept in the catalog per fleet generation;
  the first after a change is assembled by the database and measured separately);
- ``catalog sync`` of 1,000 unchanged releases (real release folders): under 5 s;

side by side with the alternative the catalog replaces: reading every release's manifest from
the files (what ``ls`` did before), measured on the same 1,000 real releases.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from benchmarks.common import measure, table, verdict, write_releases

PIPELINES = 100_000
OWNERS = 2_000
FAN = 10  # the impact root fans out 10 -> 100 -> 890 pipelines: 1,000 downstream
LIMIT_QUERY_MS = 100.0
LIMIT_LINEAGE_S = 2.0
LIMIT_SYNC_S = 5.0
RELEASES = 1_000
TIERS = ("critical", "high", "normal", "low")


def _manifest_json(name: str, owner: str, tier: str) -> str:
    return json.dumps(
        {"name": name, "version": "0" * 12, "owner": owner, "tier": tier, "work_pool": "p",
         "promoted_by": owner, "promoted_at": "2026-10-01T06:00:00+00:00", "dry_run": "passed",
         "source_notebook": f"{name}.ipynb", "jupyter_promote_version": "0"}
    )  # fmt: skip


def generate(url: str) -> tuple[object, str]:
    """Fill a catalog with a layered fleet: every pipeline reads one or two datasets written
    upstream and writes one; plus a fan-out tree of 1,000 pipelines under ``impact-root``."""
    from jupyter_promote.fleet import schema as t
    from jupyter_promote.fleet.catalog import Catalog
    from jupyter_promote.fleet.tiers import effective_tiers_of

    rng = random.Random(11)
    catalog = Catalog(url)
    rows, edges, links, datasets, tiers = [], [], [], [], {}
    tree = ["impact-root"]
    for level in range(3):
        width = 890 if level == 2 else FAN ** (level + 1)
        tree += [f"impact-{level}-{i}" for i in range(width)]
    names = tree + [f"p{i:06d}" for i in range(PIPELINES - len(tree))]
    parent = {}
    for i, name in enumerate(tree[1:], 1):
        parent[name] = tree[(i - 1) // FAN]
    for i, name in enumerate(names):
        tier = TIERS[rng.randrange(4)] if not name.startswith("impact") else "normal"
        owner = f"owner{rng.randrange(OWNERS):04d}"
        tiers[name] = tier
        key = f"file:data/{name}.parquet"
        datasets.append({"key": key, "namespace": "file", "name": f"data/{name}.parquet",
                         "pattern": False})  # fmt: skip
        edges.append(
            {"pipeline": name, "dataset_key": key, "direction": "write", "origin": "found"}
        )
        sources = [parent[name]] if name in parent else (
            [names[rng.randrange(len(tree), i)] for _ in range(rng.randint(1, 2))]
            if i > len(tree) + 10 else []
        )  # fmt: skip
        for source in dict.fromkeys(sources):
            src_key = f"file:data/{source}.parquet"
            edges.append({"pipeline": name, "dataset_key": src_key, "direction": "read",
                          "origin": "found"})  # fmt: skip
            links.append({"upstream": source, "downstream": name, "dataset_key": src_key,
                          "read_key": src_key})  # fmt: skip
        rows.append({
            "name": name, "owner": owner, "owner_key": owner, "team": f"team{rng.randrange(200)}",
            "tier": tier,
            "effective_tier": tier, "version": "0" * 12, "release_dir": f"/x/{name}",
            "promoted_at": "2026-10-01T06:00:00+00:00",
            "first_promoted_at": "2026-10-01T06:00:00+00:00", "deployed": True,
            "schedule": "0 6 * * *", "interval_seconds": None, "timezone": "UTC", "sla": None,
            "manifest": _manifest_json(name, owner, tier), "fingerprint": "generated",
        })  # fmt: skip
    effective = effective_tiers_of(tiers, [(lk["upstream"], lk["downstream"]) for lk in links])
    for row in rows:
        row["effective_tier"] = effective[row["name"]]
    with catalog.engine.begin() as conn:
        for table_, batch in ((t.pipelines, rows), (t.datasets, datasets), (t.edges, edges),
                              (t.links, links)):  # fmt: skip
            for start in range(0, len(batch), 5_000):
                conn.execute(insert(table_), batch[start : start + 5_000])
    return catalog, rows[len(tree) + 5]["owner"]


def _queries(url: str, label: str) -> list[list[object]]:
    from jupyter_promote.config import PromoteConfig
    from jupyter_promote.services.fleet import impact

    started = time.perf_counter()
    catalog, owner = generate(url)
    built = time.perf_counter() - started
    config = PromoteConfig(project_dir=tempfile.mkdtemp(), catalog_url=url)
    listed = measure(lambda: catalog.pipelines(owner=owner), repeat=15)
    report = impact(config, "impact-root", catalog=catalog)
    assert len(report.pipelines) == 1_000, len(report.pipelines)
    hit = measure(lambda: impact(config, "impact-root", catalog=catalog), repeat=7)

    def lineage() -> None:  # what `lineage --json` does
        "".join(catalog.lineage_json_text())

    def changed_lineage() -> None:  # the first `lineage --json` after a promotion
        with catalog._tx() as conn:
            catalog._touch(conn)  # what every change to the fleet's tables does
        lineage()

    rebuilt = measure(changed_lineage, repeat=3, warmup=0)
    whole = measure(lineage, repeat=5)
    catalog.close()
    return [
        [label, f"generate {PIPELINES:,} pipelines", f"{built:.1f} s", "", ""],
        [label, f"ls --owner X ({len(catalog.pipelines(owner=owner))} rows)",
         f"{listed['median']:.1f} ms", f"< {LIMIT_QUERY_MS:.0f} ms",
         verdict(listed["median"], LIMIT_QUERY_MS)],
        [label, "impact of a pipeline with 1,000 downstream", f"{hit['median']:.1f} ms",
         f"< {LIMIT_QUERY_MS:.0f} ms", verdict(hit["median"], LIMIT_QUERY_MS)],
        [label, "lineage --json of the whole fleet", f"{whole['median'] / 1000:.2f} s",
         f"< {LIMIT_LINEAGE_S:.0f} s", verdict(whole["median"] / 1000, LIMIT_LINEAGE_S)],
        [label, "lineage --json, first after a change (assembled by the database)",
         f"{rebuilt['median'] / 1000:.2f} s", f"< {LIMIT_LINEAGE_S:.0f} s",
         verdict(rebuilt["median"] / 1000, LIMIT_LINEAGE_S)],
    ]  # fmt: skip


def _sync_rows(folder: Path) -> list[list[object]]:
    """1,000 real release folders: sync once, then time the unchanged sync; the alternative,
    reading every current manifest from the files, side by side."""
    from jupyter_promote.fleet.catalog import Catalog
    from jupyter_promote.release.settings import PromotionSettings
    from jupyter_promote.services.pipelines import manifests

    settings = (PromotionSettings(name=f"r{i:04d}", owner=f"o{i % 50}") for i in range(RELEASES))
    write_releases(folder / "pipelines", "import pandas as pd\ndf = pd.read_csv('data/in.csv')",
                   settings)  # fmt: skip
    catalog = Catalog(f"sqlite:///{folder / 'catalog.db'}")
    catalog.sync(folder / "pipelines", folder)
    unchanged = measure(lambda: catalog.sync(folder / "pipelines", folder), repeat=5)

    from jupyter_promote.config import PromoteConfig

    config = PromoteConfig(project_dir=str(folder))
    files = measure(lambda: [m for m in manifests(config) if m.owner == "o7"], repeat=3)
    indexed = measure(lambda: catalog.pipelines(owner="o7"), repeat=15)
    catalog.close()
    seconds = unchanged["median"] / 1000
    return [
        ["sqlite", f"catalog sync of {RELEASES:,} unchanged releases", f"{seconds:.2f} s",
         f"< {LIMIT_SYNC_S:.0f} s", verdict(seconds, LIMIT_SYNC_S)],
        ["files", f"ls --owner X by reading {RELEASES:,} manifests (before)",
         f"{files['median']:.0f} ms", "", "baseline"],
        ["sqlite", f"ls --owner X from the catalog ({RELEASES:,} pipelines)",
         f"{indexed['median']:.1f} ms", "", f"{files['median'] / indexed['median']:.0f}x faster"],
    ]  # fmt: skip


def _postgres_url() -> tuple[str | None, object | None]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    try:
        from pgserver import start_postgres

        server = start_postgres(Path(tempfile.mkdtemp()))
    except Exception as exc:  # no PostgreSQL here: SQLite only, said in the table
        return None, exc
    server.create_database("bench")
    return server.url("bench"), server


def run() -> tuple[str, bool]:
    rows = _queries(f"sqlite:///{tempfile.mkdtemp()}/catalog.db", "sqlite")
    url, server = _postgres_url()
    if url is not None:
        try:
            rows += _queries(url, "postgresql")
        finally:
            server.stop()  # type: ignore[attr-defined]
    else:
        rows.append(["postgresql", f"skipped: {server}", "", "", ""])
    with tempfile.TemporaryDirectory() as folder:
        rows += _sync_rows(Path(folder))
    text = table("Fleet catalog at scale", ["database", "what", "median", "target", ""], rows)
    return text, not any(r[-1] == "FAIL" for r in rows)


if __name__ == "__main__":
    text, passed = run()
    print(text)
    sys.exit(0 if passed else 1)
