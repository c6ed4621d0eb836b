"""The catalog's tables (SQLAlchemy Core), prefixed ``jp_`` so they can share a PostgreSQL
database with Prefect's own.

The release files stay the source of truth: every row here can be rebuilt from them
(``jupyter promote catalog sync``), except what happened outside them: reads of datasets,
notices, claims, transfers' history and incidents, kept in ``jp_reads`` and ``jp_events``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 4
metadata = MetaData()

pipelines = Table(
    "jp_pipelines",
    metadata,
    Column("name", String(63), primary_key=True),
    Column("owner", String(255), nullable=False),
    Column("owner_key", String(255), nullable=False, index=True),  # lowercased: any-case lookup
    Column("team", String(255), nullable=False, default="", index=True),
    Column("tier", String(16), nullable=False),
    Column("effective_tier", String(16), nullable=False, index=True),
    Column("version", String(32), nullable=False),
    Column("release_dir", Text, nullable=False),
    Column("promoted_at", String(40), nullable=False),
    Column("first_promoted_at", String(40), nullable=False),
    Column("deployed", Boolean, nullable=False, default=False),
    Column("schedule", String(255)),
    Column("interval_seconds", Integer),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("sla", String(8)),
    Column("manifest", Text, nullable=False),  # the current manifest, as JSON
    Column("fingerprint", String(255), nullable=False),  # what sync compares to the files
)

datasets = Table(
    "jp_datasets",
    metadata,
    Column("key", String(1024), primary_key=True),
    Column("namespace", String(512), nullable=False),
    Column("name", String(1024), nullable=False),
    Column("pattern", Boolean, nullable=False, default=False),  # the name has {placeholders}
)

# What each pipeline reads and writes: found in its code, declared, or both.
edges = Table(
    "jp_edges",
    metadata,
    Column("pipeline", String(63), primary_key=True),
    Column("dataset_key", String(1024), primary_key=True),
    Column("direction", String(5), primary_key=True),  # read | write
    Column("origin", String(8), nullable=False),  # found | declared | both
    Index("jp_edges_by_dataset", "dataset_key", "direction"),
)

# Pipeline -> pipeline through a dataset one writes and the other reads (matched once, at
# sync time, placeholders included), so impact queries walk one indexed table.
links = Table(
    "jp_links",
    metadata,
    Column("upstream", String(63), primary_key=True),
    Column("downstream", String(63), primary_key=True),
    Column("dataset_key", String(1024), primary_key=True),  # the key the upstream writes
    Column("read_key", String(1024), primary_key=True),  # the key the downstream reads
    Index("jp_links_by_downstream", "downstream"),
    Index("jp_links_by_dataset", "dataset_key"),  # who uses a dataset (lineage --json)
)

consumers = Table(
    "jp_consumers",
    metadata,
    Column("pipeline", String(63), primary_key=True),
    Column("consumer", String(255), primary_key=True),
)

reads = Table(
    "jp_reads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_key", String(1024), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(255), nullable=False),
    Column("run_id", String(64)),
    Index("jp_reads_by_dataset", "dataset_key", "at"),
)

# Everything that happened to a pipeline besides its releases: transfers, stale notices,
# pauses, claims, effective-tier changes. Shown by `show`.
events = Table(
    "jp_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("pipeline", String(63), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(255), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Column("until", DateTime(timezone=True)),
)

# The whole fleet's lineage JSON (``lineage --json``) as last built, for the fleet generation
# it was built from (``jp_meta`` key ``generation``, renewed by every change to the tables above):
# an unchanged fleet answers without rebuilding it.
lineage = Table(
    "jp_lineage",
    metadata,
    Column("generation", String(32), primary_key=True),
    Column("body", Text, nullable=False),
)

# The monitor's memory (issue 12): its state as one JSON document per key (``state``: the
# policy's incidents, run history and timers; ``cursor``: where it is in Prefect's events),
# written in the same transaction as the alerts it decided (``jp_alerts``, an outbox: an alert
# is sent after its transaction commits and marked sent, so a restart sends nothing twice and
# loses nothing).
monitor = Table(
    "jp_monitor",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

alerts = Table(
    "jp_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("incident", String(32), index=True),
    Column("kind", String(32), nullable=False),
    Column("pipeline", String(63)),
    Column("body", Text, nullable=False),  # the alert as JSON
    # pending -> sending (claimed by one process) -> sent | pending (retry) | failed (given up)
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("claimed_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("deliveries", Text, nullable=False, default="[]"),  # JSON list, one per channel
    Column("sent_at", DateTime(timezone=True)),
)

meta = Table(
    "jp_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
