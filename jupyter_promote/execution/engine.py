"""``python -m jupyter_promote.execution.engine``: Prefect's engine, as a process worker runs it
for each flow run (``python -m prefect.engine``), after the start-up cost control of
jupyter-promote's own processes (:mod:`jupyter_promote._startup`).

Importing Prefect's engine costs 5.6-7.0 s of CPU here, 2.9-3.1 s once jsonschema's unused
``rfc3987_syntax`` is skipped: per flow run, before the run even starts. The embedded stack's
work pool runs its flow runs with this module (its ``command``); any other pool is left as its
owner configured it.
"""

from __future__ import annotations

import runpy

from jupyter_promote._startup import skip_unused_optional_imports

MODULE = "jupyter_promote.execution.engine"


def main() -> None:
    """Skip the unused optional imports, then run ``prefect.engine`` as ``python -m`` would
    (the flow run id comes from the worker, in the environment or as the first argument)."""
    skip_unused_optional_imports()
    runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
