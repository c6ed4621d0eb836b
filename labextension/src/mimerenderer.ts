/**
 * Renderer for `application/vnd.jupyter-promote.expectations+json`, the output `%expect` emits.
 * It applies the recorded change to the open model's metadata (through `expectations/apply`,
 * once), so the next save keeps it, hands the check's results to the panel (last results), and
 * shows the output's HTML (the pass/fail table) with a one-line note. In kernels marked by
 * `marker.ts` the magic did not write the file (`written: false`): this is where it is recorded.
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
import { IExpectationResults } from './tokens';
import { serially } from './util';
import { EXPECTATIONS_MIME, IExpectationsOutput } from './types';

export const NOTE_CLASS = 'jp-Promote-expectationsNote';

function findNotebook(tracker: INotebookTracker, path: string): NotebookPanel | null {
  const current = tracker.currentWidget;
  if (current && matchesNotebook(path, current.context.path)) {
    return current;
  }
  return tracker.find(panel => matchesNotebook(path, panel.context.path)) ?? null;
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
    const html = model.data['text/html'];
    const text = model.data['text/plain'];
    this.node.textContent = '';
    if (typeof html === 'string') {
      const body = document.createElement('div');
      // The same sanitizer the HTML renderer uses; untrusted outputs are shown as text.
      if (model.trusted) {
        body.innerHTML = this._options.sanitizer.sanitize(html);
      } else {
        body.textContent = typeof text === 'string' ? text : '';
      }
      this.node.appendChild(body);
    } else if (typeof text === 'string') {
      const pre = document.createElement('pre');
      pre.textContent = text;
      this.node.appendChild(pre);
    }
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
    defaultRank: 40,
    createRenderer: options => new ExpectationsRenderer(options, apply)
  };
}
