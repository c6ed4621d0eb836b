import { describe, expect, it } from 'vitest';

import { jobRequest, rememberedSettings } from '../src/jobs';
import { IJob } from '../src/types';

const settings = { name: 'daily-sales', owner: 'ann' };

const job = (extra: Partial<IJob>): IJob => ({
  id: 'j1',
  kind: 'promote',
  path: 'sales.ipynb',
  state: 'succeeded',
  events: [],
  result: null,
  error: null,
  ...extra
});

describe('job requests', () => {
  it('asks a promotion to leave the notebook file alone', () => {
    expect(jobRequest('promote', 'a.ipynb', settings)).toEqual({
      kind: 'promote',
      path: 'a.ipynb',
      settings,
      remember_in_file: false
    });
    expect(jobRequest('dry-run', 'a.ipynb', settings)).toEqual({
      kind: 'dry-run',
      path: 'a.ipynb',
      settings,
      dry_run: true
    });
  });
});

describe('settings a promotion asks to keep', () => {
  const remember = { ...settings, schedule: '0 6 * * *', tier: 'normal' };

  it('are the object of a succeeded promotion', () => {
    expect(rememberedSettings(job({ result: { name: 'daily-sales', remember } }))).toEqual(remember);
  });

  it('are none for null, a missing field, a failed job, a dry run or a non-object', () => {
    expect(rememberedSettings(job({ result: { remember: null } }))).toBeNull();
    expect(rememberedSettings(job({ result: { name: 'x' } }))).toBeNull();
    expect(rememberedSettings(job({ result: null }))).toBeNull();
    expect(rememberedSettings(job({ state: 'failed', result: { remember } }))).toBeNull();
    expect(rememberedSettings(job({ state: 'running', result: { remember } }))).toBeNull();
    expect(rememberedSettings(job({ kind: 'dry-run', result: { remember } }))).toBeNull();
    expect(rememberedSettings(job({ result: { remember: ['x'] as never } }))).toBeNull();
  });
});
