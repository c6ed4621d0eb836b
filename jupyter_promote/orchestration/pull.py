"""The git source's pull step, run by Prefect on the worker before each flow run.

``jupyter_promote.orchestration.pull.git_clone`` is Prefect's ``git_clone`` step with the two
failures a data scientist meets turned into messages that say what to do: the repository cannot
be cloned (unreachable, no such branch, no access), or the clone lacks the release (it was never
pushed). The flow run is marked Failed with that message, so the Prefect UI, ``jupyter promote
show`` and the monitor say it, not "infrastructure exited with status 1"; the exception then
stops the run as any failed pull step does.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any, NoReturn

from jupyter_promote.errors import PromoteError


class ReleaseFetchFailed(PromoteError):
    """The worker could not get the release from git."""


def git_clone(
    repository: str,
    branch: str,
    release: str = "",
    access_token: str | None = None,
    **options: Any,
) -> dict[str, str]:
    """Clone ``branch`` of ``repository`` into the working directory and check it holds
    ``release`` (the release folder, relative to the repository's root).

    Returns:
        ``{"directory": ...}``, as Prefect's step does (the next step ``cd``s into it).

    Raises:
        ReleaseFetchFailed: the clone failed or lacks the release (the flow run is Failed).
    """
    from prefect.deployments.steps.pull import git_clone as prefect_git_clone

    try:
        called: Any = prefect_git_clone(
            repository=repository, branch=branch, access_token=access_token, **options
        )
        # Prefect runs a sync step in a thread of its own: no event loop, so the sync variant
        # answers; were it ever called from a loop, it would hand back a coroutine
        done: dict[str, str] = asyncio.run(called) if asyncio.iscoroutine(called) else called
    except (subprocess.CalledProcessError, RuntimeError, OSError, ValueError) as exc:
        _fail(
            f"the worker could not clone branch {branch!r} of {repository}: {_why(exc)}."
            " Check that this worker reaches the repository (network, URL in"
            " c.PromoteConfig.git_repository), that the branch exists, and its access (a"
            " private repository needs c.PromoteConfig.git_token_secret)"
        )
    if release and not (Path(done["directory"]) / release).is_dir():
        _fail(
            f"branch {branch!r} of {repository} does not hold the release {release}: it was"
            " never pushed (or was removed). Push it (`jupyter promote promote --commit`, or"
            " commit the pipelines folder and push), or roll back to a pushed release"
        )
    return done


def _why(exc: BaseException) -> str:
    """git's own words, from the exception or its cause (Prefect wraps git's error)."""
    texts: list[str] = []
    while exc is not None and len(texts) < 3:
        stderr = getattr(exc, "stderr", None)
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        texts.append((stderr or str(exc)).strip())
        exc = exc.__cause__  # type: ignore[assignment]
    lines = [line for text in texts for line in text.splitlines() if line.strip()]
    fatal = [line for line in lines if line.lower().startswith(("fatal:", "error:"))]
    return " / ".join(dict.fromkeys(fatal or lines[:2])) or "git failed"


def _fail(message: str) -> NoReturn:
    """Mark the flow run Failed with ``message`` (best effort), then raise it."""
    flow_run_id = os.environ.get("PREFECT__FLOW_RUN_ID")
    if flow_run_id:
        try:
            from prefect.client.orchestration import get_client
            from prefect.states import Failed

            with get_client(sync_client=True) as client:
                client.set_flow_run_state(flow_run_id, Failed(message=message), force=True)
        except Exception:  # the raise below still stops the run; the log has the message
            pass
    raise ReleaseFetchFailed(message)
