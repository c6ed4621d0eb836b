"""A promoted pipeline's releases and its deployment: show them with the latest runs, move the
deployment to an earlier release (rollback), and what pointing the deployment at a release
tells the user (:class:`PromoteResult`, shared with
:func:`jupyter_promote.services.promote.promote`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from jupyter_promote.config import PromoteConfig, release_source
from jupyter_promote.errors import PromoteError
from jupyter_promote.release import git
from jupyter_promote.release.concurrency import describe_concurrency
from jupyter_promote.release.entrypoint import ENTRYPOINT_FILE, function_name
from jupyter_promote.release.manifest import ReleaseManifest
from jupyter_promote.release.schedule import describe_schedule, next_runs
from jupyter_promote.release.sources import DeploymentSource, deployment_source
from jupyter_promote.release.store import current_release, pipeline_lock, set_current
from jupyter_promote.release.writer import mark_deployed
from jupyter_promote.services.publish import publish


class PromoteResult(BaseModel):
    """What a promotion did."""

    name: str = Field(description="Pipeline (and deployment) name.")
    version: str = Field(description="Release version: short hash of what defines it.")
    unchanged: bool = Field(description="True when this exact release was already deployed.")
    release_dir: str = Field(description="Folder of the release.")
    runbook: str = Field(description="Path of the release's RUNBOOK.md.")
    deployment: str = Field(description="Prefect deployment name, FLOW/DEPLOYMENT.")
    deployment_id: str = Field(description="Prefect deployment id.")
    schedule: str = Field(description="The schedule in words.")
    concurrency: str = Field(
        default="",
        description="How many runs at a time, and what becomes of one more, in words.",
    )
    next_runs: list[str] = Field(description="The next three run times (ISO, with offset).")
    ui_url: str = Field(description="The deployment in the Prefect UI.")
    dry_run: str = Field(description="'passed' or 'skipped (--no-dry-run)'.")
    paused: bool = Field(
        default=False,
        description="The deployment is paused: no run starts until `resume` (next_runs is empty).",
    )
    effective_tier: str | None = Field(
        default=None,
        description="The highest tier of the pipeline and everything downstream (fleet catalog).",
    )
    lineage: dict[str, Any] | None = Field(
        default=None,
        description="What the release reads and writes: {reads: [{key, origin, cells}],"
        " writes: [...]}, origin found (in the code), declared (--reads/--writes) or both.",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What did not work but did not stop the promotion (e.g. the catalog).",
    )
    remember: dict[str, Any] | None = Field(
        default=None,
        description="The promotion form to keep in the open notebook's metadata"
        " (metadata.jupyter_promote.promotion), when the server did not write the file; else null.",
    )


def promote_result(
    manifest: Any, folder: Path, info: Any, env: dict[str, str], unchanged: bool, dry: str
) -> PromoteResult:
    """What a promotion or rollback tells the user: release, deployment, schedule, concurrency,
    links."""
    from jupyter_promote.orchestration import stack

    settings = manifest.settings()
    schedule = describe_schedule(settings)
    if info.paused:
        schedule += f"; paused (no run starts until `jupyter promote resume {manifest.name}`)"
    return PromoteResult(
        name=manifest.name,
        version=manifest.version,
        unchanged=unchanged,
        release_dir=str(folder),
        runbook=str(folder / "RUNBOOK.md"),
        deployment=info.name,
        deployment_id=info.id,
        schedule=schedule,
        concurrency=describe_concurrency(manifest.concurrency, manifest.on_collision),
        next_runs=[] if info.paused else [t.isoformat() for t in next_runs(settings)],
        paused=info.paused,
        ui_url=f"{stack.ui_base(env)}/deployments/deployment/{info.id}",
        dry_run=dry,
        lineage=manifest.lineage.model_dump(mode="json"),
    )


class NothingToRollBackTo(PromoteError):
    """There is no earlier release to move the deployment to."""

    http_status = 409


def rollback(name: str, config: PromoteConfig, version: str | None = None) -> PromoteResult:
    """Move the pipeline's deployment to an earlier release (default: the one before current).

    Raises:
        ReleaseNotFound: that version was never released.
        NothingToRollBackTo: only one release exists.
        DeploymentNotFound / PrefectUnavailable: the deployment cannot be moved.
    """
    from jupyter_promote.orchestration import deploy, stack
    from jupyter_promote.release.store import read_release, release_dir

    releases_of(name, config)  # an unknown name is told before any server is asked
    env = stack.prefect_env(config)
    deploy.check_reachable(env["PREFECT_API_URL"])
    with deploy.using(env["PREFECT_API_URL"]), pipeline_lock(config.pipelines_path, name):
        current = current_release(config.pipelines_path, name)
        if version is None:
            older = [
                m
                for m in releases_of(name, config)
                if current is None or m.promoted_at < current.promoted_at
            ]
            if not older:
                raise NothingToRollBackTo(
                    f"pipeline {name!r} has no release older than the current one",
                    hint="see `jupyter promote show " + name + "` for its releases",
                )
            target = older[-1]
        else:
            target = read_release(config.pipelines_path, name, version)
        folder = release_dir(config.pipelines_path, name, target.version)
        description = deploy.read(name).description or ""
        source = worker_source(config, folder, target)
        publish(config, folder, target, source.entrypoint, commit=False, author="")
        info = deploy.upsert(folder, target, description, source)
        mark_deployed(folder, info.id)
        set_current(config.pipelines_path, name, target.version)
    unchanged = current is not None and current.version == target.version
    return promote_result(target, folder, info, env, unchanged, target.dry_run)


def releases_of(name: str, config: PromoteConfig) -> list[ReleaseManifest]:
    """The pipeline's releases, oldest first.

    Raises:
        ReleaseNotFound: nothing was ever promoted under that name.
    """
    from jupyter_promote.release.store import ReleaseNotFound, list_releases

    releases = list_releases(config.pipelines_path, name)
    if not releases:
        raise ReleaseNotFound(
            f"no pipeline {name!r} under {config.pipelines_path}",
            hint="see `jupyter promote ls` for the promoted pipelines",
        )
    return releases


def worker_source(config: PromoteConfig, folder: Path, manifest: Any) -> DeploymentSource:
    """Where the deployment's workers find the release (docs/scaling.md)."""
    source = Path(manifest.source_notebook)
    workdir = source.parent if source.is_absolute() else config.project_path / source.parent
    where = release_source(config)
    # a git worker's paths start at the clone's root: the repository's, maybe above the project
    root = (
        git.toplevel(config.project_path) if where.kind == "git" else None
    ) or config.project_path
    return deployment_source(
        where,
        release_dir=str(folder),
        release_rel=_relative(folder, root),
        workdir_rel=_relative(workdir, root),
        local_env={
            "JUPYTER_PROMOTE_RUNS_DIR": str(config.runs_path),
            "JUPYTER_PROMOTE_WORKDIR": str(workdir),
            **_local_catalog(config),
        },
        entrypoint=f"{ENTRYPOINT_FILE}:{function_name(manifest.name)}",
    )


def _local_catalog(config: PromoteConfig) -> dict[str, str]:
    """Where a local worker records reads: the project's SQLite catalog. A database URL may
    hold a password, so other catalogs are configured on the worker, never in a deployment."""
    url = config.catalog_url
    return {"JUPYTER_PROMOTE_CATALOG_URL": url} if url.startswith("sqlite:///") else {}


def project_relative(path: str | Path, config: PromoteConfig) -> str:
    """The notebook's path relative to the project (portable in a git-tracked manifest)."""
    return _relative(path, config.project_path)


def _relative(path: str | Path, root: Path) -> str:
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(root.resolve()))
    except ValueError:
        return str(resolved)


def show(name: str, config: PromoteConfig, runs: int = 5) -> dict[str, Any]:
    """The pipeline's current manifest, its releases, and its latest runs (when Prefect is up).

    Raises:
        ReleaseNotFound: nothing was ever promoted under that name.
    """
    releases = releases_of(name, config)
    current = current_release(config.pipelines_path, name)
    return {
        "manifest": (current or releases[-1]).model_dump(mode="json"),
        "releases": [
            {
                "version": m.version,
                "promoted_at": m.promoted_at,
                "promoted_by": m.promoted_by,
                "current": current is not None and m.version == current.version,
            }
            for m in releases
        ],
        "recent_runs": _recent_runs(name, config, runs),
        **_fleet_facts(name, config),
    }


def _fleet_facts(name: str, config: PromoteConfig) -> dict[str, Any]:
    """Effective tier, neighbours and history from the fleet catalog (empty when unavailable)."""
    try:
        from jupyter_promote.services.fleet import open_catalog

        catalog = open_catalog(config)
        row = catalog.pipeline(name)
        return {
            "effective_tier": row.effective_tier if row else None,
            "upstream": sorted(catalog.walk([name], down=False)),
            "downstream": sorted(catalog.walk([name])),
            "events": catalog.events(name),
        }
    except Exception as exc:  # the catalog is an index: show still works from the files
        return {"effective_tier": None, "catalog_error": f"{type(exc).__name__}: {exc}"}


def _recent_runs(name: str, config: PromoteConfig, limit: int) -> list[dict[str, Any]] | str:
    from jupyter_promote.orchestration import deploy, stack
    from jupyter_promote.orchestration import runs as prefect_runs

    try:
        env = stack.prefect_env(config)
        deploy.check_reachable(env["PREFECT_API_URL"])
    except PromoteError as exc:
        return f"unknown: {exc.message}"
    with deploy.using(env["PREFECT_API_URL"]):
        return prefect_runs.recent_runs(name, limit)
