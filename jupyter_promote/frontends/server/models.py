"""The JSON contract of the REST API: one pydantic model per request body and per answer.

``docs/openapi.yaml`` is generated from these models (``python -m
jupyter_promote.frontends.server.openapi``);
``docs/rest-api.md`` describes them for people. Service models that already are pydantic
(``PipelineSpec``, ``PromoteResult``, ``PipelineListing``, ``PromotionSettings``) are answered
as they are.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jupyter_promote.expectations import Level


class _Body(BaseModel):
    """A request body: unknown fields are refused, so a typo is a 400, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# -- errors -----------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """Every non-2xx answer of the extension."""

    message: str = Field(description="One sentence naming what went wrong and where.")
    hint: str | None = Field(description="How to fix it, or null.")
    reason: str = Field(description="The error's type, e.g. 'PipelineInvalid', 'BadRequest'.")
    details: Any = Field(
        description="Structured extras: the problems list, the offending token, field errors."
    )


# -- status -----------------------------------------------------------------------------------


class Defaults(BaseModel):
    """Values the promote form starts from."""

    owner: str = Field(description="The Jupyter user's name (else $USER).")
    timezone: str = Field(description="Default schedule timezone.")
    work_pool: str = Field(description="The configured Prefect work pool.")


class Status(BaseModel):
    """Where the project is and whether its Prefect server answers."""

    version: str = Field(description="jupyter-promote version.")
    project_dir: str = Field(description="The project folder (absolute).")
    pipelines_dir: str = Field(description="Folder of promoted releases (absolute).")
    prefect_api_url: str | None = Field(description="The Prefect API used, null when none.")
    prefect_ui_url: str | None = Field(description="The Prefect UI (API URL without /api).")
    prefect_reachable: bool = Field(description="The API answered its health check just now.")
    prefect_error: str | None = Field(description="Why Prefect is not reachable, else null.")
    defaults: Defaults = Field(description="Defaults of the promote form.")


# -- check ------------------------------------------------------------------------------------


class CheckRequest(_Body):
    """Statically check a notebook."""

    path: str = Field(description="Server-relative notebook path, as in the contents API.")
    notebook: dict[str, Any] | None = Field(
        default=None,
        description="nbformat v4 JSON of the open (maybe unsaved) model; default: the file.",
    )


# -- expectations -----------------------------------------------------------------------------


class ParseRequest(_Body):
    """Parse one ``%expect`` line."""

    line: str = Field(description="VARIABLE: PREDICATE[, PREDICATE...] [--severity] [--mostly]")
    severity: Level | None = Field(
        default=None, description="Overrides the line's --severity: 'error' or 'warn'."
    )


class ParseResult(BaseModel):
    """A parsed ``%expect`` line."""

    variable: str = Field(description="The DataFrame variable the line checks.")
    expectations: list[dict[str, Any]] = Field(
        description="Great Expectations 1.x expectation configs {type, kwargs, meta, severity}."
    )
    descriptions: list[str] = Field(description="Each expectation in words, in the same order.")


class ApplyRequest(_Body):
    """Change the expectations recorded in a notebook's ``jupyter_promote`` metadata."""

    metadata: dict[str, Any] = Field(
        default_factory=dict, description="The notebook's current jupyter_promote metadata."
    )
    op: Literal["add", "remove", "severity"] = Field(
        description="add expectations, remove one (index) or all, or change severity."
    )
    step: str = Field(description="The step whose output is checked.")
    variable: str = Field(description="The DataFrame variable checked.")
    expectations: list[dict[str, Any]] = Field(
        default_factory=list, description="For op=add: GX configs as expectations/parse answers."
    )
    index: int | None = Field(
        default=None, description="For remove/severity: position in the suite; null = all."
    )
    severity: Level | None = Field(default=None, description="For op=severity: 'error' or 'warn'.")


class ApplyResult(BaseModel):
    """The new metadata, for the panel to set on the open notebook model."""

    metadata: dict[str, Any] = Field(description="The new jupyter_promote metadata ({} if none).")


# -- promote form -----------------------------------------------------------------------------


class PromoteDefaults(BaseModel):
    """Where the promote form starts."""

    settings: dict[str, Any] = Field(description="PromotionSettings fields to prefill.")
    source: Literal["notebook", "new"] = Field(
        description="'notebook': the notebook's last promotion; 'new': fresh defaults."
    )


class PreviewRequest(_Body):
    """Validate promotion settings and preview the schedule."""

    settings: dict[str, Any] = Field(description="PromotionSettings fields, as the form holds.")
    path: str | None = Field(
        default=None,
        description="Server-relative notebook path: preview the settings merged with its"
        " remembered form, exactly as a promotion would (null: the settings alone).",
    )


class Problem(BaseModel):
    """One problem of the promotion settings."""

    field: str = Field(description="The setting concerned ('' when it spans several).")
    message: str = Field(description="What is wrong and how to fix it.")


class Preview(BaseModel):
    """The validation and schedule preview (always 200: problems are data)."""

    ok: bool = Field(description="True when the settings are valid.")
    problems: list[Problem] = Field(description="Every problem, one per field concerned.")
    schedule: str | None = Field(description="The schedule in words; null when invalid.")
    next_runs: list[str] = Field(description="The next three run times, ISO 8601 with offset.")
    sla: str | None = Field(description="The SLA deadline in words; null when invalid.")
    concurrency: str | None = Field(
        default=None,
        description="How many runs at a time, and what becomes of one more, in words; null"
        " when invalid.",
    )


# -- jobs -------------------------------------------------------------------------------------


class JobRequest(_Body):
    """Start a long operation in a worker thread."""

    kind: Literal["dry-run", "promote"] = Field(description="What to run.")
    path: str = Field(description="Server-relative notebook path.")
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="For promote: PromotionSettings over the notebook's last promotion; a"
        " field present (even null, '' or []) sets it, an absent one keeps the remembered value.",
    )
    dry_run: bool = Field(
        default=True, description="For promote: run the fresh-kernel dry run first."
    )
    remember_in_file: bool = Field(
        default=True,
        description="For promote: write the promotion form into the notebook file. The panel"
        " sends false and puts the result's `remember` into the open notebook instead.",
    )


JobState = Literal["queued", "running", "succeeded", "failed"]


class JobEvent(BaseModel):
    """One progress event of a job."""

    time: str = Field(description="When it happened, ISO 8601 UTC.")
    step: str = Field(description="'checks', a pipeline step, 'dry-run', 'release', 'deployment'.")
    state: Literal["started", "completed", "failed", "skipped"] = Field(
        description="What happened to it."
    )
    message: str = Field(description="Details in words ('' when none).")


class JobError(BaseModel):
    """Why a job failed."""

    status: int = Field(description="The HTTP status the error maps to.")
    message: str = Field(description="One sentence naming what went wrong.")
    hint: str | None = Field(description="How to fix it.")
    reason: str = Field(description="The error's type.")
    details: Any = Field(description="Structured extras (problems, diagnostics).")


class Job(BaseModel):
    """A dry run or promotion, as the panel polls it."""

    id: str = Field(description="Job id.")
    kind: Literal["dry-run", "promote"] = Field(description="What runs.")
    path: str = Field(description="Server-relative notebook path.")
    state: JobState = Field(description="queued, running, succeeded or failed.")
    events: list[JobEvent] = Field(description="Progress, oldest first.")
    result: dict[str, Any] | None = Field(
        description="dry-run: {ok, error, executed_notebook, steps}; promote: PromoteResult."
    )
    error: JobError | None = Field(description="Set when state is failed.")


# -- pipelines --------------------------------------------------------------------------------


class TriggerRequest(_Body):
    """Start a run of a promoted pipeline now."""

    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values over the deployment's defaults."
    )


class Triggered(BaseModel):
    """The started run."""

    flow_run_id: str = Field(description="Prefect flow run id.")
    ui_url: str = Field(description="The flow run in the Prefect UI.")


class Paused(BaseModel):
    """A pipeline's schedule state after pause or resume."""

    name: str = Field(description="Pipeline name.")
    paused: bool = Field(description="True when its schedule is paused.")


class RollbackRequest(_Body):
    """Move a pipeline's deployment to an earlier release."""

    version: str | None = Field(
        default=None, description="Release version; default: the one before the current."
    )


class PipelineDetail(BaseModel):
    """One pipeline, as ``jupyter promote show --json``."""

    manifest: dict[str, Any] = Field(description="The current release manifest.")
    releases: list[dict[str, Any]] = Field(
        description="Every release: version, promoted_at, promoted_by, current."
    )
    recent_runs: list[dict[str, Any]] | str = Field(
        description="Latest flow runs; a text saying why when Prefect is unreachable."
    )
    effective_tier: str | None = Field(
        default=None, description="Highest tier of it and everything downstream (catalog)."
    )
    upstream: list[str] = Field(default_factory=list, description="Pipelines it depends on.")
    downstream: list[str] = Field(default_factory=list, description="Pipelines depending on it.")
    events: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Its history besides releases: transfers, stale notices, pauses, claims,"
        " effective-tier changes ({pipeline, kind, at, actor, detail, until}).",
    )
    catalog_error: str | None = Field(
        default=None, description="Why the catalog's facts are missing, else null."
    )


class LineageNode(BaseModel):
    """A node of the lineage graph: a pipeline, a dataset or a consumer."""

    id: str = Field(
        description="Unique id with its kind: pipeline:NAME, dataset:KEY, consumer:NAME."
    )
    kind: Literal["pipeline", "dataset", "consumer"] = Field(description="What it is.")
    label: str = Field(description="What to show.")
    tier: str | None = Field(default=None, description="A pipeline's own tier.")
    effective_tier: str | None = Field(default=None, description="A pipeline's effective tier.")
    owner: str | None = Field(default=None, description="A pipeline's owner.")


class LineageEdge(BaseModel):
    """pipeline -writes-> dataset, dataset -reads-> pipeline, pipeline -consumes-> consumer."""

    source: str = Field(description="Node id the edge leaves.")
    target: str = Field(description="Node id the edge reaches.")
    kind: Literal["writes", "reads", "consumes", "matches"] = Field(
        description="What the edge means (matches: a written dataset joins a read one whose"
        " name has {placeholders})."
    )


class LineageGraph(BaseModel):
    """The lineage around one pipeline (its neighbourhood, ``depth`` hops each way)."""

    center: str = Field(description="The pipeline the graph is drawn around.")
    nodes: list[LineageNode] = Field(description="Pipelines, datasets and consumers.")
    edges: list[LineageEdge] = Field(description="How they connect.")
