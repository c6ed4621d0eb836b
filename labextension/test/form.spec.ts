import { describe, expect, it } from 'vitest';

import { EMPTY_FORM, formToSettings, initialForm, problemsByField, settingsToForm, splitList } from '../src/form';
import { runJob } from '../src/jobs';
import { PromoteApi } from '../src/api';
import { IJob } from '../src/types';

describe('promote form', () => {
  it('turns the form into PromotionSettings', () => {
    const settings = formToSettings({
      ...EMPTY_FORM,
      name: ' daily-sales ',
      owner: 'ana@example.com',
      team: 'finance',
      schedule: '0 6 * * 1-5',
      timezone: 'Europe/London',
      sla: '17:00',
      tier: 'high',
      consumers: 'report, , risk-team ',
      workPool: 'pool-a',
      concurrency: ' 2 ',
      onCollision: 'cancel-new'
    });
    expect(settings).toEqual({
      name: 'daily-sales',
      owner: 'ana@example.com',
      team: 'finance',
      schedule: '0 6 * * 1-5',
      interval_seconds: null,
      timezone: 'Europe/London',
      sla: '17:00',
      tier: 'high',
      consumers: ['report', 'risk-team'],
      concurrency: 2,
      on_collision: 'cancel-new',
      work_pool: 'pool-a'
    });
  });

  it('sends an empty concurrency as null (the default) and an unreadable one as 0', () => {
    const base = { ...EMPTY_FORM, name: 'a', owner: 'b' };
    expect(formToSettings(base).concurrency).toBe(1);
    expect(formToSettings({ ...base, concurrency: ' ' }).concurrency).toBeNull();
    expect(formToSettings({ ...base, concurrency: 'two' }).concurrency).toBe(0);
    expect(settingsToForm({ name: 'a', owner: 'b' })).toMatchObject({ concurrency: '1', onCollision: 'enqueue' });
    expect(settingsToForm({ name: 'a', owner: 'b', concurrency: 3, on_collision: 'cancel-new' })).toMatchObject({
      concurrency: '3',
      onCollision: 'cancel-new'
    });
  });

  it('sends an interval instead of a cron, or neither', () => {
    const base = { ...EMPTY_FORM, name: 'a', owner: 'b', schedule: '0 6 * * *' };
    const interval = formToSettings({ ...base, scheduleKind: 'interval', intervalSeconds: '3600' });
    expect([interval.schedule, interval.interval_seconds]).toEqual([null, 3600]);
    expect(formToSettings({ ...base, scheduleKind: 'interval', intervalSeconds: 'soon' }).interval_seconds).toBe(0);
    const none = formToSettings({ ...base, scheduleKind: 'none' });
    expect([none.schedule, none.interval_seconds, none.sla, none.work_pool]).toEqual([null, null, null, undefined]);
  });

  it('round-trips saved settings', () => {
    const saved = {
      name: 'daily-sales',
      owner: 'ana',
      team: 't',
      schedule: null,
      interval_seconds: 600,
      timezone: 'UTC',
      sla: null,
      tier: 'low' as const,
      consumers: ['x', 'y'],
      concurrency: 4,
      on_collision: 'enqueue' as const,
      work_pool: 'p'
    };
    const form = settingsToForm(saved);
    expect(form.scheduleKind).toBe('interval');
    expect(form.consumers).toBe('x, y');
    expect(formToSettings(form)).toEqual(saved);
    expect(splitList(' a,b ,,c')).toEqual(['a', 'b', 'c']);
  });

  it('uses the user settings only for a notebook never promoted', () => {
    const user = { workPool: 'my-pool', timezone: 'Europe/Paris' };
    const settings = { name: 'n', owner: 'o', timezone: 'UTC', work_pool: 'jupyter-promote' };
    const fresh = initialForm({ settings, source: 'new' }, user);
    expect([fresh.workPool, fresh.timezone, fresh.owner]).toEqual(['my-pool', 'Europe/Paris', 'o']);
    const again = initialForm({ settings, source: 'notebook' }, user);
    expect([again.workPool, again.timezone]).toEqual(['jupyter-promote', 'UTC']);
  });

  it('puts preview problems next to their fields', () => {
    const { fields, general } = problemsByField([
      { field: 'schedule', message: 'bad cron' },
      { field: 'interval_seconds', message: 'must be positive' },
      { field: 'owner', message: 'is required' },
      { field: 'reads', message: 'odd' },
      { field: 'concurrency', message: 'write 1 or more' },
      { field: 'on_collision', message: 'not one of enqueue, cancel-new' },
      { field: null, message: 'choose a schedule or an interval' }
    ]);
    expect(fields).toEqual({
      schedule: ['bad cron'],
      intervalSeconds: ['must be positive'],
      owner: ['is required'],
      concurrency: ['write 1 or more'],
      onCollision: ['not one of enqueue, cancel-new']
    });
    expect(general).toEqual(['reads: odd', 'choose a schedule or an interval']);
  });
});

describe('runJob', () => {
  it('starts the job and polls until it ends, reporting every state', async () => {
    const job = (state: IJob['state'], n: number): IJob => ({
      id: 'j1',
      kind: 'promote',
      path: 'a.ipynb',
      state,
      events: Array.from({ length: n }, (_, i) => ({ time: '', step: null, state: 'running', message: `e${i}` })),
      result: null,
      error: null
    });
    const answers = [job('running', 1), job('succeeded', 2)];
    const polled: string[] = [];
    const api = {
      startJob: async () => job('queued', 0),
      job: async (id: string) => {
        polled.push(id);
        return answers.shift()!;
      }
    } as unknown as PromoteApi;
    const seen: string[] = [];
    const sleeps: number[] = [];
    const final = await runJob(api, { kind: 'promote', path: 'a.ipynb' }, j => seen.push(j.state), {
      sleep: async ms => void sleeps.push(ms)
    });
    expect(final.state).toBe('succeeded');
    expect(final.events).toHaveLength(2);
    expect(seen).toEqual(['queued', 'running', 'succeeded']);
    expect(polled).toEqual(['j1', 'j1']);
    expect(sleeps).toEqual([500, 500]);
  });
});
