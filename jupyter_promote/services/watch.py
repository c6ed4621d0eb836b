"""Wait for a promoted pipeline's next run to finish, and fetch its data-quality report.

Used by ``jupyter promote wait`` (CI: "promote, then prove the scheduled run works") and by
``make demo``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


class WaitTimedOut(PromoteError):
    """No run of the pipeline finished in time."""

    http_status = 504


class NothingToWaitFor(PromoteError):
    """No run is coming: the deployment is paused or has no schedule, and none was started."""

    http_status = 409


@dataclass
class FinishedRun:
    """A run that ended, with what the Prefect UI shows of it."""

    id: str
    name: str
    state: str
    message: str
    seconds: float | None
    url: str
    quality: list[dict[str, Any]]
    quality_summary: str | None

    def quality_table(self) -> str:
        """The run's expectations as a terminal table (empty when none were checked)."""
        if not self.quality:
            return ""
        lines = [f"{'step':<12} {'variable':<16} {'level':<5} {'result':<6} expectation"]
        for row in self.quality:
            result = "pass" if row.get("success") else "FAIL"
            lines.append(
                f"{row.get('step', ''):<12} {row.get('variable', ''):<16}"
                f" {row.get('level', ''):<5} {result:<6} {row.get('expectation', '')}"
            )
        return "\n".join(lines)


def wait_for_run(
    name: str,
    config: PromoteConfig,
    timeout: float = 300.0,
    since: datetime | None = None,
) -> FinishedRun:
    """Block until a run of ``name`` expected at or after ``since`` (default: now) is final.

    Raises:
        NothingToWaitFor: the deployment is paused or unscheduled and no run was started (told
            at once, not after the timeout).
        WaitTimedOut: nothing finished within ``timeout`` seconds.
        NoPrefectServer / PrefectUnavailable / DeploymentNotFound: nothing to wait on.
    """
    from jupyter_promote.orchestration import deploy, stack
    from jupyter_promote.orchestration import runs as prefect_runs

    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    ui = stack.ui_base(env)
    since = (since or datetime.now(timezone.utc)) - timedelta(seconds=5)
    deadline = time.monotonic() + timeout
    with deploy.using(env["PREFECT_API_URL"]):
        _something_comes(name, since, deploy, prefect_runs)
        while time.monotonic() < deadline:
            run = prefect_runs.first_run_since(name, since)
            if run is not None and run["state"] in FINAL:
                rows = prefect_runs.artifact_data(run["id"], f"{name}-data-quality") or []
                summary = prefect_runs.artifact_data(run["id"], f"{name}-data-quality-summary")
                url = f"{ui}/runs/flow-run/{run['id']}"
                return FinishedRun(**run, url=url, quality=rows, quality_summary=summary)
            time.sleep(2)
    raise WaitTimedOut(
        f"no run of {name!r} finished within {timeout:.0f} s",
        hint="check the worker (`jupyter promote status`) and the schedule"
        f" (`jupyter promote show {name}`)",
    )


def _something_comes(name: str, since: datetime, deploy: Any, prefect_runs: Any) -> None:
    """Raise at once when no run can come: paused or unscheduled, and none started already."""
    deployment = deploy.read(name)
    scheduled = bool(getattr(deployment, "schedules", None))
    if (deployment.paused or not scheduled) and prefect_runs.first_run_since(name, since) is None:
        why = "is paused" if deployment.paused else "has no schedule (it runs when triggered)"
        fix = (
            f"resume it with `jupyter promote resume {name}`"
            if deployment.paused
            else f"start a run with `jupyter promote trigger {name}`"
        )
        raise NothingToWaitFor(f"{name!r} {why}, so no run is coming", hint=f"{fix}, then wait")
