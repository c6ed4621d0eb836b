/**
 * What the panel sends with a `check` request: the open (maybe unsaved) notebook as nbformat
 * JSON, read without touching the model, and without outputs (they can be megabytes and the
 * static check never reads them).
 */

/** The part of nbformat JSON this module looks at; everything else passes through. */
export interface INotebookJson {
  cells: readonly { cell_type: string }[];
}

/** What can give the notebook's JSON: the open model's `sharedModel`. */
export interface INotebookSource<T extends INotebookJson> {
  toJSON(): T;
}

/**
 * The notebook with every code cell's `outputs` emptied and `execution_count` null; metadata,
 * tags, ids, sources and other cells are kept. `notebook` itself is not changed.
 */
export function withoutOutputs<T extends INotebookJson>(notebook: T): T {
  const cells = notebook.cells.map(cell =>
    cell.cell_type === 'code' ? { ...cell, outputs: [], execution_count: null } : cell
  );
  return { ...notebook, cells };
}

/**
 * The `notebook` field of a check request, from the open model's **shared model**.
 * `NotebookModel.toJSON()` is not a pure read: it first adds `language_info`/`kernelspec`
 * metadata when missing, which marks the notebook unsaved. `sharedModel.toJSON()` only reads.
 */
export function checkPayload<T extends INotebookJson>(shared: INotebookSource<T>): T {
  return withoutOutputs(shared.toJSON());
}
