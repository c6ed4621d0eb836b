import { YNotebook } from '@jupyter/ydoc';
import { ICheckResultRow, IPipelineSpec } from '../src/types';

/** A small spec as `check` answers it: load -> clean -> report, plus an explicit after: edge. */
export function sampleSpec(): IPipelineSpec {
  const step = (name: string, cells: number[], defines: string[], after: string[] = []) => ({
    name,
    cells,
    cell_ids: [],
    after,
    depends_on: [],
    reads: {},
    defines,
    imports: []
  });
  return {
    schema_version: 1,
    notebook: 'loans.ipynb',
    kernel: 'python3',
    parameters: [
      { name: 'min_score', type: 'int', default: 600, nullable: false, description: '', cell_index: 0, line: 1 }
    ],
    parameters_cell: 0,
    setup_cells: [],
    steps: [
      step('load', [1, 2], ['loans']),
      step('clean', [3], ['loans', 'clean_loans']),
      step('report', [5], ['summary'], ['load'])
    ],
    order: ['load', 'clean', 'report'],
    edges: [
      { upstream: 'load', step: 'clean', names: ['loans'], explicit: false },
      { upstream: 'clean', step: 'report', names: ['clean_loans'], explicit: false },
      { upstream: 'load', step: 'report', names: [], explicit: true },
      { upstream: 'ghost', step: 'report', names: [], explicit: true }
    ],
    skipped_cells: [4],
    unassigned_cells: [],
    expectations: [
      { step: 'report', variable: 'summary', index: 0, type: 'expect_column_to_exist', kwargs: { column: 'n' }, level: 'warn', text: 'n exists' },
      { step: 'clean', variable: 'loans', index: 0, type: 'expect_column_values_to_be_unique', kwargs: { column: 'id' }, level: 'error', text: 'id unique' },
      { step: 'clean', variable: 'loans', index: 1, type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amount' }, level: 'error', text: 'amount not null' }
    ],
    diagnostics: [
      { severity: 'error', code: 'undefined-name', message: 'x is not defined', hint: 'define x', cell_index: 3, cell_id: null, step: 'clean' },
      { severity: 'warning', code: 'ignored-tag', message: 'kale tag', hint: '', cell_index: 5, cell_id: null, step: 'report' }
    ]
  };
}

/** A check answer's row for `loans` in step `clean` (unique ids), passing or failing. */
export function resultRow(expectation: string, success: boolean, extra: Partial<ICheckResultRow> = {}): ICheckResultRow {
  return {
    step: 'clean',
    variable: 'loans',
    expectation,
    type: 'expect_column_values_to_be_unique',
    column: 'id',
    level: 'error',
    success,
    observed: success ? 'all 5 values unique' : '2 duplicate values: 3, 3',
    expected: 'unique',
    error: null,
    ...extra
  };
}

/**
 * A notebook as JupyterLab 4.6 holds it open: a real `YNotebook` (the shared model whose `dirty`
 * flag is the tab's unsaved dot), per-cell undo as JupyterLab's default, freshly loaded: clean,
 * no undo history. `updates()` counts the Yjs transactions made since.
 */
export function openNotebook(cells: Record<string, unknown>[], metadata: Record<string, unknown> = {}) {
  const notebook = quietly(() =>
    YNotebook.create({
      disableDocumentWideUndoRedo: true,
      data: { cells: cells as never, metadata: metadata as never, nbformat: 4, nbformat_minor: 5 }
    })
  );
  notebook.clearUndoHistory();
  let count = 0;
  notebook.ydoc.on('update', () => count++);
  return { notebook, updates: () => count };
}

export const codeCell = (id: string, source: string, tags?: string[], outputs: unknown[] = []) => ({
  cell_type: 'code',
  id,
  source,
  metadata: tags ? { tags } : {},
  outputs,
  execution_count: outputs.length ? 1 : null
});

export const markdownCell = (id: string, source: string) => ({ cell_type: 'markdown', id, source, metadata: {} });

/**
 * Run `f` without the warnings yjs 13.6 logs while @jupyter/ydoc 4.2 builds cells ("Invalid
 * access: Add Yjs type to a document before reading data", "[yjs#509] Not same Y.Doc"): they
 * come from the library's cell construction and say nothing about the code tested.
 */
function quietly<T>(f: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!args.some(a => typeof a === 'string' && /Invalid access: Add Yjs type|yjs#509/.test(a))) {
      warn(...args);
    }
  };
  try {
    return f();
  } finally {
    console.warn = warn;
  }
}
