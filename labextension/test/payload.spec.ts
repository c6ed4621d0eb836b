import { describe, expect, it } from 'vitest';

import { checkPayload, withoutOutputs } from '../src/payload';
import { codeCell, markdownCell, openNotebook } from './fixtures';

const bigOutput = { output_type: 'stream', name: 'stdout', text: 'x'.repeat(100_000) };
const image = { output_type: 'display_data', data: { 'image/png': 'iVBOR' }, metadata: {} };

describe('the notebook a check request sends', () => {
  it('has no outputs nor execution counts, and keeps everything else', () => {
    const nb = {
      metadata: { kernelspec: { name: 'python3' }, jupyter_promote: { schema_version: 1 } },
      nbformat: 4,
      nbformat_minor: 5,
      cells: [
        markdownCell('m1', '# Load'),
        { ...codeCell('c1', 'df = load()', ['step:load'], [bigOutput, image]), execution_count: 7 },
        codeCell('c2', 'x = 1')
      ]
    };
    const sent = withoutOutputs(nb);
    expect(sent.cells[1]).toEqual({
      cell_type: 'code',
      id: 'c1',
      source: 'df = load()',
      metadata: { tags: ['step:load'] },
      outputs: [],
      execution_count: null
    });
    expect(sent.cells[0]).toEqual(nb.cells[0]);
    expect(sent.cells[2]).toEqual({ ...nb.cells[2], outputs: [], execution_count: null });
    expect(sent.metadata).toEqual(nb.metadata);
    // the model's own JSON is not changed
    expect(nb.cells[1].outputs).toHaveLength(2);
    expect(nb.cells[1].execution_count).toBe(7);
    expect(JSON.stringify(sent).length).toBeLessThan(1000);
  });

  it('is read from the open shared model without touching it (no change, not marked unsaved)', () => {
    const { notebook, updates } = openNotebook(
      [markdownCell('m1', '# Load'), codeCell('c1', 'df = load()', ['step:load'], [bigOutput])],
      { jupyter_promote: { schema_version: 1 } } // no kernelspec nor language_info
    );
    expect(notebook.dirty).toBe(false);
    const sent = checkPayload(notebook);
    expect(sent.cells.map(c => c.cell_type)).toEqual(['markdown', 'code']);
    expect((sent.cells[1] as { outputs: unknown[] }).outputs).toEqual([]);
    expect(sent.cells[1].metadata).toEqual({ tags: ['step:load'] });
    expect(sent.cells[1].id).toBe('c1');
    // NotebookModel.toJSON() would have added kernelspec and language_info here
    expect(Object.keys(sent.metadata)).toEqual(['jupyter_promote']);
    expect(notebook.dirty).toBe(false);
    expect(updates()).toBe(0);
    expect(notebook.getCell(1).toJSON()).toMatchObject({ outputs: [bigOutput] });
  });
});
