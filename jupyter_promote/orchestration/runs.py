"""Flow runs of deployed pipelines, read from Prefect: states, latest and next runs, artifacts.

An adapter beside :mod:`jupyter_promote.orchestration.deploy`: it reads through that module's
client, so its
calls go to the API given to :func:`jupyter_promote.orchestration.deploy.using`. Prefect is
imported only
inside the functions.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_promote.orchestration.deploy import find_deployment, prefect_client, read


def run_states(run_ids: list[str]) -> dict[str, str]:
    """State type (``COMPLETED``, ``RUNNING``...) of each flow run, by id."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    if not run_ids:
        return {}
    with prefect_client() as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids))),
            limit=len(run_ids),
        )
    return {str(r.id): (r.state.type.value if r.state else "UNKNOWN") for r in runs}


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

    with prefect_client() as client:
        deployment = find_deployment(client, name)
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
    with prefect_client() as client:
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

    with prefect_client() as client:
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
    with prefect_client() as client:
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


def completed_durations(names: list[str], before: Any, limit: int = 30) -> dict[str, list[float]]:
    """Seconds each of the latest ``limit`` runs of each pipeline's deployment that completed
    before ``before`` took, oldest first: the run history the monitor's predictions start from
    (the monitor reads what came later from the events). Pipelines without a deployment or such
    a run are left out. A run took from its first Running state to its end, as the monitor
    measures from the events: Prefect's ``total_run_time`` leaves out any time spent out of
    Running in between (a loaded CI run saw it 20 s below the span of the run's events)."""
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterEndTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    wanted = set(names)
    out: dict[str, list[float]] = {}
    if not wanted:
        return out
    completed = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED])),
        end_time=FlowRunFilterEndTime(before_=before),
    )
    with prefect_client() as client:
        deployments = client.read_deployments(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=sorted(wanted)))
        )
        for deployment in deployments:
            if deployment.name not in wanted or deployment.name in out:
                continue
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                flow_run_filter=completed,
                sort=FlowRunSort.START_TIME_DESC,
                limit=limit,
            )
            seconds = [_span(r) for r in reversed(runs)]
            if seconds:
                out[deployment.name] = seconds
    return out


def _span(run: Any) -> float:
    """Wall-clock seconds from a run's first Running state to its end (``total_run_time`` when
    Prefect did not record both)."""
    if run.start_time is not None and run.end_time is not None:
        return float((run.end_time - run.start_time).total_seconds())
    return float(run.total_run_time.total_seconds())
