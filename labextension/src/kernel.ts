/**
 * Small questions to the notebook's live kernel. Any failure means "not known".
 */
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';

import { columnsExpression, parsePyReprJson } from './metadata';
import { checkExpression, IUserExpression, parseCheckAnswer } from './results';
import { ICheckResultRow, IExpectationEntry } from './types';

/** Column names of DataFrame `variable` in the running kernel, or [] when unknown. */
export async function fetchColumns(panel: NotebookPanel, variable: string): Promise<string[]> {
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel || !variable) {
    return [];
  }
  try {
    const future = kernel.requestExecute({
      code: '',
      silent: true,
      store_history: false,
      user_expressions: { cols: columnsExpression(variable) }
    });
    const reply = await future.done;
    const content = reply.content as {
      status: string;
      user_expressions?: Record<string, { status: string; data?: Record<string, unknown> }>;
    };
    const cols = content.user_expressions?.cols;
    if (content.status !== 'ok' || cols?.status !== 'ok') {
      return [];
    }
    const value = parsePyReprJson(String(cols.data?.['text/plain'] ?? ''));
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}

/**
 * "Check now": check `entries` against the live variables in the notebook's kernel, silently
 * (no cell, no history). The first check in a kernel imports Great Expectations (3-4 s).
 * Throws an Error when no kernel runs or the kernel cannot check.
 */
export async function checkInKernel(
  panel: NotebookPanel,
  entries: readonly IExpectationEntry[]
): Promise<ICheckResultRow[]> {
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel) {
    throw new Error('no kernel is running for this notebook: run the notebook first');
  }
  const future = kernel.requestExecute({
    code: '',
    silent: true,
    store_history: false,
    user_expressions: { rows: checkExpression(entries) }
  });
  const reply = await future.done;
  const content = reply.content as { status: string; user_expressions?: Record<string, IUserExpression> };
  if (content.status !== 'ok') {
    throw new Error(`the kernel could not check (${content.status})`);
  }
  return parseCheckAnswer(content.user_expressions?.rows);
}

/**
 * "Suggest from data": load the magic quietly, then add a cell `%expect --suggest VAR` below the
 * active cell and run it, so the suggestion checklist (an ipywidgets form) shows in the notebook.
 */
export async function suggestInNotebook(panel: NotebookPanel, variable: string): Promise<void> {
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel) {
    throw new Error('no kernel is running for this notebook: run the notebook first');
  }
  await kernel.requestExecute({
    code: "get_ipython().extension_manager.load_extension('jupyter_promote')",
    silent: true,
    store_history: false
  }).done;
  const notebook = panel.content;
  NotebookActions.insertBelow(notebook);
  const cell = notebook.activeCell;
  if (!cell) {
    return;
  }
  cell.model.sharedModel.setSource(`%expect --suggest ${variable}`);
  cell.model.setMetadata('tags', ['skip']);
  await NotebookActions.run(notebook, panel.sessionContext);
}
