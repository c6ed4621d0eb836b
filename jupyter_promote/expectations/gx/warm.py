"""Paying Great Expectations' import before the first check needs it, in the background.

Importing GX costs seconds (about 4 s here once :func:`jupyter_promote._startup.lean_kernel`
has deferred what no check uses, 6 s otherwise). :func:`warm` builds the process's GX context
(:func:`~.runtime.gx_runtime`) in a daemon thread, so the notebook's cells go on meanwhile (on
the other core while they are in numpy or pandas) and the first check waits only for what is
left. ``%load_ext jupyter_promote`` and the kernels a run starts call it.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

_THREAD: threading.Thread | None = None
_LOCK = threading.Lock()


def warm() -> threading.Thread:
    """Build the GX context in a daemon thread (once per process); the thread."""
    global _THREAD
    with _LOCK:
        if _THREAD is None:
            _THREAD = threading.Thread(target=build, name="jupyter-promote-gx-warm", daemon=True)
            _THREAD.start()
        return _THREAD


def build() -> None:
    """Build the GX context now, in this thread (errors are left to the first check)."""
    from jupyter_promote.expectations.gx.runtime import gx_runtime

    try:
        gx_runtime()
    except Exception as exc:  # the first check builds it again and reports the error
        log.debug("warming Great Expectations failed: %s", exc)
