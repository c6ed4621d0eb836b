/**
 * Renderers of the outputs our magics emit in kernels marked by `marker.ts`, where the magic
 * leaves the notebook file to the open notebook. Each shows the output's HTML (or text) with a
 * one-line note, and applies a live output to the open model, so the next save keeps it:
 *
 * - `application/vnd.jupyter-promote.expectations+json` (`%expect`): the recorded change goes
 *   into the metadata (through `expectations/apply`, once; `written: false`: the kernel did not
 *   write the file), the check's results to the panel (last results);
 * - `application/vnd.jupyter-promote.promotion+json` (`%promote`, its form): the promotion
 *   settings become `metadata.jupyter_promote.promotion` (see `promotion.ts`).
 */
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { PromoteApi } from './api';
import {
  applyFromOutput,
  isLiveOutput,
  matchesNotebook,
  promoteMetadata,
  removalFromOutput,
  setPromoteMetadata
} from './metadata';
import { applyPromotion, IOpenNotebook, IPromotionApplied, promotionNote } from './promotion';
import { IExpectationResults } from './tokens';
import { serially } from './util';
import { EXPECTATIONS_MIME, IExpectationsOutput, PROMOTION_MIME } from './types';

export const NOTE_CLASS = 'jp-Promote-expectationsNote';
export const PROMOTION_NOTE_CLASS = 'jp-Promote-promotionNote';
/** Before the HTML renderer (rank 50), so these outputs are applied, not only shown. */
const RANK = 40;

function findNotebook(tracker: INotebookTracker, path: string): NotebookPanel | null {
  const current = tracker.currentWidget;
  if (current && matchesNotebook(path, current.context.path)) {
    return current;
  }
  return tracker.find(panel => matchesNotebook(path, panel.context.path)) ?? null;
}

/** The open notebooks, current first, as {@link applyPromotion} reads them. */
export function openNotebooks(tracker: INotebookTracker): IOpenNotebook[] {
  const current = tracker.currentWidget;
  const panels = current ? [current] : [];
  tracker.forEach(panel => {
    if (panel !== current) {
      panels.push(panel);
    }
  });
  const open: IOpenNotebook[] = [];
  for (const panel of panels) {
    if (panel.model) {
      const kernelBusy = panel.sessionContext.session?.kernel?.status === 'busy';
      open.push({ path: panel.context.path, cells: panel.model.cells, metadata: panel.model, kernelBusy });
    }
  }
  return open;
}

/** Replace `node`'s content with the bundle's HTML (sanitized; text when untrusted) or text. */
function showBundle(
  node: HTMLElement,
  model: IRenderMime.IMimeModel,
  sanitizer: IRenderMime.ISanitizer
): void {
  const html = model.data['text/html'];
  const text = model.data['text/plain'];
  node.textContent = '';
  if (typeof html === 'string') {
    const body = document.createElement('div');
    // The same sanitizer the HTML renderer uses; untrusted outputs are shown as text.
    if (model.trusted) {
      body.innerHTML = sanitizer.sanitize(html);
    } else {
      body.textContent = typeof text === 'string' ? text : '';
    }
    node.appendChild(body);
  } else if (typeof text === 'string') {
    const pre = document.createElement('pre');
    pre.textContent = text;
    node.appendChild(pre);
  }
}

/**
 * Apply a `%expect` output's change to the open notebook, and hand its results to the panel as
 * last results; returns what happened, in words. `output` is the output model being rendered:
 * only an output its running cell just received changes anything.
 */
export async function applyOutput(
  api: PromoteApi,
  tracker: INotebookTracker,
  payload: IExpectationsOutput,
  results: IExpectationResults | null = null,
  output: unknown = null
): Promise<string> {
  const panel = findNotebook(tracker, payload.notebook ?? '');
  const model = panel?.model;
  if (!panel || !model) {
    if (payload.written === false) {
      // The kernel left the file to the open notebook, and there is none here.
      throw new Error(
        `${payload.notebook} is not open in this JupyterLab: open it and run the cell again`
      );
    }
    return 'saved to the notebook file';
  }
  const removal = payload.op === 'remove';
  // A live output arrives while its cell runs. An output drawn again from the saved notebook
  // (on open, while scrolling, on trust) is old news: the file already has it, or the user has
  // changed it since; applying it would mark the notebook unsaved, or undo that change. The
  // kernel being busy is no sign: it is busy at start and while marker.ts runs its silent code.
  const busy = panel.sessionContext.session?.kernel?.status === 'busy';
  if (!isLiveOutput(model.cells, output, busy)) {
    return removal ? 'removal shown earlier' : `recorded under step "${payload.step}"`;
  }
  if (!removal && Array.isArray(payload.results)) {
    results?.recordResults(panel.context.path, payload.results, 'expect', payload.step);
  }
  // One change at a time: each reads the metadata the previous one wrote (run-all renders
  // several %expect outputs within milliseconds).
  return serially(async () => {
    const metadata = promoteMetadata(model);
    const body = removal ? removalFromOutput(metadata, payload) : applyFromOutput(metadata, payload);
    if (!body) {
      return `recorded under step "${payload.step}"`;
    }
    const answer = await api.applyExpectations(body);
    setPromoteMetadata(model, answer.metadata);
    if (removal) {
      const left = answer.metadata.expectations?.[body.step]?.[body.variable]?.expectations ?? [];
      return `removed from step "${body.step}" of the open notebook (${left.length} left): save it to keep the change`;
    }
    if (payload.written === false) {
      return `recorded under step "${payload.step}" in the open notebook: save it to keep it`;
    }
    return (
      `recorded under step "${payload.step}" and applied to the open notebook ` +
      '(if saving says the file changed on disk, choose Overwrite: the notebook has the change)'
    );
  });
}

class ExpectationsRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly _options: IRenderMime.IRendererOptions,
    private readonly _apply: (payload: IExpectationsOutput, output: IRenderMime.IMimeModel) => Promise<string>
  ) {
    super();
    this.addClass('jp-Promote-expectationsOutput');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const payload = model.data[EXPECTATIONS_MIME] as unknown as IExpectationsOutput;
    showBundle(this.node, model, this._options.sanitizer);
    const note = document.createElement('div');
    note.className = NOTE_CLASS;
    note.dataset.jpPromoteVariable = payload?.variable ?? '';
    this.node.appendChild(note);
    try {
      note.textContent = `${payload.variable}: ${await this._apply(payload, model)}`;
      note.dataset.jpPromoteApplied = 'true';
    } catch (err) {
      const fix =
        payload?.written === false ? 'run the cell again' : 'reload the notebook from disk before saving';
      note.textContent = `${payload?.variable ?? 'expectations'}: not applied to the open notebook (${(err as Error).message}); ${fix}`;
      note.dataset.jpPromoteApplied = 'false';
    }
  }
}

/** A rendermime factory ranked before HTML, so this output's change is applied. */
export function expectationsRendererFactory(
  apply: (payload: IExpectationsOutput, output: IRenderMime.IMimeModel) => Promise<string>
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [EXPECTATIONS_MIME],
    defaultRank: RANK,
    createRenderer: options => new ExpectationsRenderer(options, apply)
  };
}

class PromotionRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly _options: IRenderMime.IRendererOptions,
    private readonly _apply: (payload: unknown, output: IRenderMime.IMimeModel) => IPromotionApplied
  ) {
    super();
    this.addClass('jp-Promote-promotionOutput');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    showBundle(this.node, model, this._options.sanitizer);
    const note = promotionNote(this._apply(model.data[PROMOTION_MIME], model));
    if (note) {
      const div = document.createElement('div');
      div.className = PROMOTION_NOTE_CLASS;
      div.dataset.jpPromoteApplied = String(note.applied);
      div.textContent = note.text;
      this.node.appendChild(div);
    }
    return Promise.resolve();
  }
}

/** A rendermime factory ranked before HTML, so a live `%promote` output's settings are kept. */
export function promotionRendererFactory(
  apply: (payload: unknown, output: IRenderMime.IMimeModel) => IPromotionApplied
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [PROMOTION_MIME],
    defaultRank: RANK,
    createRenderer: options => new PromotionRenderer(options, apply)
  };
}
