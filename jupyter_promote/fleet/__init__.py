"""The fleet's memory: lineage (what each pipeline reads and writes), impact and effective tier,
owners and handover, retirement of what nobody uses, and the catalog that indexes it all.

Pure parts (model, datasets, extract, graph, roster, retire, render) import no server, Prefect
or database driver; :mod:`.catalog` keeps the index in SQLAlchemy (SQLite or PostgreSQL).
"""
