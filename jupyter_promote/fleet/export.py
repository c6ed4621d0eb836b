"""The whole fleet's lineage as JSON text, built by the database itself.

For 100,000 pipelines, building Python objects and serialising them costs seconds; the JSON
functions of SQLite and PostgreSQL assemble each record in C, in index order, and this module
only joins the records. The result has exactly the content of
:func:`jupyter_promote.fleet.graph.to_json` (a test compares them); one record per line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import Connection, text

_RANK = (
    "CASE {col} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 "
    "WHEN 'low' THEN 3 ELSE 2 END"
)
_TIER = "CASE {expr} WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'normal' " \
        "WHEN 3 THEN 'low' END"  # fmt: skip
_USERS = (  # the pipelines using dataset d: reading it, or reading what it joins (jp_links)
    "SELECT pipeline FROM jp_edges WHERE dataset_key = d.key AND direction = 'read' "
    "UNION SELECT downstream FROM jp_links WHERE dataset_key = d.key"
)
_DATASET_TIER = (
    f"(SELECT {_TIER.format(expr='MIN(' + _RANK.format(col='u.effective_tier') + ')')} "
    f"FROM jp_pipelines u WHERE u.name IN ({_USERS}))"
)
_EDGES = """
FROM (
  SELECT 'pipeline:' || pipeline AS s, 'dataset:' || dataset_key AS t, 'writes' AS k
    FROM jp_edges WHERE direction = 'write'
  UNION SELECT 'dataset:' || dataset_key, 'pipeline:' || pipeline, 'reads'
    FROM jp_edges WHERE direction = 'read'
  UNION SELECT 'dataset:' || dataset_key, 'dataset:' || read_key, 'matches'
    FROM jp_links WHERE dataset_key <> read_key
  UNION SELECT 'pipeline:' || pipeline, 'consumer:' || consumer, 'consumes' FROM jp_consumers
) AS e
"""


def _parts(group: Callable[[str, str], str]) -> tuple[str, str, str, str]:
    """The four grouped lists: a pipeline's reads and writes, a dataset's readers, writers."""
    edge = "jp_edges e WHERE e.{key} = {outer} AND e.direction = '{direction}'"

    def of_pipeline(direction: str) -> str:
        return group(
            "dataset_key", edge.format(key="pipeline", outer="p.name", direction=direction)
        )

    def of_dataset(direction: str) -> str:
        return group("pipeline", edge.format(key="dataset_key", outer="d.key", direction=direction))

    return of_pipeline("read"), of_pipeline("write"), of_dataset("read"), of_dataset("write")


def _sqlite() -> dict[str, str]:
    def group(column: str, source: str) -> str:
        return (
            f"(SELECT json_group_array({column}) FROM (SELECT {column} FROM {source} "
            f"ORDER BY {column}))"
        )

    reads, writes, readers, writers = _parts(group)
    return {
        "pipelines": f"""
SELECT json_object('name', p.name, 'owner', p.owner, 'team', p.team, 'tier', p.tier,
  'effective_tier', p.effective_tier,
  'reads', json({reads}), 'writes', json({writes}),
  'consumers', json({group("consumer", "jp_consumers c WHERE c.pipeline = p.name")}))
FROM jp_pipelines p ORDER BY p.name""",
        "datasets": f"""
SELECT json_object('key', d.key, 'pattern', json(CASE WHEN d.pattern THEN 'true' ELSE 'false' END),
  'effective_tier', {_DATASET_TIER},
  'writers', json({writers}), 'readers', json({readers}))
FROM jp_datasets d WHERE EXISTS (SELECT 1 FROM jp_edges x WHERE x.dataset_key = d.key)
ORDER BY d.key""",
        "consumers": """
SELECT json_object('name', consumer, 'pipelines', json_group_array(pipeline))
FROM (SELECT consumer, pipeline FROM jp_consumers ORDER BY consumer, pipeline)
GROUP BY consumer ORDER BY consumer""",
        "edge": "json_object('source', s, 'target', t, 'kind', k)",
    }


def _postgresql() -> dict[str, str]:
    def group(column: str, source: str) -> str:
        return (
            f'COALESCE((SELECT json_agg({column} ORDER BY {column} COLLATE "C") '
            f"FROM {source}), '[]'::json)"
        )

    reads, writes, readers, writers = _parts(group)
    return {
        "pipelines": f"""
SELECT json_build_object('name', p.name, 'owner', p.owner, 'team', p.team, 'tier', p.tier,
  'effective_tier', p.effective_tier,
  'reads', {reads}, 'writes', {writes},
  'consumers', {group("consumer", "jp_consumers c WHERE c.pipeline = p.name")})::text
FROM jp_pipelines p ORDER BY p.name COLLATE "C\"""",
        "datasets": f"""
SELECT json_build_object('key', d.key, 'pattern', d.pattern,
  'effective_tier', {_DATASET_TIER},
  'writers', {writers}, 'readers', {readers})::text
FROM jp_datasets d WHERE EXISTS (SELECT 1 FROM jp_edges x WHERE x.dataset_key = d.key)
ORDER BY d.key COLLATE "C\"""",
        "consumers": """
SELECT json_build_object('name', consumer,
  'pipelines', json_agg(pipeline ORDER BY pipeline COLLATE "C"))::text
FROM jp_consumers GROUP BY consumer ORDER BY consumer COLLATE "C\"""",
        "edge": "json_build_object('source', s, 'target', t, 'kind', k)::text",
    }


def lineage_json_lines(conn: Connection) -> Iterator[str]:
    """The whole-fleet lineage JSON, in pieces to write one after another."""
    queries = _postgresql() if conn.dialect.name == "postgresql" else _sqlite()
    order = "s, t, k" if conn.dialect.name != "postgresql" else 's COLLATE "C", t COLLATE "C"'
    yield "{"
    for number, section in enumerate(("pipelines", "datasets", "consumers")):
        rows = conn.execute(text(queries[section])).scalars()
        yield f'{"," if number else ""}\n"{section}": [\n' + ",\n".join(rows) + "\n]"
    records = conn.execute(text(f"SELECT {queries['edge']} {_EDGES} ORDER BY {order}")).scalars()
    yield ',\n"edges": [\n' + ",\n".join(records) + "\n]\n}\n"
