import { describe, expect, it } from 'vitest';

import { PromoteApi } from '../src/api';
import { IResultStore, PromoteModel, resultsKey } from '../src/model';
import { LastResults } from '../src/results';
import { resultRow as row } from './fixtures';

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
