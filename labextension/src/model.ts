/**
 * The panel's state for the current notebook: the last `check` answer, status and user settings.
 * It follows `INotebookTracker.currentWidget`, re-checks (debounced) as cells and tags change,
 * and emits `changed` for the React views. It holds no pipeline logic: the server decides.
 */
import { ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, PromoteApi } from './api';
import { refreshBadges } from './badgeview';
import { promoteMetadata, setPromoteMetadata } from './metadata';
import { checkPayload } from './payload';
import { ILastResult, LastResults, mergeResults, ResultSource } from './results';
import { ITagReport, tagStepsFromHeadings } from './steps';
import { ICheckResultRow, IPipelineSpec, IPromoteMetadata, ISuggestedStep, IStatus } from './types';
import { debounce, errorText, timings } from './util';

export const CHECK_DEBOUNCE_MS = 500;

/** Settings from the settings editor (schema/plugin.json). */
export interface IUserSettings {
  prefectUiUrl: string;
  workPool: string;
  timezone: string;
}

/**
 * Where last results outlive a page reload (JupyterLab's `IStateDB`, kept in the browser);
 * values are JSON.
 */
export interface IResultStore {
  fetch(id: string): Promise<unknown>;
  save(id: string, value: LastResults): Promise<unknown>;
}

/** The state-database key of a notebook's last results. */
export function resultsKey(path: string): string {
  return `jupyter-promote:results:${path}`;
}

export class PromoteModel {
  readonly api: PromoteApi;
  notebook: NotebookPanel | null = null;
  spec: IPipelineSpec | null = null;
  checkError: { message: string; hint: string | null } | null = null;
  checking = false;
  status: IStatus | null = null;
  user: IUserSettings = { prefectUiUrl: '', workPool: '', timezone: '' };
  /** `performance.now()` when the last check answer arrived; the graph view reads it once. */
  checkReceivedAt: number | null = null;
  /** What the last "Tag steps from headings" did in the current notebook. */
  tagReport: ITagReport | null = null;

  constructor(api: PromoteApi, store: IResultStore | null = null) {
    this.api = api;
    this._store = store;
  }

  get changed(): ISignal<PromoteModel, void> {
    return this._changed;
  }

  /** Server-relative path of the current notebook. */
  get path(): string | null {
    return this.notebook?.context.path ?? null;
  }

  emit(): void {
    this._changed.emit();
  }

  /** Follow another notebook (or none). */
  setNotebook(panel: NotebookPanel | null): void {
    if (panel === this.notebook) {
      return;
    }
    this._disconnect();
    this.notebook = panel;
    this.spec = null;
    this.checkError = null;
    this.checkReceivedAt = null;
    this.tagReport = null;
    this.emit();
    if (!panel) {
      return;
    }
    void this.restoreResults(panel.context.path);
    void panel.context.ready.then(() => {
      if (this.notebook !== panel || !panel.model) {
        return;
      }
      const model = panel.model;
      model.cells.changed.connect(this._onCellsChanged, this);
      model.metadataChanged.connect(this._onAnyChange, this);
      this._watchCells();
      refreshBadges(panel);
      void this.check();
    });
    panel.disposed.connect(() => this.notebook === panel && this.setNotebook(null));
  }

  /**
   * POST check with the open model's JSON so unsaved edits count (read from the shared model,
   * without outputs: see payload.ts). Never writes to the model.
   */
  async check(): Promise<void> {
    const panel = this.notebook;
    if (!panel?.model) {
      return;
    }
    this.checking = true;
    this.emit();
    const sent = performance.now();
    try {
      const spec = await this.api.check(panel.context.path, checkPayload(panel.model.sharedModel));
      if (panel !== this.notebook) {
        return;
      }
      this.checkReceivedAt = performance.now();
      timings().checkRequest = this.checkReceivedAt - sent;
      this.spec = spec;
      this.checkError = null;
    } catch (err) {
      this.checkError = errorText(err);
      if (!(err instanceof ApiError)) {
        console.error('jupyter-promote: check failed', err);
      }
    } finally {
      this.checking = false;
      this.emit();
    }
  }

  async loadStatus(): Promise<void> {
    try {
      this.status = await this.api.status();
    } catch (err) {
      console.warn('jupyter-promote: status unavailable', err);
    }
    this.emit();
  }

  /** The open model's `jupyter_promote` metadata. */
  metadata(): IPromoteMetadata {
    const model = this.notebook?.model;
    return model ? promoteMetadata(model) : {};
  }

  /** Set the open model's `jupyter_promote` metadata (no change when equal). */
  setMetadata(metadata: IPromoteMetadata): void {
    const model = this.notebook?.model;
    if (model) {
      setPromoteMetadata(model, metadata);
    }
  }

  /** Steps the headings suggest, from the last check ([] when the server sends none). */
  get suggestedSteps(): readonly ISuggestedStep[] {
    return this.spec?.suggested_steps ?? [];
  }

  /**
   * Add the suggested step tags to their cells in one undoable change; the report stays for the
   * panel until another notebook is followed. Null when no notebook is open.
   */
  tagStepsFromHeadings(): ITagReport | null {
    const shared = this.notebook?.model?.sharedModel;
    if (!shared) {
      return null;
    }
    this.tagReport = tagStepsFromHeadings(shared, this.suggestedSteps);
    this.emit();
    return this.tagReport;
  }

  /** Last result of each expectation of the notebook at `path` (server-relative). */
  results(path: string | null = this.path): LastResults {
    return (path && this._results.get(path)) || {};
  }

  /**
   * Take `rows` as the last results of the notebook at `path` (newest wins). `step` fills rows
   * that carry none (`%expect` without `--step`).
   */
  recordResults(path: string, rows: readonly ICheckResultRow[], source: ResultSource, step: string | null = null): void {
    if (!rows.length) {
      return;
    }
    const merged = mergeResults(this.results(path), rows, source, Date.now(), step);
    this._results.set(path, merged);
    this.emit();
    void this._persist(path);
  }

  /**
   * Load the notebook's last results kept from an earlier page (once per path; a result
   * received meanwhile wins over the kept one of the same expectation).
   */
  restoreResults(path: string): Promise<void> {
    let restoring = this._restoring.get(path);
    if (!restoring) {
      restoring = this._restore(path);
      this._restoring.set(path, restoring);
    }
    return restoring;
  }

  private async _restore(path: string): Promise<void> {
    let kept: unknown;
    try {
      kept = await this._store?.fetch(resultsKey(path));
    } catch {
      return;
    }
    if (!kept || typeof kept !== 'object' || Array.isArray(kept)) {
      return;
    }
    const restored: Record<string, ILastResult> = { ...(kept as LastResults) };
    for (const [key, result] of Object.entries(this.results(path))) {
      if (!restored[key] || restored[key].at <= result.at) {
        restored[key] = result;
      }
    }
    this._results.set(path, restored);
    this.emit();
  }

  /** Save the notebook's results once what an earlier page kept is merged in. */
  private async _persist(path: string): Promise<void> {
    if (!this._store) {
      return;
    }
    await this.restoreResults(path);
    await this._store.save(resultsKey(path), this.results(path)).catch(() => undefined);
  }

  /** Make cell `index` the active cell and scroll to it. */
  async showCell(index: number): Promise<void> {
    const panel = this.notebook;
    if (!panel || index < 0 || index >= panel.content.widgets.length) {
      return;
    }
    panel.content.activeCellIndex = index;
    panel.content.deselectAll();
    await panel.content.scrollToItem(index, 'center');
    panel.content.activeCell?.node.focus();
  }

  dispose(): void {
    this._disconnect();
    this._debounced.cancel();
  }

  private _onCellsChanged(): void {
    this._watchCells();
    this._onAnyChange();
  }

  private _onAnyChange(): void {
    if (this.notebook) {
      refreshBadges(this.notebook);
    }
    this._debounced.schedule();
  }

  private _watchCells(): void {
    for (const cell of this._watched) {
      cell.contentChanged.disconnect(this._onContent, this);
      cell.metadataChanged.disconnect(this._onAnyChange, this);
    }
    this._watched = [];
    const cells = this.notebook?.model?.cells;
    if (!cells) {
      return;
    }
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      cell.contentChanged.connect(this._onContent, this);
      cell.metadataChanged.connect(this._onAnyChange, this);
      this._watched.push(cell);
    }
  }

  private _onContent(): void {
    this._debounced.schedule();
  }

  private _disconnect(): void {
    this._debounced.cancel();
    const model = this.notebook?.model;
    if (model) {
      model.cells.changed.disconnect(this._onCellsChanged, this);
      model.metadataChanged.disconnect(this._onAnyChange, this);
    }
    for (const cell of this._watched) {
      cell.contentChanged.disconnect(this._onContent, this);
      cell.metadataChanged.disconnect(this._onAnyChange, this);
    }
    this._watched = [];
  }

  private _results = new Map<string, LastResults>();
  private _restoring = new Map<string, Promise<void>>();
  private readonly _store: IResultStore | null;
  private _watched: ICellModel[] = [];
  private _debounced = debounce(() => {
    if (this.notebook) {
      refreshBadges(this.notebook);
    }
    void this.check();
  }, CHECK_DEBOUNCE_MS);
  private _changed = new Signal<PromoteModel, void>(this);
}
