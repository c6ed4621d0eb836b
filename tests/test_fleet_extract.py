"""Lineage found statically (issue #11): datasets named the OpenLineage way, and what a
notebook's code reads and writes. Pure: notebooks built in memory (and the shipped examples),
no kernel, no database, no Prefect."""

from __future__ import annotations

import re
import string
from pathlib import Path, PurePosixPath

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_promote.fleet.datasets import (
    dataset_from_path,
    dataset_from_table,
    matches,
    parse_dataset,
)
from jupyter_promote.fleet.extract import Found, extract_lineage
from jupyter_promote.fleet.model import DatasetRef
from nbbuild import make_nb

EXAMPLES = Path(__file__).parent.parent / "example_notebooks"
SECRET = "s3cret"


def lineage(*cells: str | tuple[str, str], **options) -> list[tuple[str, str]]:
    """(direction, key) of everything found in a notebook made of ``cells``."""
    found = extract_lineage(make_nb(*cells), **options)
    return [(f.direction, f.dataset.key) for f in found]


def step(code: str) -> tuple[str, str]:
    return ("step:work", code)


# --- naming ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "namespace", "name"),
    [
        ("s3://lake/loans/x.parquet", "s3://lake", "loans/x.parquet"),
        ("s3a://AKIA:s3cret@lake/k/x.parquet", "s3://lake", "k/x.parquet"),
        ("s3n://lake/loans/", "s3://lake", "loans"),
        ("gs://bucket/a.csv", "gs://bucket", "a.csv"),
        ("gcs://bucket/a.csv", "gs://bucket", "a.csv"),
        ("az://raw/loans.csv", "az://raw", "loans.csv"),
        ("abfss://raw@acct.dfs.core.windows.net/l/x.parquet",
         "abfss://raw@acct.dfs.core.windows.net", "l/x.parquet"),
        ("wasbs://c@acct.blob.core.windows.net/x.csv", "wasbs://c@acct.blob.core.windows.net",
         "x.csv"),
        ("hdfs://namenode:8020/warehouse/loans", "hdfs://namenode:8020", "warehouse/loans"),
        ("https://ana:s3cret@data.example.com/exports/loans.csv?sig=s3cret&se=2026",
         "https://data.example.com", "exports/loans.csv"),
        ("file:///srv/data/x.csv", "file", "/srv/data/x.csv"),
        ("s3://lake/loans_{as_of}.parquet", "s3://lake", "loans_{as_of}.parquet"),
        ("s3:///lake/k.csv", "s3://lake", "k.csv"),
    ],
)  # fmt: skip
def test_urls_name_their_store_and_never_keep_credentials(text, namespace, name):
    ref = dataset_from_path(text)
    assert (ref.namespace, ref.name) == (namespace, name)
    assert SECRET not in ref.key


@pytest.mark.parametrize(
    ("text", "base", "project", "name"),
    [
        ("data/x.csv", None, None, "data/x.csv"),
        ("./data//x.csv", "nbs", None, "nbs/data/x.csv"),
        ("../data/x.csv", "nbs/sub", None, "nbs/data/x.csv"),
        ("../data/x.csv", "nbs", "/srv/p", "data/x.csv"),
        ("../../shared/x.csv", "nbs", "/srv/p", "/srv/shared/x.csv"),
        ("/srv/p/out/x.csv", "nbs", "/srv/p", "out/x.csv"),
        ("/tmp/x.csv", "nbs", "/srv/p", "/tmp/x.csv"),
        ("file:///srv/p/out/x.csv", None, "/srv/p", "out/x.csv"),
        ("data\\x.csv", None, None, "data/x.csv"),
        ("~/x.csv", "nbs", None, "~/x.csv"),
        ("out/loans_{as_of}/", "nbs", None, "nbs/out/loans_{as_of}"),
    ],
)
def test_local_paths_are_normalised_and_project_relative(text, base, project, name):
    ref = dataset_from_path(
        text,
        base=PurePosixPath(base) if base else None,
        project=PurePosixPath(project) if project else None,
    )
    assert ref == DatasetRef("file", name)


@pytest.mark.parametrize(
    ("table", "connection", "key"),
    [
        ("risk.loans", None, "sql:risk.loans"),
        ("Risk.Loans", None, "sql:risk.loans"),
        ('"Risk".Loans', None, "sql:Risk.loans"),
        ("loans", "postgresql+psycopg://ana:s3cret@db.bank:5432/risk",
         "postgres://db.bank:5432/risk.public.loans"),
        ("book.loans", "postgresql://ana:s3cret@db.bank/risk",
         "postgres://db.bank:5432/risk.book.loans"),
        ("other.book.loans", "postgres://db.bank/risk", "postgres://db.bank:5432/other.book.loans"),
        ("loans", "mysql+pymysql://u:s3cret@mysql.internal/lending",
         "mysql://mysql.internal:3306/lending.loans"),
        ("loans", "mssql+pyodbc://u:s3cret@sql01:1433/Risk?driver=ODBC+Driver+18",
         "mssql://sql01:1433/risk.dbo.loans"),
        ("loans", "snowflake://u:s3cret@xy12345.eu-west-1/ANALYTICS/RISK?warehouse=wh",
         "snowflake://xy12345.eu-west-1/analytics.risk.loans"),
        ("loans", "bigquery://my-project/lending", "bigquery:my-project.lending.loans"),
        ("loans", "trino://ana@trino:8080/hive/lending", "trino://trino:8080/hive.lending.loans"),
        ("loans", "sqlite:///data/app.db", "sqlite:///data/app.db/loans"),
        ("loans", "sqlite:////srv/app.db", "sqlite:////srv/app.db/loans"),
        ("loans", "duckdb:///wh.duckdb", "duckdb:///wh.duckdb/loans"),
        ("loans", "sqlite://", "sql:loans"),
        ("loans", "host=db.bank port=5433 dbname=risk user=ana password=s3cret",
         "postgres://db.bank:5433/risk.public.loans"),
    ],
)  # fmt: skip
def test_tables_are_named_from_their_connection(table, connection, key):
    assert dataset_from_table(table, connection=connection).key == key


@pytest.mark.parametrize(
    ("text", "namespace", "name"),
    [
        ("s3://lake/x.parquet", "s3://lake", "x.parquet"),
        ("file:data/x.csv", "file", "data/x.csv"),
        ("data/x.csv", "file", "data/x.csv"),
        ("loans.csv", "file", "loans.csv"),
        ("./loans", "file", "loans"),
        ("sql:Risk.Loans", "sql", "Risk.Loans"),
        ("table:Risk.Loans", "sql", "risk.loans"),
        ("  risk.loans  ", "sql", "risk.loans"),
        ("loans", "sql", "loans"),
        ("bigquery:proj.ds.t", "bigquery", "proj.ds.t"),
        ("postgres://db:5432/risk.public.loans", "postgres://db:5432", "risk.public.loans"),
        ("sqlite:///data/app.db/loans", "sqlite:///data/app.db", "loans"),
    ],
)
def test_parse_dataset_reads_what_people_type(text, namespace, name):
    assert parse_dataset(text) == DatasetRef(namespace, name)


def test_parse_dataset_refuses_an_empty_name():
    with pytest.raises(ValueError, match="name a dataset"):
        parse_dataset("  ")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("loans_{as_of}.csv", "loans_2026-11-01.csv", True),
        ("loans_{as_of}.csv", "loans_{date}.csv", True),
        ("{a}_2026.csv", "loans_{b}.csv", True),
        ("out/{d}/x.csv", "out/2026/x.csv", True),
        ("loans_{as_of}.csv", "loans/2026.csv", False),
        ("out/{d}/x.csv", "out/2026/11/x.csv", False),
        ("loans_{as_of}.csv", "loans_2026.parquet", False),
        ("loans.csv", "loans.csv", True),
        ("loans.csv", "clean.csv", False),
    ],
)
def test_placeholders_match_any_run_without_a_slash(a, b, expected):
    assert matches(DatasetRef("file", a), DatasetRef("file", b)) is expected
    assert matches(DatasetRef("file", b), DatasetRef("file", a)) is expected


def test_matching_needs_the_same_namespace():
    assert not matches(DatasetRef("file", "x_{d}.csv"), DatasetRef("sql", "x_1.csv"))


# --- naming properties ---------------------------------------------------------------------

_PIECES = [*"aB/.:{}@ _-?#\\\"'`[]\n~*=", "s3://", "file:", "sql:", "table:", "sqlite://"]
_PIECES += ["postgres://", "bigquery:", "hdfs:///", "abfss://", "x.csv", "host=", "dbname="]
TEXTS = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join) | st.text(max_size=30)
TABLES = st.lists(st.sampled_from([*'aZ_.{}"`[] #$:', "s3", "sql:", "file:"]), max_size=10).map(
    "".join
) | st.text(st.characters(blacklist_characters="/?"), max_size=20)
CONNECTIONS = st.sampled_from(
    [None, "postgresql://u:p@db/risk", "mysql://m/l", "mssql://s/r", "snowflake://a/d/s",
     "bigquery://p/d", "sqlite:///a.db", "duckdb:////abs/w.duckdb", "host=h dbname=d",
     "trino://t:8080/c/s", "sqlite://"]
) | TEXTS  # fmt: skip
PATHS = st.sampled_from([None, "nbs", "/srv/p", "a/../..", "."])
FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _refs() -> st.SearchStrategy[DatasetRef]:
    """Every kind of dataset this package makes: from paths, URLs, tables, connections."""
    from_path = st.builds(
        lambda t, b, p: dataset_from_path(
            t, base=PurePosixPath(b) if b else None, project=PurePosixPath(p) if p else None
        ),
        TEXTS,
        PATHS,
        PATHS.filter(lambda p: p is None or p.startswith("/")),
    )
    from_table = st.builds(lambda t, c: dataset_from_table(t, connection=c), TABLES, CONNECTIONS)
    return from_path | from_table | TEXTS.filter(str.strip).map(parse_dataset)


@FAST
@given(_refs())
def test_parse_dataset_is_the_exact_inverse_of_key(ref):
    assert parse_dataset(ref.key) == ref


@FAST
@given(TEXTS.filter(str.strip))
def test_parsing_a_key_again_changes_nothing(text):
    once = parse_dataset(text)
    assert parse_dataset(once.key) == once


@FAST
@given(_refs(), _refs())
def test_matches_is_reflexive_and_symmetric(a, b):
    assert matches(a, a)
    assert matches(a, b) == matches(b, a)


@FAST
@given(
    st.lists(st.sampled_from(["{p}", "{}", "a", "b", "/", "_", "."]), max_size=8).map("".join),
    st.text("ab/_.", max_size=8),
)
def test_a_pattern_matches_a_concrete_name_as_a_regular_expression_would(pattern, name):
    regex = "".join(
        "[^/]*" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^{}]*\})", pattern)
    )
    expected = re.fullmatch(regex, name) is not None
    assert matches(DatasetRef("file", pattern), DatasetRef("file", name)) is expected


# --- extraction: paths ----------------------------------------------------------------------


def test_relative_paths_of_a_notebook_in_a_subfolder_are_named_from_the_project():
    found = lineage(
        step(
            "import pandas as pd\n"
            "raw = pd.read_csv('../data/raw.csv')\n"
            "raw.to_parquet('out/clean.parquet')\n"
            "ref = pd.read_csv('/srv/p/ref/grades.csv')\n"
            "ext = pd.read_csv('/mnt/shared/rates.csv')"
        ),
        notebook_path="nbs/load.ipynb",
        project_dir="/srv/p",
    )
    assert found == [
        ("read", "file:data/raw.csv"),
        ("write", "file:nbs/out/clean.parquet"),
        ("read", "file:ref/grades.csv"),
        ("read", "file:/mnt/shared/rates.csv"),
    ]


def test_two_notebooks_in_different_folders_join_on_the_same_file():
    writer = lineage(step("df.to_csv('data/loans.csv')"), notebook_path="extract.ipynb")
    reader = lineage(step("pd.read_csv('../../data/loans.csv')"), notebook_path="nbs/a/clean.ipynb")
    assert writer == [("write", "file:data/loans.csv")]
    assert reader == [("read", "file:data/loans.csv")]


PARAMETERS = ("parameters", 'as_of = "2026-11-01"\noutput_dir = "output"\nbucket = "s3://lake"')
DEFAULTS = {"as_of": "2026-11-01", "output_dir": "output", "bucket": "s3://lake"}


@pytest.mark.parametrize("parameters", [DEFAULTS, None])
def test_parameters_stay_placeholders_unless_they_start_the_location(parameters):
    # Decision: a parameter changes from run to run, so its default is not "the" dataset:
    # it stays {name} (and joins any run's file through matches()). Only a parameter that
    # starts the location (an output folder, a bucket URL) takes its default, since it says
    # where the data lives; module constants are substituted. Without `parameters`, the
    # parameters cell's assignments are the parameters.
    found = lineage(
        PARAMETERS,
        ("setup", "import os\nimport pandas as pd\nREGION = 'emea'"),
        step(
            "pd.read_parquet(f's3://lake/loans/{as_of}.parquet')\n"
            "pd.read_csv(f'data/{REGION}/rates_{as_of}.csv')\n"
            "df.to_csv(os.path.join(output_dir, f'allocation_{as_of}.csv'))\n"
            "df.to_parquet(f'{bucket}/scores/{as_of:%Y}.parquet')\n"
            "df.to_json(f'reports/{today()}.json')"
        ),
        parameters=parameters,
    )
    assert found == [
        ("read", "s3://lake/loans/{as_of}.parquet"),
        ("read", "file:data/emea/rates_{as_of}.csv"),
        ("write", "file:output/allocation_{as_of}.csv"),
        ("write", "s3://lake/scores/{as_of}.parquet"),
        ("write", "file:reports/{today()}.json"),
    ]


def test_paths_built_with_os_path_pathlib_and_string_operations():
    found = lineage(
        step(
            "import os, posixpath\n"
            "from os.path import join as j\n"
            "from pathlib import Path\n"
            "import pandas as pd\n"
            "ROOT = Path('data')\n"
            "pd.read_csv(ROOT / 'a.csv')\n"
            "pd.read_csv(ROOT.joinpath('b', 'c.csv'))\n"
            "pd.read_csv(str(ROOT / 'd.csv'))\n"
            "pd.read_csv((ROOT / 'e.csv').as_posix())\n"
            "pd.read_csv(Path('x/y.csv').parent / 'f.csv')\n"
            "pd.read_csv('/'.join(['data', 'g.csv']))\n"
            "pd.read_csv('data/h_%s.csv' % 'emea')\n"
            "pd.read_csv('data/i_{as_of}.csv'.format(as_of=as_of))\n"
            "pd.read_csv(Path('data/j.txt').with_suffix('.csv'))\n"
            "pd.read_csv(posixpath.join('data', 'k.csv'))\n"
            "pd.read_csv(j('data', 'l.csv'))\n"
            "pd.read_csv(os.path.join(ROOT, 'm' + '.csv'))"
        ),
        parameters={"as_of": "2026-11-01"},
    )
    assert [key for _, key in found] == [
        "file:data/a.csv",
        "file:data/b/c.csv",
        "file:data/d.csv",
        "file:data/e.csv",
        "file:x/f.csv",
        "file:data/g.csv",
        "file:data/h_emea.csv",
        "file:data/i_{as_of}.csv",
        *(f"file:data/{n}.csv" for n in "jklm"),
    ]


def test_reassignment_updates_and_an_unknown_value_forgets():
    found = lineage(
        step(
            "p = 'a.csv'\npd.read_csv(p)\np = 'b.csv'\npd.read_csv(p)\n"
            "p = compute()\npd.read_csv(p)\np = 'c.csv'\ndel p\npd.read_csv(p)"
        )
    )
    assert found == [("read", "file:a.csv"), ("read", "file:b.csv")]


def test_names_assigned_in_a_branch_or_loop_are_unknown_after_it():
    found = lineage(
        step(
            "if fresh:\n    q = 'c1.csv'\n    pd.read_csv(q)\nelse:\n    q = 'c2.csv'\n"
            "pd.read_csv(q)\n"
            "for name in ['x.csv']:\n    pd.read_csv(name)"
        )
    )
    assert found == [("read", "file:c1.csv")]


def test_calls_inside_functions_count_and_their_arguments_are_unknown():
    found = lineage(
        step(
            "path = 'global.csv'\n"
            "def load(path):\n    return pd.read_csv(path)\n"
            "def load_grades():\n    local = 'grades.csv'\n    return pd.read_csv(local)\n"
            "pd.read_csv(local)"
        )
    )
    assert found == [("read", "file:grades.csv")]


@pytest.mark.parametrize(
    "code",
    [
        "pd.read_csv(path_from_env)",
        "pd.read_csv(os.environ['INPUT'])",
        "pd.read_csv(io.StringIO('a,b\\n1,2'))",
        "pd.read_json('{\"a\": 1}')",
        "pd.read_csv(f'{root}/x.csv')",
        "pd.read_csv(f'{a}{b}')",
        "pd.read_csv(*paths)",
        "text = df.to_json()",
        "df.to_csv(None)",
        "pd.read_csv('x.csv' if full else 'y.csv')",
        "df.query('amount > 0')",
        "cur.execute('hello world')",
        "pd.read_sql(query, engine)",
    ],
)
def test_what_cannot_be_resolved_is_not_guessed(code):
    assert lineage(step(code)) == []


def test_pandas_polars_and_pyarrow_under_any_alias():
    found = lineage(
        step(
            "import pandas as pandas_lib\n"
            "from pandas import read_parquet as rp\n"
            "import polars as pl\n"
            "import pyarrow.parquet as pq\n"
            "import pyarrow.dataset as ds\n"
            "a = pandas_lib.read_csv('a.csv')\n"
            "b = rp('b.parquet')\n"
            "c = pl.scan_parquet('c.parquet').collect()\n"
            "d = pq.read_table('d.parquet')\n"
            "e = ds.dataset('lake/e/')\n"
            "a.to_excel('out/a.xlsx')\n"
            "c.write_parquet('out/c.parquet')\n"
            "pq.write_table(d, where='out/d.parquet')\n"
            "with pandas_lib.ExcelWriter('out/report.xlsx') as writer:\n    a.to_excel(writer)"
        )
    )
    assert found == [
        ("read", "file:a.csv"),
        ("read", "file:b.parquet"),
        ("read", "file:c.parquet"),
        ("read", "file:d.parquet"),
        ("read", "file:lake/e"),
        ("write", "file:out/a.xlsx"),
        ("write", "file:out/c.parquet"),
        ("write", "file:out/d.parquet"),
        ("write", "file:out/report.xlsx"),
    ]


def test_open_and_path_methods():
    found = lineage(
        step(
            "from pathlib import Path\n"
            "with open('config.yaml') as fh:\n    cfg = fh.read()\n"
            "with open('out/summary.md', 'w', encoding='utf-8') as fh:\n    fh.write('x')\n"
            "Path('out/notes.txt').write_text('x')\n"
            "Path('templates/q.sql').read_text()\n"
            "Path('out/log.txt').open('a')"
        )
    )
    assert found == [
        ("read", "file:config.yaml"),
        ("write", "file:out/summary.md"),
        ("write", "file:out/notes.txt"),
        ("read", "file:templates/q.sql"),
        ("write", "file:out/log.txt"),
    ]


# --- extraction: SQL ---------------------------------------------------------------------

ENGINE = (
    "import pandas as pd\nimport sqlalchemy as sa\n"
    f"engine = sa.create_engine('postgresql+psycopg://ana:{SECRET}@db.bank:5432/risk')\n"
)
PG = "postgres://db.bank:5432/risk"


def test_read_sql_with_a_cte_a_join_and_schema_qualified_names():
    code = ENGINE + (
        'q = """\n'
        "WITH recent AS (SELECT * FROM loans.book WHERE issued > now() - interval '7 days')\n"
        'SELECT * FROM recent r JOIN ref."Grades" g ON r.grade = g.grade\n'
        'JOIN lake.raw.rates x ON x.d = r.d\n"""\n'
        "df = pd.read_sql(q, engine)"
    )
    found = extract_lineage(make_nb(step(code)))
    assert [(f.direction, f.dataset.key, f.line, f.call) for f in found] == [
        ("read", f"{PG}.loans.book", 9, "pd.read_sql (SQL)"),
        ("read", f"{PG}.ref.Grades", 9, "pd.read_sql (SQL)"),
        ("read", "postgres://db.bank:5432/lake.raw.rates", 9, "pd.read_sql (SQL)"),
    ]


def test_insert_select_writes_its_target_and_reads_its_sources():
    code = ENGINE + (
        "with engine.begin() as conn:\n"
        "    conn.execute(sa.text('INSERT INTO risk.summary (grade, n) '\n"
        "                         'SELECT s.grade, count(*) FROM risk.scores s '\n"
        "                         'JOIN risk.grades g USING (grade) GROUP BY s.grade'))"
    )
    assert lineage(step(code)) == [
        ("read", f"{PG}.risk.scores"),
        ("read", f"{PG}.risk.grades"),
        ("write", f"{PG}.risk.summary"),
    ]


def test_to_sql_and_table_reads_through_known_connections():
    code = ENGINE + (
        "import sqlite3\n"
        "df.to_sql('scores', engine, schema='Risk', if_exists='replace')\n"
        "loans = pd.read_sql_table('loans', engine, schema='book')\n"
        "grades = pd.read_sql('ref.grades', con=engine)\n"
        "with sqlite3.connect('cache/app.db') as lite:\n"
        "    df.to_sql('snapshot', lite)\n"
        "df.to_sql('audit', 'sqlite:///cache/app.db')\n"
        "df.to_sql('unknown_con', make_connection())"
    )
    assert lineage(step(code), notebook_path="nbs/x.ipynb") == [
        ("write", f"{PG}.risk.scores"),
        ("read", f"{PG}.book.loans"),
        ("read", f"{PG}.ref.grades"),
        ("write", "sqlite:///nbs/cache/app.db/snapshot"),
        ("write", "sqlite:///nbs/cache/app.db/audit"),
        ("write", "sql:unknown_con"),
    ]


def test_a_password_in_a_connection_never_reaches_a_key():
    code = ENGINE + "pd.read_sql('SELECT * FROM a.b', engine)\ndf.to_sql('c', engine)"
    found = extract_lineage(make_nb(step(code)))
    assert len(found) == 2
    assert all(SECRET not in repr(f) for f in found)


def test_sql_statements_run_through_execute():
    code = ENGINE + (
        "con = engine.connect()\n"
        "con.execute(sa.text('CREATE TABLE mart.daily AS SELECT * FROM risk.scores'))\n"
        "con.execute(sa.text('MERGE INTO mart.book t USING stage.book s ON t.id = s.id '\n"
        "                    'WHEN MATCHED THEN UPDATE SET amount = s.amount'))\n"
        "con.execute(sa.text('UPDATE mart.flags SET ok = true FROM mart.checks c'))\n"
        "con.execute(sa.text('DELETE FROM mart.tmp WHERE id IN (SELECT id FROM mart.done)'))\n"
        "con.execute(sa.text('CREATE INDEX i ON mart.daily (d)'))"
    )
    assert lineage(step(code)) == [
        ("read", f"{PG}.risk.scores"),
        ("write", f"{PG}.mart.daily"),
        ("read", f"{PG}.stage.book"),
        ("write", f"{PG}.mart.book"),
        ("read", f"{PG}.mart.checks"),
        ("write", f"{PG}.mart.flags"),
        ("read", f"{PG}.mart.done"),
        ("write", f"{PG}.mart.tmp"),
    ]


def test_sql_table_names_from_parameters_and_placeholders():
    found = lineage(
        ("parameters", "as_of = '2026-11-01'\nsource_table = 'risk.loans'"),
        step(
            "pd.read_sql(f'SELECT * FROM {source_table} WHERE d = :d', con)\n"
            "spark.sql(f'INSERT INTO mart.loans_{as_of} SELECT * FROM stage.loans')"
        ),
    )
    assert found == [
        ("read", "sql:risk.loans"),
        ("read", "sql:stage.loans"),
        ("write", "sql:mart.loans_{as_of}"),
    ]


def test_duckdb_files_copy_and_in_memory_tables():
    # Supported: files in FROM ('x.parquet', read_csv_auto('x')), COPY ... TO/FROM 'file';
    # tables of an in-memory database (duckdb.connect(), duckdb.sql) are nobody's dataset.
    code = (
        "import duckdb\n"
        "con = duckdb.connect()\n"
        "con.execute(\"COPY (SELECT * FROM t JOIN 'data/in.parquet' USING (id)) \"\n"
        "            \"TO 'out.parquet'\")\n"
        "duckdb.sql(\"SELECT * FROM read_csv_auto('raw/*.csv')\")\n"
        "con.execute(\"COPY staging FROM 's3://lake/drop/x.csv'\")\n"
        "wh = duckdb.connect('warehouse.duckdb')\n"
        "wh.execute('CREATE TABLE clean AS SELECT * FROM raw_loans')"
    )
    assert lineage(step(code), notebook_path="nb/x.ipynb") == [
        ("read", "file:nb/data/in.parquet"),
        ("write", "file:nb/out.parquet"),
        ("read", "file:nb/raw/*.csv"),
        ("read", "s3://lake/drop/x.csv"),
        ("read", "duckdb:///nb/warehouse.duckdb/raw_loans"),
        ("write", "duckdb:///nb/warehouse.duckdb/clean"),
    ]


def test_sqlite_scripts():
    code = (
        "import sqlite3\n"
        "db = sqlite3.connect('app.db')\n"
        "cur = db.cursor()\n"
        "cur.executescript('DELETE FROM sessions; INSERT INTO audit SELECT * FROM events;')\n"
        "mem = sqlite3.connect(':memory:')\n"
        "mem.execute('INSERT INTO scratch SELECT 1')"
    )
    assert lineage(step(code)) == [  # a SQL text's reads first, then its writes
        ("read", "sqlite:///app.db/events"),
        ("write", "sqlite:///app.db/sessions"),
        ("write", "sqlite:///app.db/audit"),
    ]


def test_spark_readers_writers_and_tables():
    code = (
        "raw = spark.read.format('csv').option('header', True).load('s3a://k:s3cret@lake/raw/')\n"
        "more = spark.read.parquet('s3://lake/more/', 's3://lake/other/')\n"
        "raw.write.mode('overwrite').parquet('s3://lake/clean/')\n"
        "raw.write.saveAsTable('gold.loans')\n"
        "raw.write.insertInto('gold.audit')\n"
        "spark.table('silver.loans')\n"
        "spark.sql('INSERT OVERWRITE TABLE gold.x SELECT * FROM silver.y')"
    )
    assert lineage(step(code)) == [
        ("read", "s3://lake/raw"),
        ("read", "s3://lake/more"),
        ("write", "s3://lake/clean"),
        ("write", "sql:gold.loans"),
        ("write", "sql:gold.audit"),
        ("read", "sql:silver.loans"),
        ("read", "sql:silver.y"),
        ("write", "sql:gold.x"),
    ]


# --- extraction: cells ---------------------------------------------------------------------


def test_ipython_magics_do_not_hide_reads():
    found = lineage(
        step("%time df = pd.read_csv('a.csv')\n!ls data\nfiles = !ls\n%matplotlib inline"),
        ("step:b", "%%time\nb = pd.read_csv('b.csv')"),
        ("step:c", "%%bash\ncat c.csv > d.csv"),
    )
    assert found == [("read", "file:a.csv"), ("read", "file:b.csv")]


def test_skipped_injected_and_broken_cells_are_ignored():
    nb = make_nb(
        ("parameters", "path = 'default.csv'"),
        ("injected-parameters", "path = 'injected.csv'\npd.read_csv('injected.csv')"),
        ("step:a", "pd.read_csv('a.csv')"),
        ("skip", "pd.read_csv('explore.csv')"),
        ("#md", "pd.read_csv('markdown.csv')"),
        "this is not python (",
        "pd.read_csv(path)",
    )
    found = extract_lineage(nb, skip_cells={3})
    assert [(f.dataset.key, f.cell_index) for f in found] == [
        ("file:a.csv", 2),
        ("file:default.csv", 6),
    ]


def test_each_dataset_once_per_direction_at_its_first_place():
    found = extract_lineage(
        make_nb(
            ("step:a", "x = pd.read_csv('x.csv')\nx.to_csv('x.csv')"),
            ("step:b", "\n\ny = pd.read_csv('x.csv')\ny.to_csv('y.csv')"),
        )
    )
    assert found == [
        Found("read", DatasetRef("file", "x.csv"), 0, 1, "pd.read_csv"),
        Found("write", DatasetRef("file", "x.csv"), 0, 2, "x.to_csv"),
        Found("write", DatasetRef("file", "y.csv"), 1, 4, "y.to_csv"),
    ]


@pytest.mark.parametrize(
    ("notebook", "expected"),
    [
        ("loans.ipynb", [("write", "file:output/allocation_{as_of}.csv")]),
        ("feature_table.ipynb", [("write", "file:output/churn_features_{snapshot_date}.csv"),
                                 ("write", "file:output/churn_features_{snapshot_date}.json")]),
        ("daily_sales.ipynb", [("write", "file:output/daily_sales_{report_date}.csv"),
                               ("write", "file:output/daily_sales_{report_date}.md")]),
    ],
)  # fmt: skip
def test_the_example_notebooks(notebook, expected):
    nb = nbformat.read(EXAMPLES / notebook, as_version=4)
    found = extract_lineage(nb, notebook_path=notebook, project_dir="/srv/project")
    assert [(f.direction, f.dataset.key) for f in found] == expected


# --- never raises --------------------------------------------------------------------------

NAMES = st.sampled_from(["p", "q", "engine", "con", "as_of", "os", "pd", "Path"])
LITERALS = st.sampled_from(
    ["'data/x.csv'", "'s3://u:p@b/k'", "'../up.csv'", "'{x}'", "''", "'/'", "1", "None",
     "'SELECT * FROM a.b'", "'INSERT INTO t SELECT * FROM u'", "\"COPY t TO 'o.csv'\"",
     "'WITH c AS (SELECT 1) SELECT * FROM c'", "'postgresql://u:p@h/d'", "'sqlite://'",
     "':memory:'", "'x.duckdb'", "'host=h dbname=d'", "'a' * 3", "b'x'", "'%s' % 1"]
)  # fmt: skip


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds("{} + {}".format, inner, inner),
            st.builds("{} / {}".format, inner, inner),
            st.builds("{} % {}".format, inner, inner),
            st.builds("os.path.join({}, {})".format, inner, inner),
            st.builds("Path({})".format, inner),
            st.builds("{}.joinpath({})".format, inner, inner),
            st.builds("str({}).as_posix()".format, inner),
            st.builds("{}.format(p={})".format, inner, inner),
            st.builds("f'{{{}}}/{{{}!r:>3}}'".format, inner, inner),
            st.builds("'/'.join([{}, {}])".format, inner, inner),
            st.builds("create_engine({})".format, inner),
            st.builds("sqlite3.connect({})".format, inner),
            st.builds("{}.parent".format, inner),
        )

    return st.recursive(LITERALS | NAMES, extend, max_leaves=6)


EXPRESSIONS = _expressions()


STATEMENTS = st.one_of(
    st.builds("{} = {}".format, NAMES, EXPRESSIONS),
    st.builds("{} += {}".format, NAMES, EXPRESSIONS),
    st.builds("pd.read_csv({})".format, EXPRESSIONS),
    st.builds("df.to_parquet(path={})".format, EXPRESSIONS),
    st.builds("pd.read_sql({}, {})".format, EXPRESSIONS, EXPRESSIONS),
    st.builds("df.to_sql({}, {}, schema={})".format, EXPRESSIONS, NAMES, EXPRESSIONS),
    st.builds("{}.execute({})".format, NAMES, EXPRESSIONS),
    st.builds("with {}.connect() as {}:\n    {}.execute({})".format, NAMES, NAMES, NAMES,
              EXPRESSIONS),
    st.builds("if {}:\n    {} = {}".format, NAMES, NAMES, EXPRESSIONS),
    st.builds("def f({}):\n    return pd.read_csv({})".format, NAMES, EXPRESSIONS),
    st.builds("for {} in {}:\n    del {}".format, NAMES, EXPRESSIONS, NAMES),
    st.builds("%time pd.read_csv({})".format, EXPRESSIONS),
    st.builds("import {} as {}".format, st.sampled_from(["os", "pandas", "duckdb", "sqlite3"]),
              NAMES),
    st.just("from pathlib import Path"),
)  # fmt: skip


@FAST
@given(st.lists(st.lists(STATEMENTS, max_size=5).map("\n".join), max_size=3), PATHS, PATHS)
def test_never_raises_on_code_built_from_the_supported_shapes(cells, path, project):
    found = extract_lineage(
        make_nb(*(("step:s", c) for c in cells)),
        notebook_path=f"{path}/nb.ipynb" if path else "",
        project_dir=project,
        parameters={"as_of": "2026-11-01", "p": None},
    )
    assert all(isinstance(f, Found) for f in found)
    assert all("u:p@" not in f.dataset.key for f in found)


@FAST
@given(st.lists(st.text(string.printable, max_size=80) | TEXTS, max_size=3))
def test_never_raises_on_arbitrary_text(sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    assert isinstance(extract_lineage(nb), list)


def test_never_raises_on_malformed_notebooks():
    code = "code"
    weird = nbformat.from_dict(
        {"cells": [
            {"cell_type": code, "source": ["pd.read_csv(", "'a.csv')"], "metadata": {"tags": "x"}},
            {"cell_type": code, "metadata": {}},
            {"source": "pd.read_csv('b.csv')"},
            {"cell_type": code, "source": "pd.read_csv('c.csv')", "metadata": {"tags": [1, None]}},
        ]}
    )  # fmt: skip
    assert [f.dataset.key for f in extract_lineage(weird)] == ["file:a.csv", "file:c.csv"]
    assert extract_lineage(nbformat.from_dict({})) == []
