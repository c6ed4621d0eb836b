"""Start-up cost control for jupyter-promote's own processes (CLI, flow runs, run kernels).

``jsonschema`` (imported by nbformat and Prefect) loads the optional ``rfc3987_syntax``
package when it is installed (jupyter_server's dependencies install it); that package compiles
a Lark grammar at import, about 1.5 s here, only to check the ``iri`` string format, which no
schema we validate uses. Marking it absent makes jsonschema skip that one format checker.

Great Expectations imports ``altair`` and ``scipy.stats`` (about 2 s) for one expectation, KL
divergence, that gates rarely use. In the kernels a run starts (never a user's own kernel),
:func:`lean_kernel` makes them lazy modules: loaded in full on first use, by GX or by a cell,
so everything works as before, and nobody pays for them unused.

Nothing here imports more than the standard library: it runs before anything else does.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

#: What GX imports for its KL-divergence expectation only: lazy in run kernels.
DEFERRED = ("altair", "scipy.stats")


def skip_unused_optional_imports() -> None:
    """Call first thing in a process jupyter-promote owns; never in a shared server process."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


def lean_kernel() -> list[str]:
    """In a kernel jupyter-promote started, before any cell: skip ``rfc3987_syntax`` and make
    :data:`DEFERRED` lazy. Returns the modules made lazy (those not imported already)."""
    skip_unused_optional_imports()
    return [name for name in DEFERRED if _defer(name)]


def _defer(name: str) -> bool:
    if name in sys.modules:
        return False
    parent, _, child = name.rpartition(".")
    try:
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.find_spec(name)
    except ImportError:
        return False
    if spec is None or spec.loader is None:
        return False
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)  # lazy: the module's code runs on first attribute access
    if parent:
        setattr(sys.modules[parent], child, module)
    return True
