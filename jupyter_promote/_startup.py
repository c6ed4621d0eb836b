"""Start-up cost control for jupyter-promote's own processes (CLI, flow runs).

``jsonschema`` (imported by nbformat and Prefect) loads the optional ``rfc3987_syntax``
package when it is installed (jupyter_server's dependencies install it); that package compiles
a Lark grammar at import, about 1.4 s here, only to check the ``iri`` string format, which no
schema we validate uses. Marking it absent makes jsonschema skip that one format checker.
"""

from __future__ import annotations

import sys


def skip_unused_optional_imports() -> None:
    """Call first thing in a process jupyter-promote owns; never in a shared server process."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
