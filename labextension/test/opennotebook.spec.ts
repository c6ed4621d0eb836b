/**
 * What the panel writes into the open notebook: only on a user action (a promotion's settings,
 * an expectation change, a live %expect output) and only when the value differs. Opening a
 * notebook, drawing its saved outputs or re-setting an equal value changes nothing.
 */
import { describe, expect, it } from 'vitest';

import { isLiveOutput, METADATA_KEY, rememberPromotion, setPromoteMetadata, withPromotion } from '../src/metadata';
import { codeCell, openNotebook } from './fixtures';

const settings = { name: 'daily-sales', owner: 'ann', schedule: '0 6 * * *', tier: 'normal' };
const expectations = { clean: { loans: { name: 'clean.loans', expectations: [] } } };

describe('the promotion kept in the open notebook', () => {
  it('keeps every other key and adds schema_version only when missing', () => {
    expect(withPromotion({}, settings)).toEqual({ schema_version: 1, promotion: settings });
    expect(withPromotion({ schema_version: 2, expectations, other: 'x' }, settings)).toEqual({
      schema_version: 2,
      expectations,
      other: 'x',
      promotion: settings
    });
    expect(withPromotion({ promotion: { name: 'old' } }, settings).promotion).toEqual(settings);
  });

  it('goes into the model, so the next save writes it, and the other metadata stays', () => {
    const { notebook } = openNotebook([codeCell('c1', 'x = 1')], {
      kernelspec: { name: 'python3', display_name: 'Python 3' },
      [METADATA_KEY]: { expectations }
    });
    expect(rememberPromotion(notebook, settings)).toBe(true);
    expect(notebook.dirty).toBe(true);
    expect(notebook.getMetadata(METADATA_KEY)).toEqual({ schema_version: 1, expectations, promotion: settings });
    expect(notebook.getMetadata('kernelspec')).toEqual({ name: 'python3', display_name: 'Python 3' });
  });

  it('changes nothing when the notebook already has the same settings (key order aside)', () => {
    const reordered = Object.fromEntries(Object.entries(settings).reverse());
    const { notebook, updates } = openNotebook([codeCell('c1', 'x = 1')], {
      [METADATA_KEY]: { promotion: reordered, schema_version: 1 }
    });
    expect(rememberPromotion(notebook, settings)).toBe(false);
    expect(setPromoteMetadata(notebook, { schema_version: 1, promotion: settings })).toBe(false);
    expect(updates()).toBe(0);
    expect(notebook.dirty).toBe(false);
  });
});

describe('a %expect output drawn on open does not touch the model', () => {
  const outputsOf = (...models: object[]) => ({ length: models.length, get: (i: number) => models[i] });
  const saved = { data: 'saved output' };
  const live = { data: 'just arrived' };

  it('is live only when its own cell is running', () => {
    const cells = [
      { type: 'markdown' },
      { type: 'code', executionState: 'idle', outputs: outputsOf(saved) },
      { type: 'code', executionState: 'running', outputs: outputsOf({ data: 'other' }, live) }
    ];
    expect(isLiveOutput(cells, live, true)).toBe(true);
    // the kernel is busy (starting, or running the lab marker), the saved output is still old
    expect(isLiveOutput(cells, saved, true)).toBe(false);
    expect(isLiveOutput(cells, saved, false)).toBe(false);
  });

  it('falls back to the kernel being busy for an output no cell holds (a console)', () => {
    const cells = [{ type: 'code', executionState: 'idle', outputs: outputsOf(saved) }];
    expect(isLiveOutput(cells, { data: 'console' }, true)).toBe(true);
    expect(isLiveOutput(cells, { data: 'console' }, false)).toBe(false);
    expect(isLiveOutput([], null, false)).toBe(false);
  });
});
