"""Recording reads: any consumer (a dashboard's refresh, a report, another tool) says it read a
dataset, so ``stale`` knows the pipeline writing it is used. Runs of promoted pipelines record
their own reads (:func:`jupyter_promote.execution.flow.record_reads`)."""

from __future__ import annotations

import getpass
from datetime import datetime

from jupyter_promote.config import PromoteConfig, load_config


def record_read(
    dataset: str,
    *,
    by: str | None = None,
    at: datetime | None = None,
    config: PromoteConfig | None = None,
) -> str:
    """Record a read of ``dataset`` (a URL, a path, ``sql:schema.table``...); returns its key.

    Example:
        >>> import jupyter_promote as jp  # doctest: +SKIP
        >>> jp.record_read("s3://lake/out.parquet", by="ops-dashboard")  # doctest: +SKIP
        's3://lake/out.parquet'
    """
    from jupyter_promote.fleet.catalog import Catalog
    from jupyter_promote.fleet.datasets import parse_dataset

    config = config or load_config()
    key = parse_dataset(dataset).key
    catalog = Catalog(config.catalog_url)
    try:
        catalog.record_read(key, by or getpass.getuser(), at)
    finally:
        catalog.close()
    return key
