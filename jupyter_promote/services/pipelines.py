"""The promoted pipelines of a project, with their Prefect state: what ``ls`` and the panel show.

The list comes from the releases folder (so it works, with less detail, while Prefect is down);
deployment state, the last run and the next run come from the Prefect API in one client session.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from jupyter_promote.config import PromoteConfig
from jupyter_promote.errors import PromoteError
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.schedule import describe_schedule, next_runs
from jupyter_promote.release.store import current_release, release_dir

# Run states that are not "a run that happened" (for the last-run column).
_NOT_RUN = {"SCHEDULED", "PENDING"}


log = logging.getLogger(__name__)


class RunInfo(BaseModel):
    """One flow run of a pipeline."""

    id: str = Field(description="Prefect flow run id.")
    state: str = Field(description="Prefect state type: COMPLETED, FAILED, RUNNING, ...")
    time: str | None = Field(description="Start time (else expected start), ISO 8601.")
    url: str = Field(description="The flow run in the Prefect UI.")


class IncidentBrief(BaseModel):
    """The open incident a pipeline is part of (the monitor's)."""

    id: str = Field(description="Incident id, e.g. inc-7.")
    kind: str = Field(description="failed, gate-failed, crashed, late, sla-at-risk, ...")
    status: str = Field(description="open or acknowledged.")
    root_cause: str = Field(description="The pipeline whose problem caused it.")
    opened_at: str = Field(description="When it opened, ISO 8601.")
    blast_radius: list[str] = Field(description="Pipelines downstream of the root cause.")


class SlaBrief(BaseModel):
    """Today's SLA of a pipeline as the monitor sees it."""

    state: str = Field(description="ok, at-risk, missed or recovered.")
    deadline: str = Field(description="Today's deadline, ISO 8601.")
    predicted: str | None = Field(default=None, description="Predicted ready time, if at risk.")


class PipelineRow(BaseModel):
    """A promoted pipeline as listed by ``jupyter promote ls`` and the Pipelines panel."""

    name: str = Field(description="Pipeline (and deployment) name.")
    owner: str = Field(description="Who answers for it.")
    team: str = Field(description="The owning team.")
    tier: str = Field(description="critical, high, normal or low.")
    effective_tier: str | None = Field(
        default=None,
        description="The highest tier of the pipeline and everything downstream (fleet"
        " catalog); null when the catalog is not available.",
    )
    schedule: str = Field(description="The schedule in words.")
    timezone: str = Field(description="IANA timezone of the schedule.")
    concurrency: int = Field(default=1, description="At most this many runs at once.")
    on_collision: str = Field(
        default="enqueue",
        description="A run beyond `concurrency`: 'enqueue' (waits) or 'cancel-new' (cancelled).",
    )
    version: str = Field(description="Current release version.")
    deployed: bool = Field(description="False when the last promotion did not reach Prefect.")
    paused: bool | None = Field(description="Schedule paused; None when Prefect is unknown.")
    last_run: RunInfo | None = Field(description="The latest run that started.")
    next_run: str | None = Field(description="Next scheduled run, ISO 8601.")
    ui_url: str | None = Field(description="The deployment in the Prefect UI.")
    release_dir: str = Field(description="Folder of the current release.")
    runbook: str = Field(description="Path of the current release's RUNBOOK.md.")
    last_executed_notebook: str | None = Field(description="Newest executed notebook of a run.")
    source_notebook: str = Field(description="The promoted notebook, project-relative.")
    incident: IncidentBrief | None = Field(
        default=None, description="The open incident it is part of (as root cause or affected)."
    )
    sla: SlaBrief | None = Field(default=None, description="Today's SLA, when it has one.")


class PipelineListing(BaseModel):
    """Every promoted pipeline, and why Prefect details are missing if they are."""

    pipelines: list[PipelineRow] = Field(description="One row per pipeline, by name.")
    prefect_error: str | None = Field(
        default=None, description="Why deployment and run details are missing (Prefect down)."
    )


def manifests(config: PromoteConfig) -> list[ReleaseManifest]:
    """The current release manifest of every pipeline under the project's pipelines folder."""
    root = config.pipelines_path
    names = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    found = (current_release(root, name) for name in names)
    return [m for m in found if m is not None]


def list_pipelines(
    config: PromoteConfig,
    *,
    owner: str | None = None,
    team: str | None = None,
    tier: str | None = None,
    prefect: bool = True,
) -> PipelineListing:
    """Promoted pipelines with owner, tier and effective tier, schedule, version, last and next
    run; filtered by owner (id or e-mail as promoted), team or effective tier.

    Rows come from the fleet catalog (kept in step with the release files); when the catalog
    cannot be opened, from the files themselves (without effective tiers).

    Example:
        >>> from jupyter_promote.config import load_config
        >>> list_pipelines(load_config("/nonexistent"), prefect=False).pipelines
        []
    """
    found, effective = _current(config, owner, team, tier)
    rows = [_row(m, config) for m in found]
    health = _monitor_health(config) if rows else {}
    for row in rows:
        row.effective_tier = effective.get(row.name)
        row.incident, row.sla = health.get(row.name, (None, None))
    if not prefect:
        return PipelineListing(pipelines=rows)
    if not rows:
        return PipelineListing(pipelines=[])
    try:
        _add_prefect_state(list(zip(found, rows, strict=True)), config)
    except PromoteError as exc:
        return PipelineListing(pipelines=rows, prefect_error=exc.message)
    return PipelineListing(pipelines=rows)


def _monitor_health(
    config: PromoteConfig,
) -> dict[str, tuple[IncidentBrief | None, SlaBrief | None]]:
    """Open incidents and today's SLA per pipeline, from the monitor's stored state (nothing
    when the monitor never ran or its catalog cannot be read: the listing goes on)."""
    try:
        from jupyter_promote.services.monitor import pipeline_health

        found = pipeline_health(config)
    except Exception as exc:  # the listing must not fail for the monitor's sake
        log.warning("monitor state not available: %s", exc)
        return {}
    return {
        name: (
            IncidentBrief.model_validate(incident) if incident else None,
            SlaBrief.model_validate(sla) if sla else None,
        )
        for name, (incident, sla) in found.items()
    }


def _current(
    config: PromoteConfig, owner: str | None, team: str | None, tier: str | None
) -> tuple[list[ReleaseManifest], dict[str, str]]:
    """The current manifests (filtered) and effective tiers, from the catalog if it opens."""
    try:
        from jupyter_promote.services.fleet import open_catalog

        catalog = open_catalog(config)
        rows = catalog.pipelines(owner=owner, team=team, tier=tier)
        listed = [ReleaseManifest.model_validate(catalog.manifest(r.name)) for r in rows]
        return listed, {r.name: r.effective_tier for r in rows}
    except (PromoteError, OSError, ImportError) as exc:
        log.warning("fleet catalog not available, listing from the files: %s", exc)
    except Exception as exc:  # a database driver's own errors: still list from the files
        log.warning("fleet catalog not available, listing from the files: %s", exc)
    listed = [
        m
        for m in manifests(config)
        if (owner is None or m.owner.lower() == owner.lower())
        and (team is None or m.team == team)
        and (tier is None or m.tier == tier)
    ]
    return listed, {}


def _row(manifest: ReleaseManifest, config: PromoteConfig) -> PipelineRow:
    settings = manifest.settings()
    folder = release_dir(config.pipelines_path, manifest.name, manifest.version)
    return PipelineRow(
        name=manifest.name,
        owner=manifest.owner,
        team=manifest.team,
        tier=manifest.tier,
        schedule=describe_schedule(settings),
        timezone=manifest.timezone,
        concurrency=manifest.concurrency,
        on_collision=manifest.on_collision,
        version=manifest.version,
        deployed=manifest.deployed,
        paused=None,
        last_run=None,
        next_run=None,
        ui_url=None,
        release_dir=str(folder),
        runbook=str(folder / "RUNBOOK.md"),
        last_executed_notebook=_last_executed(config.runs_path / manifest.name),
        source_notebook=manifest.source_notebook,
    )


def _last_executed(folder: Path) -> str | None:
    """Executed notebooks are named ``STAMP-RUNID.ipynb``: the newest sorts last."""
    if not folder.is_dir():
        return None
    saved = sorted(folder.glob("*.ipynb"))
    return str(saved[-1]) if saved else None


def _add_prefect_state(
    pairs: list[tuple[ReleaseManifest, PipelineRow]], config: PromoteConfig
) -> None:
    from jupyter_promote.orchestration import deploy, stack
    from jupyter_promote.orchestration import runs as prefect_runs

    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    ui = stack.ui_base(env)
    with deploy.using(env["PREFECT_API_URL"]):
        for manifest, row in pairs:
            state = prefect_runs.run_state(row.name)
            if state is None:  # never deployed, or deleted on the server
                continue
            row.paused = state["paused"]
            row.ui_url = f"{ui}/deployments/deployment/{state['id']}"
            row.next_run = state["next_run"]
            if row.next_run is None and not row.paused:  # the server has not created it yet
                upcoming = next_runs(manifest.settings(), count=1)
                row.next_run = upcoming[0].isoformat() if upcoming else None
            last = state["last_run"]
            if last is not None:
                row.last_run = RunInfo(**last, url=f"{ui}/runs/flow-run/{last['id']}")


def state_summary(row: PipelineRow) -> dict[str, Any]:
    """Short texts for a terminal table: last run state and time, next run."""
    last = f"{row.last_run.state} {(row.last_run.time or '')[:16]}" if row.last_run else "-"
    return {
        "last": last.strip(),
        "next": (row.next_run or "-")[:16],
        "paused": "paused" if row.paused else "",
    }


def set_paused(name: str, config: PromoteConfig, paused: bool) -> None:
    """Pause or resume a pipeline's schedule (pausing drops runs already scheduled).

    Raises:
        NoPrefectServer / PrefectUnavailable: no server to talk to.
        DeploymentNotFound: the pipeline has no deployment.
    """
    from jupyter_promote.orchestration import deploy

    with deploy.using(_api_url(config)):
        deploy.set_paused(name, paused)


def trigger(name: str, config: PromoteConfig, parameters: dict[str, Any]) -> RunInfo:
    """Start a run of the pipeline now, with ``parameters`` over the deployment's defaults.

    Raises:
        NoPrefectServer / PrefectUnavailable: no server to talk to.
        DeploymentNotFound: the pipeline has no deployment.
        PromoteError: Prefect refused the parameters (wrong type, unknown name).
    """
    from jupyter_promote.orchestration import deploy, stack

    env = stack.prefect_env(config)
    with deploy.using(_api_url(config, env)):
        run_id = deploy.trigger(name, parameters)
    ui = stack.ui_base(env)
    return RunInfo(id=run_id, state="SCHEDULED", time=None, url=f"{ui}/runs/flow-run/{run_id}")


def _api_url(config: PromoteConfig, env: dict[str, str] | None = None) -> str:
    from jupyter_promote.orchestration import deploy, stack

    url = (env or stack.prefect_env(config))["PREFECT_API_URL"]
    deploy.check_reachable(url)
    return url
