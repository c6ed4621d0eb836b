"""The whole fleet's lineage as JSON text, built by the database itself.

For 100,000 pipelines, building Python objects and serialising them costs seconds; the JSON
functions of SQLite and PostgreSQL assemble each record in C and join them into one text per
section, so Python only concatenates five strings. Every list is computed set-wise (one grouped
pass over each table, then joins), not by a subquery per record. The result has exactly the
content of :func:`jupyter_promote.fleet.graph.to_json` (a test compares them on both databases).
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, text

_RANK = (
    "CASE {col} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 2 END"
)
_TIER = "CASE {expr} WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'normal' " \
        "WHEN 3 THEN 'low' END"  # fmt: skip
# A dataset's users: the pipelines reading it, or reading what it joins (jp_links, placeholders
# matched at sync time); its effective tier is theirs, the highest.
_DATASET_TIERS = f"""
  SELECT u.k AS k, MIN({_RANK.format(col="p.effective_tier")}) AS m
  FROM (SELECT dataset_key AS k, pipeline AS n FROM jp_edges WHERE direction = 'read'
        UNION SELECT dataset_key, downstream FROM jp_links) AS u
  JOIN jp_pipelines p ON p.name = u.n
  GROUP BY u.k"""
_EDGES = """
  SELECT 'pipeline:' || pipeline AS s, 'dataset:' || dataset_key AS t, 'writes' AS k
    FROM jp_edges WHERE direction = 'write'
  UNION ALL SELECT 'dataset:' || dataset_key, 'pipeline:' || pipeline, 'reads'
    FROM jp_edges WHERE direction = 'read'
  UNION ALL SELECT DISTINCT 'dataset:' || dataset_key, 'dataset:' || read_key, 'matches'
    FROM jp_links WHERE dataset_key <> read_key
  UNION ALL SELECT 'pipeline:' || pipeline, 'consumer:' || consumer, 'consumes'
    FROM jp_consumers"""


def _sqlite() -> dict[str, str]:
    """SQLite: ``json_group_array`` keeps the order rows come in, so each list is grouped
    from an ordered subquery; ``group_concat`` likewise joins records in the outer order."""

    def lists(key: str, item: str, source: str) -> str:
        return (
            f"SELECT {key} AS k, json_group_array({item}) AS a FROM "
            f"(SELECT {key}, {item} FROM {source} ORDER BY {key}, {item}) GROUP BY {key}"
        )

    def joined(records: str) -> str:
        return f"SELECT COALESCE(group_concat(rec, ',\n'), '') FROM ({records})"

    reads = lists("pipeline", "dataset_key", "jp_edges WHERE direction = 'read'")
    writes = lists("pipeline", "dataset_key", "jp_edges WHERE direction = 'write'")
    owned = lists("pipeline", "consumer", "jp_consumers")
    readers = lists("dataset_key", "pipeline", "jp_edges WHERE direction = 'read'")
    writers = lists("dataset_key", "pipeline", "jp_edges WHERE direction = 'write'")
    return {
        "pipelines": joined(f"""
SELECT json_object('name', p.name, 'owner', p.owner, 'team', p.team, 'tier', p.tier,
  'effective_tier', p.effective_tier, 'reads', json(COALESCE(r.a, '[]')),
  'writes', json(COALESCE(w.a, '[]')), 'consumers', json(COALESCE(c.a, '[]'))) AS rec
FROM jp_pipelines p LEFT JOIN ({reads}) r ON r.k = p.name LEFT JOIN ({writes}) w ON w.k = p.name
  LEFT JOIN ({owned}) c ON c.k = p.name
ORDER BY p.name"""),
        "datasets": joined(f"""
SELECT json_object('key', d.key, 'pattern', json(CASE WHEN d.pattern THEN 'true' ELSE 'false' END),
  'effective_tier', {_TIER.format(expr="x.m")},
  'writers', json(COALESCE(w.a, '[]')), 'readers', json(COALESCE(r.a, '[]'))) AS rec
FROM jp_datasets d JOIN (SELECT DISTINCT dataset_key AS k FROM jp_edges) e ON e.k = d.key
  LEFT JOIN ({writers}) w ON w.k = d.key LEFT JOIN ({readers}) r ON r.k = d.key
  LEFT JOIN ({_DATASET_TIERS}) x ON x.k = d.key
ORDER BY d.key"""),
        "consumers": joined("""
SELECT json_object('name', consumer, 'pipelines', json_group_array(pipeline)) AS rec
FROM (SELECT consumer, pipeline FROM jp_consumers ORDER BY consumer, pipeline)
GROUP BY consumer ORDER BY consumer"""),
        "edges": joined(f"""
SELECT json_object('source', s, 'target', t, 'kind', k) AS rec
FROM ({_EDGES}) ORDER BY s, t, k"""),
    }


def _postgresql() -> dict[str, str]:
    """PostgreSQL: byte order (``COLLATE "C"``), as Python sorts."""

    def lists(key: str, item: str, source: str) -> str:
        return (
            f'SELECT {key} AS k, json_agg({item} ORDER BY {item} COLLATE "C") AS a '
            f"FROM {source} GROUP BY {key}"
        )

    def joined(records: str) -> str:
        joined = "string_agg(rec, E',\\n' ORDER BY o COLLATE \"C\")"
        return f"SELECT COALESCE({joined}, '') FROM ({records}) q"

    reads = lists("pipeline", "dataset_key", "jp_edges WHERE direction = 'read'")
    writes = lists("pipeline", "dataset_key", "jp_edges WHERE direction = 'write'")
    owned = lists("pipeline", "consumer", "jp_consumers")
    readers = lists("dataset_key", "pipeline", "jp_edges WHERE direction = 'read'")
    writers = lists("dataset_key", "pipeline", "jp_edges WHERE direction = 'write'")
    empty = "'[]'::json"
    return {
        "pipelines": joined(f"""
SELECT p.name AS o, json_build_object('name', p.name, 'owner', p.owner, 'team', p.team,
  'tier', p.tier, 'effective_tier', p.effective_tier, 'reads', COALESCE(r.a, {empty}),
  'writes', COALESCE(w.a, {empty}), 'consumers', COALESCE(c.a, {empty}))::text AS rec
FROM jp_pipelines p LEFT JOIN ({reads}) r ON r.k = p.name LEFT JOIN ({writes}) w ON w.k = p.name
  LEFT JOIN ({owned}) c ON c.k = p.name"""),
        "datasets": joined(f"""
SELECT d.key AS o, json_build_object('key', d.key, 'pattern', d.pattern,
  'effective_tier', {_TIER.format(expr="x.m")},
  'writers', COALESCE(w.a, {empty}), 'readers', COALESCE(r.a, {empty}))::text AS rec
FROM jp_datasets d JOIN (SELECT DISTINCT dataset_key AS k FROM jp_edges) e ON e.k = d.key
  LEFT JOIN ({writers}) w ON w.k = d.key LEFT JOIN ({readers}) r ON r.k = d.key
  LEFT JOIN ({_DATASET_TIERS}) x ON x.k = d.key"""),
        "consumers": joined("""
SELECT consumer AS o, json_build_object('name', consumer,
  'pipelines', json_agg(pipeline ORDER BY pipeline COLLATE "C"))::text AS rec
FROM jp_consumers GROUP BY consumer"""),
        "edges": joined(f"""
SELECT s || chr(1) || t || chr(1) || k AS o,
  json_build_object('source', s, 'target', t, 'kind', k)::text AS rec
FROM ({_EDGES}) AS e"""),
    }  # fmt: skip


def lineage_json_lines(conn: Connection) -> Iterator[str]:
    """The whole-fleet lineage JSON, in pieces to write one after another."""
    queries = _postgresql() if conn.dialect.name == "postgresql" else _sqlite()
    for number, section in enumerate(("pipelines", "datasets", "consumers", "edges")):
        body = conn.execute(text(queries[section])).scalar() or ""
        head = "{" if number == 0 else ","
        yield f'{head}\n"{section}": [\n{body}\n]'
    yield "\n}\n"
