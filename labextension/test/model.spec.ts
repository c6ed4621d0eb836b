import { describe, expect, it } from 'vitest';

import { PromoteApi } from '../src/api';
import { IResultStore, PromoteModel, resultsKey } from '../src/model';
import { LastResults } from '../src/results';
import { codeCell, markdownCell, openNotebook, resultRow as row, sampleSpec } from './fixtures';

/** JupyterLab's state database, kept in memory (it stores JSON, so values are copied). */
class MemoryStore implements IResultStore {
  values = new Map<string, string>();
  async fetch(id: string): Promise<unknown> {
    const text = this.values.get(id);
    return text === undefined ? undefined : JSON.parse(text);
  }
  async save(id: string, value: LastResults): Promise<void> {
    this.values.set(id, JSON.stringify(value));
  }
}

/** Let pending promise callbacks (the store's saves) run. */
const flush = () => new Promise(resolve => setTimeout(resolve, 0));

const api = new PromoteApi({ baseUrl: 'http://127.0.0.1:1/' } as never);

describe('last results outlive the page', () => {
  it('saves what is recorded and a new page restores it', async () => {
    const store = new MemoryStore();
    const first = new PromoteModel(api, store);
    first.recordResults('a.ipynb', [row('id unique', false)], 'live');
    await flush();
    expect([...store.values.keys()]).toEqual([resultsKey('a.ipynb')]);

    const second = new PromoteModel(api, store);
    expect(second.results('a.ipynb')).toEqual({});
    await second.restoreResults('a.ipynb');
    const [restored] = Object.values(second.results('a.ipynb'));
    expect(restored.row.success).toBe(false);
    expect(restored.source).toBe('live');
  });

  it('merges a result received before the restore with the ones kept', async () => {
    const store = new MemoryStore();
    const old = new PromoteModel(api, store);
    old.recordResults('a.ipynb', [row('id unique', false), row('id not null', true)], 'dry-run');
    await flush();
    const stored = JSON.parse(store.values.get(resultsKey('a.ipynb'))!);
    for (const value of Object.values(stored) as { at: number }[]) {
      value.at -= 60_000; // kept from a page a minute ago
    }
    store.values.set(resultsKey('a.ipynb'), JSON.stringify(stored));

    const page = new PromoteModel(api, store);
    page.recordResults('a.ipynb', [row('id unique', true)], 'live'); // before any restore
    await page.restoreResults('a.ipynb');
    await flush();
    const byText = (results: LastResults) =>
      Object.fromEntries(Object.values(results).map(r => [r.row.expectation, r.source]));
    expect(byText(page.results('a.ipynb'))).toEqual({ 'id unique': 'live', 'id not null': 'dry-run' });
    const saved = JSON.parse(store.values.get(resultsKey('a.ipynb'))!) as LastResults;
    expect(byText(saved)).toEqual({ 'id unique': 'live', 'id not null': 'dry-run' });
  });

  it('works without a store and ignores what is not results', async () => {
    const bare = new PromoteModel(api);
    await bare.restoreResults('a.ipynb');
    expect(bare.results('a.ipynb')).toEqual({});
    const store = new MemoryStore();
    store.values.set(resultsKey('b.ipynb'), '"garbage"');
    const model = new PromoteModel(api, store);
    await model.restoreResults('b.ipynb');
    expect(model.results('b.ipynb')).toEqual({});
  });
});

describe('the panel and the open notebook', () => {
  const outputs = [{ output_type: 'stream', name: 'stdout', text: 'big\n'.repeat(1000) }];
  const open = () => {
    const { notebook, updates } = openNotebook([
      markdownCell('m0', '# Load the data'),
      codeCell('c1', 'df = load()', [], outputs),
      markdownCell('m2', '# Clean it'),
      codeCell('c3', 'df = clean(df)')
    ]);
    const sent: unknown[] = [];
    const fakeApi = {
      check: async (path: string, nb: unknown) => {
        sent.push({ path, nb });
        return { ...sampleSpec(), steps: [], suggested_steps: suggestions };
      }
    } as unknown as PromoteApi;
    const model = new PromoteModel(fakeApi);
    // a NotebookPanel as the model reads it: the path and the model's shared model
    model.notebook = { context: { path: 'a.ipynb' }, model: { sharedModel: notebook } } as never;
    return { model, notebook, updates, sent };
  };
  const suggestions = [
    { cell_index: 1, cell_id: 'c1', name: 'load', heading: 'Load the data', tag: 'step:load' },
    { cell_index: 3, cell_id: 'c3', name: 'clean', heading: 'Clean it', tag: 'step:clean' }
  ];

  it('checks with the open notebook without outputs, and leaves it untouched', async () => {
    const { model, notebook, updates, sent } = open();
    await model.check();
    expect(sent).toHaveLength(1);
    const { path, nb } = sent[0] as { path: string; nb: { cells: { outputs?: unknown[] }[] } };
    expect(path).toBe('a.ipynb');
    expect(nb.cells[1].outputs).toEqual([]);
    expect(updates()).toBe(0);
    expect(notebook.dirty).toBe(false);
    expect(model.suggestedSteps.map(s => s.name)).toEqual(['load', 'clean']);
  });

  it('tags the steps the last check suggests and keeps the report for the panel', async () => {
    const { model, notebook } = open();
    expect(model.suggestedSteps).toEqual([]); // no check yet
    await model.check();
    let emitted = 0;
    model.changed.connect(() => emitted++);
    const report = model.tagStepsFromHeadings();
    expect(report?.message).toBe('Tagged 2 steps: load, clean.');
    expect(model.tagReport).toBe(report);
    expect(emitted).toBe(1);
    expect(notebook.getCell(1).getMetadata('tags')).toEqual(['step:load']);
    expect(notebook.getCell(3).getMetadata('tags')).toEqual(['step:clean']);
  });

  it('reads a check answer of an older server (no suggested_steps) as none', () => {
    const model = new PromoteModel(api);
    model.spec = sampleSpec();
    expect(model.suggestedSteps).toEqual([]);
    expect(model.tagStepsFromHeadings()).toBeNull(); // no notebook open
  });
});
