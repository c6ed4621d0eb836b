/**
 * Types of the REST contract (docs/rest-api.md), mirroring the Python pydantic models:
 * jupyter_promote/core/spec.py (PipelineSpec), core/promotion.py (PromotionSettings),
 * releases.py (PromoteResult) and core/expectations/models.py (ExpectationConfig).
 */

export type DiagnosticSeverity = 'error' | 'warning';
export type ParamType = 'int' | 'float' | 'str' | 'bool' | 'list' | 'dict' | 'None';
export type Level = 'error' | 'warn';
export type GXSeverity = 'critical' | 'warning' | 'info';
export type Tier = 'critical' | 'high' | 'normal' | 'low';

export interface IDiagnostic {
  severity: DiagnosticSeverity;
  code: string;
  message: string;
  hint: string;
  cell_index: number | null;
  cell_id: string | null;
  step: string | null;
}

export interface IParameter {
  name: string;
  type: ParamType;
  default: unknown;
  nullable: boolean;
  description: string;
  cell_index: number;
  line: number;
}

export interface IEdge {
  upstream: string;
  step: string;
  names: string[];
  explicit: boolean;
}

export interface IStep {
  name: string;
  cells: number[];
  cell_ids: string[];
  after: string[];
  depends_on: string[];
  reads: Record<string, string>;
  defines: string[];
  imports: string[];
}

export interface IExpectationEntry {
  step: string;
  variable: string;
  index: number;
  type: string;
  kwargs: Record<string, unknown>;
  level: Level;
  text: string;
}

export interface IPipelineSpec {
  schema_version: number;
  notebook: string;
  kernel: string;
  parameters: IParameter[];
  parameters_cell: number | null;
  setup_cells: number[];
  steps: IStep[];
  order: string[];
  edges: IEdge[];
  skipped_cells: number[];
  unassigned_cells: number[];
  expectations: IExpectationEntry[];
  diagnostics: IDiagnostic[];
  /**
   * Steps the markdown headings suggest, non-empty only when the notebook has no step tag yet
   * (it then runs as one step). Absent from older servers: read it as [].
   */
  suggested_steps?: ISuggestedStep[];
}

/** One step a markdown heading suggests (`PipelineSpec.suggested_steps`). */
export interface ISuggestedStep {
  /** 0-based index of the code cell that should get the tag. */
  cell_index: number;
  /** nbformat id of that cell, to make sure it is still the same cell; null when unknown. */
  cell_id: string | null;
  /** The step name, e.g. "load". */
  name: string;
  /** The markdown heading it comes from, e.g. "Load the data". */
  heading: string;
  /** The tag to add to the cell, e.g. "step:load". */
  tag: string;
}

/** One Great Expectations 1.x expectation, in GX's suite-JSON shape. */
export interface IExpectationConfig {
  type: string;
  kwargs: Record<string, unknown>;
  meta?: Record<string, unknown>;
  severity?: GXSeverity;
}

/** The notebook's `jupyter_promote` metadata namespace (only the parts the panel reads). */
export interface IPromoteMetadata {
  schema_version?: number;
  expectations?: Record<string, Record<string, { name?: string; expectations: IExpectationConfig[] }>>;
  promotion?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface IStatus {
  version: string;
  project_dir: string;
  pipelines_dir: string;
  prefect_api_url: string | null;
  prefect_ui_url: string | null;
  prefect_reachable: boolean;
  prefect_error?: string | null;
  defaults: { owner: string; timezone: string; work_pool: string };
}

export interface IParseResult {
  variable: string;
  expectations: IExpectationConfig[];
  descriptions: string[];
}

export type ApplyOp = 'add' | 'remove' | 'severity';

export interface IApplyRequest {
  metadata: IPromoteMetadata;
  op: ApplyOp;
  step: string;
  variable: string;
  expectations?: IExpectationConfig[];
  index?: number;
  severity?: Level;
}

/** What becomes of a run that would exceed a pipeline's concurrency. */
export type Collision = 'enqueue' | 'cancel-new';

/** PromotionSettings (core/promotion.py). */
export interface IPromotionSettings {
  name: string;
  owner: string;
  team?: string;
  schedule?: string | null;
  interval_seconds?: number | null;
  timezone?: string;
  sla?: string | null;
  tier?: Tier;
  consumers?: string[];
  reads?: string[];
  writes?: string[];
  work_pool?: string;
  /** At most this many runs unfinished at once (default 1). */
  concurrency?: number | null;
  /** What becomes of a run beyond `concurrency`: it waits (enqueue, default) or is cancelled. */
  on_collision?: Collision | null;
  notify?: string;
}

export interface IPromoteDefaults {
  settings: Partial<IPromotionSettings>;
  source: 'notebook' | 'new';
}

export interface IProblem {
  field: string | null;
  message: string;
}

export interface IPreview {
  ok: boolean;
  problems: IProblem[];
  schedule: string | null;
  next_runs: string[];
  sla: string | null;
  /** Runs at a time in words, e.g. "at most 1 run at a time; ..."; absent from older servers. */
  concurrency?: string | null;
}

export type JobKind = 'dry-run' | 'promote';
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

export interface IJobEvent {
  time: string;
  step: string | null;
  state: string;
  message: string;
}

export interface IErrorBody {
  message: string;
  hint?: string | null;
  reason?: string | null;
  details?: unknown;
}

/** PromoteResult (releases.py). */
export interface IPromoteResult {
  name: string;
  version: string;
  unchanged: boolean;
  release_dir: string;
  runbook: string;
  deployment: string;
  deployment_id: string;
  schedule: string;
  /** Runs at a time in words (absent from older servers). */
  concurrency?: string;
  next_runs: string[];
  ui_url: string;
  dry_run: string;
  /**
   * The PromotionSettings JSON to keep as the notebook's `metadata.jupyter_promote.promotion`,
   * when the request said `remember_in_file: false`: the panel sets it into the open notebook.
   * Null when there is nothing to keep (or the server wrote the file itself).
   */
  remember?: Record<string, unknown> | null;
}

/**
 * One expectation's outcome on a live DataFrame: `CheckResult.to_dict()`
 * (jupyter_promote/quality/results.py), from "Check now", `%expect` outputs and dry runs.
 */
export interface ICheckResultRow {
  step: string | null;
  variable: string;
  /** `ExpectationConfig.describe()`, the same text as `IExpectationEntry.text`. */
  expectation: string;
  type: string;
  column: string | null;
  level: Level | string;
  success: boolean;
  observed: string;
  expected: string;
  unexpected_count?: number | null;
  element_count?: number | null;
  sample?: unknown[];
  error: string | null;
}

/** The part of a dry-run job's `result` the panel reads (server/jobs.py `report_result`). */
export interface IDryRunResult {
  ok: boolean;
  executed_notebook: string | null;
  /** One row per expectation the dry run's quality gates checked. */
  quality?: ICheckResultRow[];
}

export interface IJob {
  id: string;
  kind: JobKind;
  path: string;
  state: JobState;
  events: IJobEvent[];
  result: (Partial<IPromoteResult> & Partial<IDryRunResult> & Record<string, unknown>) | null;
  error: IErrorBody | string | null;
}

export interface IJobRequest {
  kind: JobKind;
  path: string;
  settings?: IPromotionSettings;
  dry_run?: boolean;
  /**
   * For promote: true (the server's default) writes the settings into the notebook file;
   * false leaves the file alone and answers them as `PromoteResult.remember` for the open model.
   */
  remember_in_file?: boolean;
}

export interface ILastRun {
  id: string;
  state: string;
  time: string | null;
  url: string | null;
}

export interface IPipelineRow {
  name: string;
  owner: string;
  team: string;
  tier: Tier | string;
  /**
   * The highest tier of the pipeline and everything downstream of it (fleet catalog), e.g.
   * "critical" for a "normal" pipeline feeding a critical one. Null when the catalog is not
   * available; absent from older servers (read it as null).
   */
  effective_tier?: Tier | string | null;
  schedule: string | null;
  timezone: string;
  /** At most this many runs at once (absent from older servers). */
  concurrency?: number;
  /** enqueue or cancel-new (absent from older servers). */
  on_collision?: Collision | string;
  version: string;
  deployed: boolean;
  paused: boolean;
  last_run: ILastRun | null;
  next_run: string | null;
  ui_url: string | null;
  runbook: string | null;
  release_dir: string | null;
  last_executed_notebook: string | null;
  source_notebook: string | null;
  /** The monitor's open incident this pipeline is part of (absent from older servers). */
  incident?: IIncidentBrief | null;
  /** Today's SLA as the monitor sees it (absent without an SLA or a monitor). */
  sla?: ISlaBrief | null;
}

export interface IIncidentBrief {
  id: string;
  /** failed, gate-failed, crashed, late, sla-at-risk, sla-missed, orphaned, stale. */
  kind: string;
  /** open or acknowledged. */
  status: string;
  /** The pipeline whose problem caused it (this one, or something upstream). */
  root_cause: string;
  opened_at: string;
  blast_radius: string[];
}

export interface ISlaBrief {
  /** ok, at-risk, missed or recovered. */
  state: string;
  deadline: string;
  predicted?: string | null;
}

export interface IPipelines {
  pipelines: IPipelineRow[];
  prefect_error: string | null;
}

/** One event of a pipeline's history besides its releases (fleet catalog `events`). */
export interface IPipelineEvent {
  pipeline: string;
  /** What happened, e.g. "transfer", "stale", "pause", "claim", "effective-tier". */
  kind: string;
  /** When, ISO 8601. */
  at: string;
  /** Who did it ("" when nobody in particular). */
  actor: string;
  /** What changed, e.g. "normal -> critical" for an effective-tier change. */
  detail: string;
  /** End of a time-limited event (a claim), ISO 8601; else null. */
  until: string | null;
}

/** PipelineDetail (`GET pipelines/{name}`, as `jupyter promote show --json`). */
export interface IPipelineDetail {
  /** The current release manifest. */
  manifest: Record<string, unknown>;
  /** Every release: version, promoted_at, promoted_by, current. */
  releases: Record<string, unknown>[];
  /** Latest flow runs; a text saying why when Prefect is unreachable. */
  recent_runs: Record<string, unknown>[] | string;
  /** Highest tier of it and everything downstream (catalog); null when unknown. */
  effective_tier?: Tier | string | null;
  /** Pipelines it depends on. */
  upstream?: string[];
  /** Pipelines depending on it. */
  downstream?: string[];
  /** Its history besides releases, oldest first. */
  events?: IPipelineEvent[];
  /** Why the catalog's facts are missing, else null. */
  catalog_error?: string | null;
}

export type LineageNodeKind = 'pipeline' | 'dataset' | 'consumer';
/**
 * pipeline -writes-> dataset, dataset -reads-> pipeline, pipeline -consumes-> consumer; the fleet
 * graph (fleet/graph_json.py) also has dataset -matches-> dataset (a written key a read key with
 * placeholders joins through).
 */
export type LineageEdgeKind = 'writes' | 'reads' | 'consumes' | 'matches';

/** LineageNode: a pipeline, a dataset or a consumer around the pipeline a lineage is drawn for. */
export interface ILineageNode {
  /**
   * Unique id across kinds: the pipeline name, the dataset key (e.g. "s3://lake/x.parquet"),
   * "consumer:NAME". The fleet graph prefixes every kind ("pipeline:NAME", "dataset:KEY"), so the
   * panel finds a pipeline by its `label` too.
   */
  id: string;
  kind: LineageNodeKind | string;
  /** What to show: the pipeline or consumer name, the full dataset key. */
  label: string;
  /** A pipeline's own tier; null for datasets and consumers. */
  tier?: Tier | string | null;
  /**
   * A pipeline's effective tier (it and everything downstream); for a dataset, the highest tier
   * reading it when the server knows; null when unknown.
   */
  effective_tier?: Tier | string | null;
  /** A pipeline's owner; null for datasets and consumers. */
  owner?: string | null;
}

/** LineageEdge: how two nodes connect (see {@link LineageEdgeKind}). */
export interface ILineageEdge {
  /** Node id the edge leaves. */
  source: string;
  /** Node id the edge reaches. */
  target: string;
  kind: LineageEdgeKind | string;
}

/** LineageGraph (`GET pipelines/{name}/lineage?depth=2`): the neighbourhood of one pipeline. */
export interface ILineageGraph {
  /** The pipeline the graph is drawn around. */
  center: string;
  nodes: ILineageNode[];
  edges: ILineageEdge[];
}

export interface ITriggerResult {
  flow_run_id: string;
  ui_url: string | null;
}

/** Payload of `application/vnd.jupyter-promote.expectations+json` outputs (%expect). */
export interface IExpectationsOutput {
  /** False: the kernel did not write the file, the open notebook takes the change (absent: true). */
  written?: boolean;
  /** `remove` (`%expect --remove` under JupyterLab: `index`, or all of the variable); absent: add. */
  op?: 'add' | 'remove';
  index?: number | null;
  notebook: string;
  /** Null in a removal: the open notebook knows the step. */
  step: string | null;
  variable: string;
  expectations: IExpectationConfig[];
  /** The results of the check `%expect` just made (absent from outputs of older versions). */
  results?: ICheckResultRow[];
}

export const EXPECTATIONS_MIME = 'application/vnd.jupyter-promote.expectations+json';

/**
 * Payload of `application/vnd.jupyter-promote.promotion+json` outputs: `%promote` (the magic or
 * its form) in a kernel marked as JupyterLab's (`marker.ts`) leaves the notebook file alone and
 * puts this beside the text/plain and text/html of its result
 * (jupyter_promote/frontends/ipython/display.py `result_bundle`).
 */
export interface IPromotionOutput {
  /** The promoted notebook's file as the kernel knows it: absolute (resolved), or relative. */
  notebook: string;
  /**
   * The PromotionSettings JSON (see {@link IPromotionSettings}) to keep as the open notebook's
   * `metadata.jupyter_promote.promotion`, like `IPromoteResult.remember` of a panel promotion.
   */
  promotion: Record<string, unknown>;
}

export const PROMOTION_MIME = 'application/vnd.jupyter-promote.promotion+json';
