"""Prefect deployments of releases: create or move, pause, resume, trigger, read.

An adapter: imported only when promoting or managing pipelines. A pipeline's deployment is
named after it and points at one release folder (its generated ``flow.py``); promoting a new
version or rolling back moves it to another folder. Owner, team and tier travel as tags
(Prefect OSS has no owner field), the runbook summary as the description, the release hash as
the version.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jupyter_promote.core.entrypoint import ENTRYPOINT_FILE, function_name
from jupyter_promote.core.release import ReleaseManifest
from jupyter_promote.core.sources import DeploymentSource
from jupyter_promote.errors import PrefectUnavailable, PromoteError

MANAGED_TAG = "jupyter-promote"
# The API this module talks to, set per call by :func:`using`: long-lived processes (the Jupyter
# server, a kernel) must not have a project's URL stick in ``os.environ``.
_API_URL: ContextVar[str | None] = ContextVar("jupyter_promote_api_url", default=None)


@contextlib.contextmanager
def using(api_url: str) -> Iterator[None]:
    """Send this module's Prefect calls to ``api_url`` inside the ``with`` block.

    Example:
        >>> with using("http://127.0.0.1:4200/api"):
        ...     _API_URL.get()
        'http://127.0.0.1:4200/api'
    """
    token = _API_URL.set(api_url)
    try:
        yield
    finally:
        _API_URL.reset(token)


class DeploymentNotFound(PromoteError):
    """No deployment of that pipeline exists on the Prefect server."""

    http_status = 404


@dataclass
class DeploymentInfo:
    """Where a pipeline is deployed."""

    id: str
    name: str  # "FLOW/DEPLOYMENT"
    version: str
    paused: bool


def tags_for(manifest: ReleaseManifest) -> list[str]:
    """``owner:…``, ``team:…``, ``tier:…`` and our marker tag."""
    tags = [f"owner:{manifest.owner}", f"tier:{manifest.tier}", MANAGED_TAG]
    return tags + ([f"team:{manifest.team}"] if manifest.team else [])


def _schedules(manifest: ReleaseManifest) -> list[Any]:
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    if manifest.schedule:
        schedule: Any = CronSchedule(cron=manifest.schedule, timezone=manifest.timezone)
    elif manifest.interval_seconds:
        schedule = IntervalSchedule(
            interval=timedelta(seconds=manifest.interval_seconds), timezone=manifest.timezone
        )
    else:
        return []
    return [DeploymentScheduleCreate(schedule=schedule, active=True)]


def parameter_schema(release_dir: Path, pipeline: str) -> dict[str, Any]:
    """The OpenAPI schema Prefect derives from the release's generated flow signature."""
    from prefect.utilities.callables import parameter_schema as schema_of

    entry = release_dir / ENTRYPOINT_FILE
    spec = importlib.util.spec_from_file_location(f"_jp_release_{pipeline}", entry)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return schema_of(getattr(module, function_name(pipeline)).fn).model_dump()


def upsert(
    release_dir: Path,
    manifest: ReleaseManifest,
    description: str,
    source: DeploymentSource,
) -> DeploymentInfo:
    """Create the pipeline's deployment, or move the existing one to this release.

    Args:
        release_dir: The release folder (holds ``flow.py``).
        manifest: The release manifest (schedule, owner, tier, work pool, version).
        description: The runbook summary.
        source: Where workers find the release (pull steps, entrypoint, job variables);
            a storage source is uploaded first.

    Raises:
        PrefectUnavailable: the API cannot be reached.
    """
    schema = parameter_schema(release_dir, manifest.name)
    if source.upload_to:
        upload(release_dir, source.upload_to)
    with _client() as client:
        flow_id = client.create_flow_from_name(manifest.name)
        existing = _find(client, manifest.name)
        deployment_id = client.create_deployment(
            flow_id=flow_id,
            name=manifest.name,
            version=manifest.version,
            schedules=_schedules(manifest),
            parameter_openapi_schema=schema,
            enforce_parameter_schema=True,
            description=description,
            work_pool_name=manifest.work_pool,
            tags=tags_for(manifest),
            path=source.path,
            entrypoint=source.entrypoint,
            pull_steps=source.pull_steps,
            job_variables=source.job_variables,
            paused=existing.paused if existing else False,
        )
        if existing is not None:
            _replace_schedules(client, deployment_id, manifest)
        deployment = client.read_deployment(deployment_id)
    return DeploymentInfo(
        str(deployment.id), f"{manifest.name}/{manifest.name}", manifest.version, deployment.paused
    )


def upload(release_dir: Path, url: str) -> None:
    """Copy the release folder to ``url`` (any fsspec URL) for remote workers to pull."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(url)
    fs.makedirs(root, exist_ok=True)
    for path in sorted(p for p in release_dir.rglob("*") if p.is_file()):
        target = f"{root}/{path.relative_to(release_dir).as_posix()}"
        fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        fs.put_file(str(path), target)


def check_pool(pool: str, source_kind: str) -> None:
    """Refuse a work pool that does not exist, or one whose workers cannot see local releases.

    Raises:
        PromoteError: the pool is missing, or is not a ``process`` pool while releases are
            only on this machine (``release_source`` local).
    """
    from prefect.exceptions import ObjectNotFound

    with _client() as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            raise PromoteError(
                f"work pool {pool!r} does not exist on the Prefect server",
                hint="run `jupyter promote up` (creates the local pool 'jupyter-promote'), create"
                f" it (`prefect work-pool create {pool} --type process`) or pick another with"
                " --work-pool",
            ) from None
    if found.type != "process" and source_kind == "local":
        raise PromoteError(
            f"work pool {pool!r} is a {found.type} pool: its workers do not share this"
            " machine's files, so they cannot run a release from a local folder",
            hint="set c.PromoteConfig.release_source to 'git', 'storage' or 'image' in"
            " jupyter_promote_config.py (docs/scaling.md)",
        )


def _replace_schedules(client: Any, deployment_id: Any, manifest: ReleaseManifest) -> None:
    for schedule in client.read_deployment_schedules(deployment_id):
        client.delete_deployment_schedule(deployment_id, schedule.id)
    wanted = _schedules(manifest)
    if wanted:
        client.create_deployment_schedules(deployment_id, [(s.schedule, s.active) for s in wanted])


def _find(client: Any, name: str) -> Any:
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(f"{name}/{name}")
    except ObjectNotFound:
        return None


@contextlib.contextmanager
def _client() -> Iterator[Any]:
    """A Prefect client for the API given to :func:`using` (else ``PREFECT_API_URL``), even when
    Prefect was imported earlier in this process with another URL (a long-lived kernel or server).
    """
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = _API_URL.get() or os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        yield client


def read(name: str) -> Any:
    """The deployment of pipeline ``name``.

    Raises:
        DeploymentNotFound: it was never deployed (or was deleted).
    """
    with _client() as client:
        found = _find(client, name)
    if found is None:
        raise DeploymentNotFound(
            f"pipeline {name!r} has no deployment on the Prefect server",
            hint="promote it: jupyter promote promote NOTEBOOK --name " + name,
        )
    return found


def set_paused(name: str, paused: bool) -> None:
    """Pause or resume the pipeline's schedule.

    Pausing also drops the runs its schedule already created, late ones included, so nothing
    scheduled starts after this returns; runs started by hand (trigger, backfill) are kept.
    """
    deployment = read(name)
    with _client() as client:
        if not paused:
            client.resume_deployment(deployment.id)
            return
        # Prefect's pause route commits the pause before it deletes the scheduled runs (the
        # client's PATCH deletes only future ones, so late runs would still start) ...
        response = client.request(
            "POST", "/deployments/{id}/pause_deployment", path_params={"id": deployment.id}
        )
        response.raise_for_status()
        # ... and a scheduler pass that read the deployment just before the pause may still
        # insert its batch afterwards: sweep those too.
        _drop_scheduled_runs(client, deployment.id)


def _drop_scheduled_runs(client: Any, deployment_id: Any) -> None:
    """Delete the deployment's not-yet-started runs that its schedule created."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound

    scheduled = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
    )
    of_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
    runs = client.read_flow_runs(flow_run_filter=scheduled, deployment_filter=of_deployment)
    for run in runs:
        if run.auto_scheduled and not run.run_count:
            with contextlib.suppress(ObjectNotFound):  # started or deleted meanwhile
                client.delete_flow_run(run.id)


def trigger(
    name: str,
    parameters: dict[str, Any],
    run_name: str | None = None,
    tags: list[str] | None = None,
) -> str:
    """Start a run of the pipeline now; returns the flow run id."""
    from prefect.exceptions import PrefectHTTPStatusError

    deployment = read(name)
    try:
        with _client() as client:
            run = client.create_flow_run_from_deployment(
                deployment.id, parameters=parameters, name=run_name, tags=tags
            )
    except PrefectHTTPStatusError as exc:
        detail = exc.response.json().get("detail", str(exc)) if exc.response else str(exc)
        raise PromoteError(
            f"Prefect refused the run of {name!r}: {detail}",
            hint="pass parameters of the types the notebook declares (see RUNBOOK.md)",
        ) from None
    return str(run.id)


def run_states(run_ids: list[str]) -> dict[str, str]:
    """State type (``COMPLETED``, ``RUNNING``...) of each flow run, by id."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    if not run_ids:
        return {}
    with _client() as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids))),
            limit=len(run_ids),
        )
    return {str(r.id): (r.state.type.value if r.state else "UNKNOWN") for r in runs}


def check_reachable(api_url: str, timeout: float = 5.0) -> None:
    """Raise :class:`PrefectUnavailable` unless the API answers its health check in time."""
    import httpx

    try:
        httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).raise_for_status()
    except httpx.HTTPError as exc:
        raise PrefectUnavailable(
            f"the Prefect API at {api_url} does not answer ({exc.__class__.__name__})",
            hint="run `jupyter promote up` or set PREFECT_API_URL to a running server",
        ) from None


def run_state(name: str) -> dict[str, Any] | None:
    """Deployment id, paused, next scheduled run and the latest started run of ``name``.

    Returns:
        None when the pipeline has no deployment on the server.
    """
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with _client() as client:
        deployment = _find(client, name)
        if deployment is None:
            return None
        of_deployment = DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
        waiting = [StateType.SCHEDULED, StateType.PENDING]

        def first(states: FlowRunFilterStateType, sort: FlowRunSort) -> list[Any]:
            runs = FlowRunFilter(state=FlowRunFilterState(type=states))
            return list(
                client.read_flow_runs(
                    deployment_filter=of_deployment, flow_run_filter=runs, sort=sort, limit=1
                )
            )

        upcoming = first(FlowRunFilterStateType(any_=waiting), FlowRunSort.EXPECTED_START_TIME_ASC)
        started = first(FlowRunFilterStateType(not_any_=waiting), FlowRunSort.START_TIME_DESC)
    last = started[0] if started else None
    return {
        "id": str(deployment.id),
        "paused": bool(deployment.paused),
        "next_run": _iso(upcoming[0].expected_start_time) if upcoming else None,
        "last_run": None
        if last is None
        else {
            "id": str(last.id),
            "state": last.state.type.value if last.state else "UNKNOWN",
            "time": _iso(last.start_time or last.expected_start_time),
        },
    }


def first_run_since(name: str, since: Any) -> dict[str, Any] | None:
    """The earliest run of ``name`` expected to start at or after ``since``: id, name, state,
    state message and duration (None while it runs)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    deployment = read(name)
    with _client() as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            flow_run_filter=FlowRunFilter(
                expected_start_time=FlowRunFilterExpectedStartTime(after_=since)
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            limit=1,
        )
    if not runs:
        return None
    run = runs[0]
    return {
        "id": str(run.id),
        "name": run.name,
        "state": run.state.type.value if run.state else "UNKNOWN",
        "message": (run.state.message or "") if run.state else "",
        "seconds": run.total_run_time.total_seconds() if run.end_time else None,
    }


def artifact_data(flow_run_id: str, key: str) -> Any:
    """The data of artifact ``key`` of a flow run (markdown text, table rows), if any."""
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    with _client() as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
                key=ArtifactFilterKey(any_=[key]),
            ),
            limit=1,
        )
    if not found:
        return None
    data = found[0].data
    return json.loads(data) if found[0].type == "table" and isinstance(data, str) else data


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def recent_runs(name: str, limit: int = 5) -> list[dict[str, Any]]:
    """The deployment's latest flow runs: name, state, start time, state message."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    deployment = read(name)
    with _client() as client:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=limit,
        )
    return [
        {
            "flow_run": r.name,
            "id": str(r.id),
            "state": r.state.type.value if r.state else "UNKNOWN",
            "expected_start": r.expected_start_time.isoformat() if r.expected_start_time else None,
            "message": (r.state.message or "") if r.state else "",
        }
        for r in runs
    ]
