/**
 * A `%promote` output (`application/vnd.jupyter-promote.promotion+json`) applied to a real open
 * notebook (`YNotebook`, whose `dirty` is the tab's unsaved dot): its settings become
 * `metadata.jupyter_promote.promotion` only when the output is live, the path is the notebook's
 * and the value differs.
 */
import { describe, expect, it } from 'vitest';

import { IOutputCell, METADATA_KEY } from '../src/metadata';
import { APPLIED_NOTE, applyPromotion, IOpenNotebook, isPromotionOutput, promotionNote } from '../src/promotion';
import { codeCell, openNotebook } from './fixtures';

const settings = { name: 'daily-sales', owner: 'ann', schedule: '0 6 * * *', tier: 'normal' };
const expectations = { clean: { loans: { name: 'clean.loans', expectations: [] } } };
const payload = { notebook: '/root/proj/reports/sales.ipynb', promotion: settings };

const outputsOf = (...models: object[]) => ({ length: models.length, get: (i: number) => models[i] });
const live = { data: 'just arrived' };
const saved = { data: 'saved output' };

/** The cells of the notebook: one that ran %promote before (idle), one running it now. */
const cells = (): IOutputCell[] => [
  { type: 'markdown' },
  { type: 'code', executionState: 'idle', outputs: outputsOf(saved) },
  { type: 'code', executionState: 'running', outputs: outputsOf(live) }
];

function open(path: string, metadata: Record<string, unknown>, extra: Partial<IOpenNotebook> = {}) {
  const { notebook, updates } = openNotebook([codeCell('c1', '%promote')], metadata);
  const view: IOpenNotebook = { path, cells: cells(), metadata: notebook, kernelBusy: true, ...extra };
  return { notebook, updates, view };
}

describe('a live %promote output', () => {
  it('puts the settings into the matching open notebook, keeping the other keys', () => {
    const other = open('other.ipynb', {});
    const namespace = { expectations, promotion: { name: 'old' } };
    const sales = open('reports/sales.ipynb', { [METADATA_KEY]: namespace });
    const applied = applyPromotion([other.view, sales.view], payload, live);
    expect(applied).toEqual({ outcome: 'applied', notebook: payload.notebook });
    expect(sales.notebook.getMetadata(METADATA_KEY)).toEqual({
      schema_version: 1,
      expectations,
      promotion: settings
    });
    expect(sales.notebook.dirty).toBe(true);
    expect(other.updates()).toBe(0);
    expect(promotionNote(applied)).toEqual({ text: APPLIED_NOTE, applied: true });
  });

  it('keeps the schema_version the namespace has', () => {
    const sales = open('reports/sales.ipynb', { [METADATA_KEY]: { schema_version: 2 } });
    applyPromotion([sales.view], payload, live);
    expect(sales.notebook.getMetadata(METADATA_KEY)).toEqual({ schema_version: 2, promotion: settings });
  });

  it('goes to the matching notebook whose cell holds it when two paths match', () => {
    const elsewhere = open('sales.ipynb', {}, { cells: [] });
    const sales = open('reports/sales.ipynb', {});
    expect(applyPromotion([elsewhere.view, sales.view], payload, live).outcome).toBe('applied');
    expect(elsewhere.updates()).toBe(0);
    expect(sales.notebook.getMetadata(METADATA_KEY)).toEqual({ schema_version: 1, promotion: settings });
  });

  it('in the form (an ipywidgets Output, which no cell holds) applies while the kernel is busy', () => {
    const widgetOutput = { data: 'in the form' };
    const busy = open('reports/sales.ipynb', {});
    expect(applyPromotion([busy.view], payload, widgetOutput).outcome).toBe('applied');
    const idle = open('reports/sales.ipynb', {}, { kernelBusy: false });
    expect(applyPromotion([idle.view], payload, widgetOutput).outcome).toBe('not-live');
    expect(idle.updates()).toBe(0);
  });

  it('in the form goes to the matching notebook whose kernel is busy when two paths match', () => {
    const idle = open('sales.ipynb', {}, { kernelBusy: false });
    const busy = open('reports/sales.ipynb', {});
    expect(applyPromotion([idle.view, busy.view], payload, { data: 'in the form' }).outcome).toBe('applied');
    expect(idle.updates()).toBe(0);
    expect(busy.notebook.getMetadata(METADATA_KEY)).toEqual({ schema_version: 1, promotion: settings });
  });

  it('matches a path relative to the notebook directory', () => {
    const sales = open('reports/sales.ipynb', {});
    expect(applyPromotion([sales.view], { ...payload, notebook: 'sales.ipynb' }, live).outcome).toBe('applied');
  });
});

describe('a %promote output changes nothing', () => {
  it('when it is a saved output drawn again (its cell is not running), even with the kernel busy', () => {
    const sales = open('reports/sales.ipynb', { [METADATA_KEY]: { expectations } });
    const applied = applyPromotion([sales.view], payload, saved);
    expect(applied.outcome).toBe('not-live');
    expect(promotionNote(applied)).toBeNull();
    expect(sales.updates()).toBe(0);
    expect(sales.notebook.dirty).toBe(false);
  });

  it('when no open notebook is the one it promoted', () => {
    const other = open('reports/other.ipynb', { [METADATA_KEY]: { expectations } });
    const applied = applyPromotion([other.view], payload, live);
    expect(applied).toEqual({ outcome: 'not-open', notebook: payload.notebook });
    expect(other.updates()).toBe(0);
    expect(other.notebook.dirty).toBe(false);
    expect(promotionNote(applied)).toEqual({
      text:
        'The promotion settings were not kept: /root/proj/reports/sales.ipynb is not open in this ' +
        'JupyterLab. Open it, run %promote again and save it to keep them for next time.',
      applied: false
    });
    expect(applyPromotion([], payload, live).outcome).toBe('not-open');
    // a saved output of a notebook renamed since says nothing
    expect(applyPromotion([other.view], payload, saved).outcome).toBe('not-live');
  });

  it('when the notebook already has the same settings (key order aside)', () => {
    const reordered = Object.fromEntries(Object.entries(settings).reverse());
    const sales = open('reports/sales.ipynb', { [METADATA_KEY]: { promotion: reordered, schema_version: 1 } });
    const applied = applyPromotion([sales.view], payload, live);
    expect(applied.outcome).toBe('unchanged');
    expect(promotionNote(applied)?.applied).toBe(true);
    expect(sales.updates()).toBe(0);
    expect(sales.notebook.dirty).toBe(false);
  });

  it('when the payload has no notebook path or settings object', () => {
    expect(isPromotionOutput(payload)).toBe(true);
    const sales = open('reports/sales.ipynb', {});
    const bad = [
      undefined,
      null,
      {},
      { notebook: '', promotion: settings },
      { notebook: 'a.ipynb' },
      { notebook: 'a.ipynb', promotion: [] }
    ];
    for (const given of bad) {
      expect(isPromotionOutput(given)).toBe(false);
      expect(applyPromotion([sales.view], given, live).outcome).toBe('invalid');
    }
    expect(promotionNote(applyPromotion([sales.view], { notebook: 'a.ipynb' }, live))?.applied).toBe(false);
    expect(sales.updates()).toBe(0);
  });
});
