"""Prefect deployments of releases: create or move, pause, resume, trigger, read.

An adapter: imported only when promoting or managing pipelines. A pipeline's deployment is
named after it and points at one release folder (its generated ``flow.py``); promoting a new
version or rolling back moves it to another folder. Owner, team and tier travel as tags
(Prefect OSS has no owner field), the runbook summary as the description, the release hash as
the version, the pipeline's concurrency as the deployment's ``concurrency_limit`` and
collision strategy.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jupyter_promote.errors import PrefectUnavailable, PromoteError
from jupyter_promote.release.entrypoint import ENTRYPOINT_FILE, function_name
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.sources import DeploymentSource

MANAGED_TAG = "jupyter-promote"
EFFECTIVE_TIER_TAG = "effective-tier:"  # the tier counting everything downstream (the fleet)
# The API this module (and :mod:`jupyter_promote.orchestration.runs`) talks to, set per call by
# :func:`using`: long-lived processes (the Jupyter server, a kernel) must not have a project's URL
# stick in ``os.environ``.
_API_URL: ContextVar[str | None] = ContextVar("jupyter_promote_api_url", default=None)


@contextlib.contextmanager
def using(api_url: str) -> Iterator[None]:
    """Send this module's Prefect calls to ``api_url`` inside the ``with`` block.

    :mod:`jupyter_promote.orchestration.runs` reads through the same client, so its calls go there
    too.

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


def tags_for(manifest: ReleaseManifest, effective_tier: str | None = None) -> list[str]:
    """``owner:…``, ``team:…``, ``tier:…``, ``effective-tier:…`` and our marker tag."""
    tags = [f"owner:{manifest.owner}", f"tier:{manifest.tier}", MANAGED_TAG]
    tags.append(f"{EFFECTIVE_TIER_TAG}{effective_tier or manifest.tier}")
    return tags + ([f"team:{manifest.team}"] if manifest.team else [])


def set_tag(name: str, prefix: str, value: str) -> None:
    """Replace the deployment's tag starting with ``prefix`` by ``prefix + value``.

    Raises:
        DeploymentNotFound: the pipeline has no deployment.
    """
    from prefect.client.schemas.actions import DeploymentUpdate

    deployment = read(name)
    tags = [tag for tag in deployment.tags if not tag.startswith(prefix)] + [prefix + value]
    if sorted(tags) == sorted(deployment.tags):
        return
    with prefect_client() as client:
        client.update_deployment(deployment.id, DeploymentUpdate(tags=tags))


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


# Our names of Prefect's collision strategies (``ConcurrencyLimitStrategy`` values).
_STRATEGIES = {"enqueue": "ENQUEUE", "cancel-new": "CANCEL_NEW"}


def _concurrency(manifest: ReleaseManifest) -> dict[str, Any]:
    """The deployment's ``concurrency_limit`` and ``concurrency_options`` for this release."""
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions

    strategy = ConcurrencyLimitStrategy(_STRATEGIES[manifest.on_collision])
    return {
        "concurrency_limit": manifest.concurrency,
        "concurrency_options": ConcurrencyOptions(collision_strategy=strategy),
    }


def concurrency_of(deployment: Any) -> tuple[int | None, str]:
    """A deployment's run limit (None: unlimited) and collision strategy, as the settings
    name it (``enqueue`` or ``cancel-new``; Prefect's default is enqueue)."""
    found = getattr(deployment, "global_concurrency_limit", None)
    limit = found.limit if found is not None and getattr(found, "active", True) else None
    options = getattr(deployment, "concurrency_options", None)
    strategy = getattr(getattr(options, "collision_strategy", None), "value", "ENQUEUE")
    names = {prefect: ours for ours, prefect in _STRATEGIES.items()}
    return limit, names.get(strategy, "enqueue")


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
    effective_tier: str | None = None,
) -> DeploymentInfo:
    """Create the pipeline's deployment, or move the existing one to this release.

    Args:
        release_dir: The release folder (holds ``flow.py``).
        manifest: The release manifest (schedule, owner, tier, work pool, version,
            concurrency).
        description: The runbook summary.
        source: Where workers find the release (pull steps, entrypoint, job variables);
            a storage source is uploaded first.
        effective_tier: The tier counting everything downstream (from the fleet catalog),
            tagged ``effective-tier:…`` so the Prefect UI can filter by it.

    Raises:
        PrefectUnavailable: the API cannot be reached.
    """
    schema = parameter_schema(release_dir, manifest.name)
    if source.upload_to:
        upload(release_dir, source.upload_to)
    with prefect_client() as client:
        flow_id = client.create_flow_from_name(manifest.name)
        existing = find_deployment(client, manifest.name)
        deployment_id = client.create_deployment(
            flow_id=flow_id,
            name=manifest.name,
            version=manifest.version,
            schedules=_schedules(manifest),
            parameter_openapi_schema=schema,
            enforce_parameter_schema=True,
            description=description,
            work_pool_name=manifest.work_pool,
            tags=tags_for(manifest, effective_tier),
            path=source.path,
            entrypoint=source.entrypoint,
            pull_steps=source.pull_steps,
            job_variables=source.job_variables,
            paused=existing.paused if existing else False,
            # an existing deployment's limit changes too: Prefect's create is an upsert
            **_concurrency(manifest),
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

    with prefect_client() as client:
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


def find_deployment(client: Any, name: str) -> Any:
    """The deployment of pipeline ``name`` (``NAME/NAME``), None when there is none."""
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(f"{name}/{name}")
    except ObjectNotFound:
        return None


@contextlib.contextmanager
def prefect_client() -> Iterator[Any]:
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
    with prefect_client() as client:
        found = find_deployment(client, name)
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
    with prefect_client() as client:
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
        # insert its batch afterwards: sweep until two sweeps half a second apart find none
        # (a pass takes well under a second; bounded at a few seconds).
        quiet, deadline = 0, time.monotonic() + 5
        while quiet < 2 and time.monotonic() < deadline:
            quiet = 0 if _drop_scheduled_runs(client, deployment.id) else quiet + 1
            if quiet < 2:
                time.sleep(0.5)


def _drop_scheduled_runs(client: Any, deployment_id: Any) -> int:
    """Delete the deployment's not-yet-started runs that its schedule created; how many."""
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
    dropped = 0
    for run in runs:
        if run.auto_scheduled and not run.run_count:
            with contextlib.suppress(ObjectNotFound):  # started or deleted meanwhile
                client.delete_flow_run(run.id)
                dropped += 1
    return dropped


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
        with prefect_client() as client:
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
