"""The fleet catalog: an index of every promoted pipeline's current release, its lineage, the
reads of its outputs and what happened to it, in SQLite (default) or any SQLAlchemy database.

The release files are the source of truth: :meth:`Catalog.sync` rebuilds the index from them
incrementally (a pipeline whose current release did not change costs one ``stat`` and no
write), and a lost catalog is rebuilt on the next command. Promotions and transfers write
through (:meth:`Catalog.put`). Queries that must stay fast on 100,000 pipelines (listing by
owner, impact) use indexed tables; the matching of datasets between pipelines (placeholders
included) is done once per change and kept in ``jp_links``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import (
    Connection,
    Engine,
    String,
    any_,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy import update as sql_update

from jupyter_promote.fleet import schema as t
from jupyter_promote.fleet.datasets import matches, parse_dataset
from jupyter_promote.fleet.model import DatasetRef, Fleet, FleetPipeline, highest_tier
from jupyter_promote.fleet.tiers import effective_tiers_of
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.store import CURRENT, list_releases, read_manifest
from jupyter_promote.release.version import MANIFEST as MANIFEST_NAME


@dataclass
class SyncReport:
    """What a sync changed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    tiers_changed: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class Row:
    """A pipeline as the catalog lists it."""

    name: str
    owner: str
    team: str
    tier: str
    effective_tier: str
    version: str
    release_dir: str
    promoted_at: str
    deployed: bool
    schedule: str | None
    interval_seconds: int | None
    timezone: str
    sla: str | None

    def manifest(self, catalog: Catalog) -> dict[str, Any]:
        return catalog.manifest(self.name)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # the timeout first: switching a new database to WAL takes a lock another process may hold
    cursor.execute("PRAGMA busy_timeout=10000")  # writers queue instead of "database is locked"
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the catalog URL; SQLite gets WAL mode and a busy timeout."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Catalog:
    """The fleet index in one database (see the module docstring).

    Example:
        >>> import tempfile
        >>> catalog = Catalog(f"sqlite:///{tempfile.mkdtemp()}/catalog.db")
        >>> catalog.pipelines()
        []
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._migrate()

    def _migrate(self) -> None:
        """Create the tables; an index of an older shape is rebuilt from the files (its
        history, reads and events, is kept: those tables have not changed shape). Two
        processes opening a new catalog at once (the monitor and a command) take turns."""
        with self._exclusive() as conn:
            self._create_schema(conn)
            t.metadata.create_all(conn)
            stored = conn.execute(
                select(t.meta.c.value).where(t.meta.c.key == "schema_version")
            ).scalar()
            if stored == str(t.SCHEMA_VERSION):
                return
            # new, or an older shape: the derived tables are (re)built by the next sync
            for table in (t.links, t.edges, t.consumers, t.datasets, t.pipelines, t.lineage):
                table.drop(conn, checkfirst=True)
            t.metadata.create_all(conn)
            conn.execute(delete(t.meta).where(t.meta.c.key == "schema_version"))
            conn.execute(insert(t.meta).values(key="schema_version", value=str(t.SCHEMA_VERSION)))

    def _create_schema(self, conn: Connection) -> None:
        """On PostgreSQL, create the schema the tables go to (the first of the connection's
        ``search_path``: ``jupyter_promote`` in a database shared with Prefect) if missing."""
        if self.engine.dialect.name != "postgresql":
            return
        path = conn.execute(sql_text("SHOW search_path")).scalar() or ""
        first = path.split(",")[0].strip().strip('"')
        if first and first != "$user":
            conn.execute(sql_text(f'CREATE SCHEMA IF NOT EXISTS "{first.replace(chr(34), "")}"'))

    @contextmanager
    def _exclusive(self) -> Iterator[Connection]:
        """One transaction no other process runs at the same time: a file lock beside a SQLite
        database, a transaction-scoped advisory lock on PostgreSQL."""
        if self.engine.dialect.name == "sqlite":
            database = self.url.removeprefix("sqlite:///")
            lock = FileLock(f"{database}.lock") if self.url.startswith("sqlite:///") else None
            with lock or nullcontext(), self.engine.begin() as conn:
                yield conn
            return
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(sql_text("SELECT pg_advisory_xact_lock(7243019)"))  # "jp catalog"
            yield conn

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @property
    def _chunk(self) -> int:
        """Names per query: SQLite binds each one; PostgreSQL takes them as one array."""
        return 500 if self.engine.dialect.name == "sqlite" else 100_000

    def _one_of(self, column: Any, values: Iterable[str]) -> Any:
        """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``: one parameter, so a
        thousand names cost no more to send and plan than one."""
        names = list(values)
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY

            return column == any_(bindparam(None, names, type_=ARRAY(String)))
        return column.in_(names)

    def close(self) -> None:
        self.engine.dispose()

    # -- sync from the release files -------------------------------------------------------
    def sync(self, pipelines_dir: str | Path, project_dir: str | Path | None = None) -> SyncReport:
        """Bring the index up to date with the release files (only what changed is read).

        Args:
            pipelines_dir: The project's ``pipelines`` folder.
            project_dir: Names of local files are relative to it (default: its parent).
        """
        root = Path(pipelines_dir)
        report = SyncReport()
        with self._tx() as conn:
            known: dict[str, str] = {
                name: stamp
                for name, stamp in conn.execute(
                    select(t.pipelines.c.name, t.pipelines.c.fingerprint)
                ).all()
            }
        seen: set[str] = set()
        for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
            current = _fingerprint(folder)
            if current is None:
                continue
            seen.add(folder.name)
            if known.get(folder.name) == current:
                report.unchanged += 1
                continue
            manifest = read_manifest(folder / current.split(":", 1)[0])
            first = min(m.promoted_at for m in list_releases(root, folder.name))
            self.put(manifest, folder / manifest.version, first_promoted_at=first,
                     fingerprint=current, refresh_tiers=False)  # fmt: skip
            (report.updated if folder.name in known else report.added).append(folder.name)
        report.removed = sorted(set(known) - seen)
        if report.removed:
            self._remove(report.removed)
        if report.changed:
            report.tiers_changed = self.refresh_effective_tiers()
        return report

    def put(
        self,
        manifest: ReleaseManifest,
        release_dir: Path,
        *,
        first_promoted_at: str | None = None,
        fingerprint: str | None = None,
        refresh_tiers: bool = True,
    ) -> dict[str, tuple[str, str]]:
        """Index a pipeline's current release (write-through from promotions and transfers).

        Returns:
            Pipelines whose effective tier changed: name -> (old, new).
        """
        name = manifest.name
        uses = _dataset_uses(manifest)
        with self._tx() as conn:
            self._touch(conn)
            old = conn.execute(
                select(t.pipelines.c.first_promoted_at).where(t.pipelines.c.name == name)
            ).scalar()
            first = first_promoted_at or old or manifest.promoted_at
            conn.execute(delete(t.pipelines).where(t.pipelines.c.name == name))
            conn.execute(
                insert(t.pipelines).values(
                    name=name,
                    owner=manifest.owner,
                    owner_key=manifest.owner.lower(),
                    team=manifest.team,
                    tier=manifest.tier,
                    effective_tier=manifest.tier,
                    version=manifest.version,
                    release_dir=str(release_dir),
                    promoted_at=manifest.promoted_at,
                    first_promoted_at=first,
                    deployed=manifest.deployed,
                    schedule=manifest.schedule,
                    interval_seconds=manifest.interval_seconds,
                    timezone=manifest.timezone,
                    sla=manifest.sla,
                    manifest=manifest.model_dump_json(),
                    fingerprint=fingerprint or _fingerprint(release_dir.parent) or "",
                )
            )
            self._put_edges(conn, name, uses, manifest.consumers)
            self._relink(conn, [name])
        return self.refresh_effective_tiers() if refresh_tiers else {}

    def _put_edges(
        self, conn: Connection, name: str, uses: dict[tuple[str, str], str], who: list[str]
    ) -> None:
        conn.execute(delete(t.edges).where(t.edges.c.pipeline == name))
        conn.execute(delete(t.consumers).where(t.consumers.c.pipeline == name))
        for (key, direction), origin in sorted(uses.items()):
            ref = parse_dataset(key)
            found = conn.execute(select(t.datasets.c.key).where(t.datasets.c.key == key)).first()
            if found is None:
                conn.execute(
                    insert(t.datasets).values(
                        key=key, namespace=ref.namespace, name=ref.name, pattern="{" in ref.name
                    )
                )
            conn.execute(
                insert(t.edges).values(
                    pipeline=name, dataset_key=key, direction=direction, origin=origin
                )
            )
        for consumer in dict.fromkeys(who):
            conn.execute(insert(t.consumers).values(pipeline=name, consumer=consumer))

    def _relink(self, conn: Connection, names: list[str]) -> None:
        """Recompute the pipeline -> pipeline links through datasets of ``names``."""
        conn.execute(
            delete(t.links).where(
                or_(t.links.c.upstream.in_(names), t.links.c.downstream.in_(names))
            )
        )
        found: set[tuple[str, str, str, str]] = set()
        for name in names:
            rows = conn.execute(
                select(t.edges.c.dataset_key, t.edges.c.direction).where(t.edges.c.pipeline == name)
            ).all()
            for key, direction in rows:
                other = "read" if direction == "write" else "write"
                for peer, peer_key in self._matching(conn, key, other):
                    if peer == name:
                        continue
                    if direction == "write":
                        found.add((name, peer, key, peer_key))
                    else:
                        found.add((peer, name, peer_key, key))
        rows_ = [
            {"upstream": up, "downstream": down, "dataset_key": written, "read_key": read}
            for up, down, written, read in sorted(found)
        ]
        if rows_:
            conn.execute(insert(t.links), rows_)

    def _matching(self, conn: Connection, key: str, direction: str) -> list[tuple[str, str]]:
        """Pipelines with an edge of ``direction`` on a dataset matching ``key``."""
        ref = parse_dataset(key)
        exact = conn.execute(
            select(t.edges.c.pipeline, t.edges.c.dataset_key).where(
                t.edges.c.dataset_key == key, t.edges.c.direction == direction
            )
        ).all()
        prefix = ref.key.split("{", 1)[0]
        candidates = select(t.edges.c.pipeline, t.edges.c.dataset_key).join(
            t.datasets, t.datasets.c.key == t.edges.c.dataset_key
        )
        if "{" in ref.name:  # a pattern: any dataset of the namespace starting like it
            candidates = candidates.where(t.edges.c.dataset_key.startswith(prefix, autoescape=True))
        else:  # a concrete name: the patterns of its namespace
            candidates = candidates.where(
                t.datasets.c.pattern.is_(True), t.datasets.c.namespace == ref.namespace
            )
        fuzzy = conn.execute(candidates.where(t.edges.c.direction == direction)).all()
        pairs = {(p, k) for p, k in exact}
        pairs |= {(p, k) for p, k in fuzzy if k != key and matches(ref, parse_dataset(k))}
        return sorted(pairs)

    def _remove(self, names: list[str]) -> None:
        with self._tx() as conn:
            self._touch(conn)
            for table, column in (
                (t.pipelines, t.pipelines.c.name),
                (t.edges, t.edges.c.pipeline),
                (t.consumers, t.consumers.c.pipeline),
            ):
                conn.execute(delete(table).where(column.in_(names)))
            conn.execute(
                delete(t.links).where(
                    or_(t.links.c.upstream.in_(names), t.links.c.downstream.in_(names))
                )
            )

    def refresh_effective_tiers(self) -> dict[str, tuple[str, str]]:
        """Recompute every pipeline's effective tier from tiers and links; store the changes.

        Returns:
            name -> (old, new) for each pipeline whose effective tier changed.
        """
        with self._tx() as conn:
            rows = conn.execute(
                select(t.pipelines.c.name, t.pipelines.c.tier, t.pipelines.c.effective_tier)
            ).all()
            pairs = conn.execute(select(t.links.c.upstream, t.links.c.downstream)).all()
            tiers = {name: tier for name, tier, _ in rows}
            new = effective_tiers_of(tiers, [(up, down) for up, down in pairs])
            changed: dict[str, tuple[str, str]] = {
                name: (old, str(new[name])) for name, _, old in rows if new.get(name, old) != old
            }
            if changed:
                self._touch(conn)
            for name, (_, tier) in changed.items():
                conn.execute(
                    sql_update(t.pipelines)
                    .where(t.pipelines.c.name == name)
                    .values(effective_tier=tier)
                )
        return changed

    # -- queries -----------------------------------------------------------------------------
    def pipelines(
        self,
        *,
        owner: str | None = None,
        team: str | None = None,
        tier: str | None = None,
        names: Iterable[str] | None = None,
    ) -> list[Row]:
        """Pipelines, by name; filters use indexes (owner matches case-insensitively)."""
        query = select(*_ROW_COLUMNS).order_by(t.pipelines.c.name)
        if owner is not None:
            query = query.where(t.pipelines.c.owner_key == owner.lower())
        if team is not None:
            query = query.where(t.pipelines.c.team == team)
        if tier is not None:
            query = query.where(t.pipelines.c.effective_tier == tier)
        if names is not None:
            query = query.where(self._one_of(t.pipelines.c.name, names))
        with self.engine.connect() as conn:
            return [Row(*r) for r in conn.execute(query).all()]

    def pipeline(self, name: str) -> Row | None:
        found = self.pipelines(names=[name])
        return found[0] if found else None

    def manifest(self, name: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            text = conn.execute(
                select(t.pipelines.c.manifest).where(t.pipelines.c.name == name)
            ).scalar()
        return dict(json.loads(text)) if text else {}

    def datasets_of(self, name: str) -> dict[str, list[tuple[str, str]]]:
        """``{"read": [(key, origin), ...], "write": [...]}`` of one pipeline."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.edges.c.dataset_key, t.edges.c.direction, t.edges.c.origin)
                .where(t.edges.c.pipeline == name)
                .order_by(t.edges.c.dataset_key)
            ).all()
        out: dict[str, list[tuple[str, str]]] = {"read": [], "write": []}
        for key, direction, origin in rows:
            out[direction].append((key, origin))
        return out

    def consumers_of(self, names: Iterable[str]) -> dict[str, list[str]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.consumers.c.pipeline, t.consumers.c.consumer).where(
                    self._one_of(t.consumers.c.pipeline, names)
                )
            ).all()
        out: dict[str, list[str]] = {}
        for pipeline, consumer in rows:
            out.setdefault(pipeline, []).append(consumer)
        return out

    def walk(self, start: Iterable[str], *, down: bool = True) -> dict[str, tuple[int, str, str]]:
        """Breadth-first over links from ``start`` pipelines: each pipeline reached ->
        (depth, the pipeline it was reached from, the dataset key in between)."""
        near, far = (t.links.c.upstream, t.links.c.downstream)
        if not down:
            near, far = far, near
        seen: dict[str, tuple[int, str, str]] = {}
        frontier, depth = list(dict.fromkeys(start)), 0
        with self.engine.connect() as conn:
            while frontier:
                depth += 1
                nxt: list[str] = []
                for chunk in _chunks(frontier, self._chunk):
                    rows = conn.execute(
                        select(near, far, t.links.c.dataset_key).where(self._one_of(near, chunk))
                    ).all()
                    for source, target, key in rows:
                        if target not in seen and target not in start:
                            seen[target] = (depth, source, key)
                            nxt.append(target)
                frontier = nxt
        return seen

    def readers_writers(self, key: str) -> tuple[list[str], list[str]]:
        """Pipelines reading and writing the dataset ``key`` (placeholders matched)."""
        with self.engine.connect() as conn:
            readers = sorted({p for p, _ in self._matching(conn, key, "read")})
            writers = sorted({p for p, _ in self._matching(conn, key, "write")})
        return readers, writers

    def writes_of(self, names: Iterable[str]) -> dict[str, list[str]]:
        """The datasets each of ``names`` writes (one query per 500 names)."""
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(names), self._chunk):
                rows = conn.execute(
                    select(t.edges.c.pipeline, t.edges.c.dataset_key).where(
                        self._one_of(t.edges.c.pipeline, chunk), t.edges.c.direction == "write"
                    )
                ).all()
                for pipeline, key in rows:
                    out.setdefault(pipeline, []).append(key)
        return out

    @staticmethod
    def _touch(conn: Connection) -> None:
        """The fleet changed: a new generation (the stored lineage JSON is out of date)."""
        conn.execute(delete(t.meta).where(t.meta.c.key == "generation"))
        conn.execute(insert(t.meta).values(key="generation", value=uuid.uuid4().hex))

    def _generation(self) -> str:
        with self.engine.connect() as conn:
            found = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "generation"))
            return str(found.scalar() or "")

    def lineage_json_text(self) -> Iterator[str]:
        """The whole fleet's lineage as JSON text: what ``lineage --json`` prints. Kept in the
        catalog for the fleet generation it was built from; after a change it is assembled
        again by the database (see :mod:`.export`), once."""
        from jupyter_promote.fleet.export import lineage_json_lines

        generation = self._generation()
        if not generation:  # a catalog filled before generations existed
            with self._tx() as conn:
                self._touch(conn)
            generation = self._generation()
        with self.engine.connect() as conn:
            body = conn.execute(
                select(t.lineage.c.body).where(t.lineage.c.generation == generation)
            ).scalar()
            built = body is None
            if body is None:
                body = "".join(lineage_json_lines(conn))
        if built:
            with self._tx() as conn:
                if self._generation() == generation:  # nothing changed while it was built
                    conn.execute(delete(t.lineage))
                    conn.execute(insert(t.lineage).values(generation=generation, body=body))
        yield body

    def lineage_json(self) -> dict[str, list[dict[str, Any]]]:
        """The whole fleet's lineage in the shape of :func:`jupyter_promote.fleet.graph.to_json`,
        straight from the indexed tables (the matching is in ``jp_links`` already), so it stays
        fast for 100,000 pipelines."""
        from jupyter_promote.fleet.model import highest_tier as best

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.pipelines.c.name, t.pipelines.c.owner, t.pipelines.c.team,
                       t.pipelines.c.tier, t.pipelines.c.effective_tier)
                .order_by(t.pipelines.c.name)
            ).all()  # fmt: skip
            edge_rows = conn.execute(
                select(t.edges.c.pipeline, t.edges.c.dataset_key, t.edges.c.direction)
            ).all()
            consumer_rows = conn.execute(select(t.consumers)).all()
            link_rows = conn.execute(
                select(t.links.c.downstream, t.links.c.dataset_key, t.links.c.read_key)
            ).all()
        effective = {r.name: r.effective_tier for r in rows}
        reads: dict[str, list[str]] = {}
        writes: dict[str, list[str]] = {}
        readers: dict[str, list[str]] = {}
        writers: dict[str, list[str]] = {}
        for pipeline, key, direction in edge_rows:
            if direction == "read":
                reads.setdefault(pipeline, []).append(key)
                readers.setdefault(key, []).append(pipeline)
            else:
                writes.setdefault(pipeline, []).append(key)
                writers.setdefault(key, []).append(pipeline)
        consumed: dict[str, list[str]] = {}
        by_pipeline: dict[str, list[str]] = {}
        for pipeline, consumer in consumer_rows:
            consumed.setdefault(consumer, []).append(pipeline)
            by_pipeline.setdefault(pipeline, []).append(consumer)
        fed: dict[str, set[str]] = {}  # dataset -> pipelines reading it, placeholders matched
        matches: set[tuple[str, str]] = set()
        for downstream, written, read in link_rows:
            fed.setdefault(written, set()).add(downstream)
            if written != read:
                matches.add((written, read))
        keys = sorted(set(readers) | set(writers))
        datasets = []
        for key in keys:
            using = fed.get(key, set()) | set(readers.get(key, ()))
            datasets.append({
                "key": key,
                "pattern": "{" in key,
                "effective_tier": best(*(effective[p] for p in using)) if using else None,
                "writers": sorted(writers.get(key, [])),
                "readers": sorted(readers.get(key, [])),
            })  # fmt: skip
        edges = {
            ("pipeline:" + p, "dataset:" + k, "writes") for k, ps in writers.items() for p in ps
        }
        edges |= {
            ("dataset:" + k, "pipeline:" + p, "reads") for k, ps in readers.items() for p in ps
        }
        edges |= {("dataset:" + w, "dataset:" + r, "matches") for w, r in matches}
        edges |= {("pipeline:" + p, "consumer:" + c, "consumes")
                  for p, cs in by_pipeline.items() for c in cs}  # fmt: skip
        return {
            "pipelines": [
                {
                    "name": r.name,
                    "owner": r.owner,
                    "team": r.team,
                    "tier": r.tier,
                    "effective_tier": r.effective_tier,
                    "reads": sorted(set(reads.get(r.name, []))),
                    "writes": sorted(set(writes.get(r.name, []))),
                    "consumers": sorted(set(by_pipeline.get(r.name, []))),
                }
                for r in rows
            ],
            "datasets": datasets,
            "consumers": [
                {"name": c, "pipelines": sorted(set(ps))} for c, ps in sorted(consumed.items())
            ],
            "edges": [{"source": s, "target": d, "kind": k} for s, d, k in sorted(edges)],
        }

    def dataset_keys(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.datasets.c.key).order_by(t.datasets.c.key)).scalars())

    def fleet(self) -> Fleet:
        """The whole fleet in memory (for the pure graph functions and exports)."""
        fleet = Fleet()
        with self.engine.connect() as conn:
            for row in conn.execute(select(*_ROW_COLUMNS, t.pipelines.c.first_promoted_at)):
                fleet.add(
                    FleetPipeline(
                        name=row.name, owner=row.owner, team=row.team, tier=row.tier,
                        version=row.version, promoted_at=row.promoted_at,
                        first_promoted_at=row.first_promoted_at, sla=row.sla,
                        timezone=row.timezone, schedule=row.schedule,
                        interval_seconds=row.interval_seconds,
                    )
                )  # fmt: skip
            for pipeline, key, direction in conn.execute(
                select(t.edges.c.pipeline, t.edges.c.dataset_key, t.edges.c.direction)
            ):
                target = fleet.pipelines.get(pipeline)
                if target is not None:
                    (target.reads if direction == "read" else target.writes).append(key)
            for pipeline, consumer in conn.execute(select(t.consumers)):
                if pipeline in fleet.pipelines:
                    fleet.pipelines[pipeline].consumers.append(consumer)
        return fleet

    # -- reads and events --------------------------------------------------------------------
    def record_read(
        self, key: str, by: str, at: datetime | None = None, run_id: str | None = None
    ) -> None:
        """Record that ``by`` read dataset ``key`` (a promoted run, or any other consumer)."""
        with self._tx() as conn:
            conn.execute(
                insert(t.reads).values(
                    dataset_key=key, by=by, at=at or datetime.now(timezone.utc), run_id=run_id
                )
            )

    def last_reads(self, keys: Iterable[str]) -> dict[str, tuple[datetime, str]]:
        """The latest read of each dataset: key -> (when, by whom)."""
        wanted = list(keys)
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            latest = (
                select(t.reads.c.dataset_key, func.max(t.reads.c.at).label("at"))
                .where(t.reads.c.dataset_key.in_(wanted))
                .group_by(t.reads.c.dataset_key)
                .subquery()
            )
            rows = conn.execute(
                select(t.reads.c.dataset_key, t.reads.c.at, t.reads.c.by).join(
                    latest,
                    (latest.c.dataset_key == t.reads.c.dataset_key) & (latest.c.at == t.reads.c.at),
                )
            ).all()
        return {key: (_aware(at), by) for key, at, by in rows}

    def reads(self) -> list[tuple[str, datetime, str]]:
        with self.engine.connect() as conn:
            return [
                (k, _aware(a), b)
                for k, a, b in conn.execute(
                    select(t.reads.c.dataset_key, t.reads.c.at, t.reads.c.by)
                ).all()
            ]

    def log(
        self,
        pipeline: str,
        kind: str,
        *,
        actor: str = "",
        detail: str = "",
        at: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        """Add an event to the pipeline's history (shown by ``show``)."""
        with self._tx() as conn:
            conn.execute(
                insert(t.events).values(
                    pipeline=pipeline, kind=kind, actor=actor, detail=detail,
                    at=at or datetime.now(timezone.utc), until=until,
                )
            )  # fmt: skip

    def events(self, pipeline: str | None = None) -> list[dict[str, Any]]:
        """Events, oldest first (of one pipeline, or all)."""
        query = select(t.events).order_by(t.events.c.at, t.events.c.id)
        if pipeline is not None:
            query = query.where(t.events.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            return [
                {
                    "pipeline": r.pipeline,
                    "kind": r.kind,
                    "at": _aware(r.at).isoformat(),
                    "actor": r.actor,
                    "detail": r.detail,
                    "until": _aware(r.until).isoformat() if r.until else None,
                }
                for r in conn.execute(query).all()
            ]


_ROW_COLUMNS = (
    t.pipelines.c.name,
    t.pipelines.c.owner,
    t.pipelines.c.team,
    t.pipelines.c.tier,
    t.pipelines.c.effective_tier,
    t.pipelines.c.version,
    t.pipelines.c.release_dir,
    t.pipelines.c.promoted_at,
    t.pipelines.c.deployed,
    t.pipelines.c.schedule,
    t.pipelines.c.interval_seconds,
    t.pipelines.c.timezone,
    t.pipelines.c.sla,
)


def _fingerprint(folder: Path) -> str | None:
    """``VERSION:mtime_ns:size`` of the pipeline's current manifest; None without one."""
    try:
        version = (folder / CURRENT).read_text().strip()
        stat = (folder / version / MANIFEST_NAME).stat()
    except (OSError, ValueError):
        return None
    return f"{version}:{stat.st_mtime_ns}:{stat.st_size}"


def _dataset_uses(manifest: ReleaseManifest) -> dict[tuple[str, str], str]:
    """(dataset key, direction) -> found | declared | both."""
    uses: dict[tuple[str, str], str] = {}
    for direction, found in (("read", manifest.lineage.reads), ("write", manifest.lineage.writes)):
        for use in found:
            uses[(use.key, direction)] = use.origin
    if manifest.lineage.reads or manifest.lineage.writes:
        return uses
    for direction, declared in (("read", manifest.reads), ("write", manifest.writes)):  # older
        for text in declared:
            key = parse_dataset(text).key
            before = uses.get((key, direction))
            uses[(key, direction)] = "declared" if before in (None, "declared") else "both"
    return uses


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["Catalog", "DatasetRef", "Row", "SyncReport", "highest_tier"]
