/**
 * The promote form: what the inputs hold (strings) and the PromotionSettings sent to the server.
 */
import { Collision, IProblem, IPromoteDefaults, IPromotionSettings, Tier } from './types';

export type ScheduleKind = 'cron' | 'interval' | 'none';

export interface IFormState {
  name: string;
  owner: string;
  team: string;
  scheduleKind: ScheduleKind;
  schedule: string;
  intervalSeconds: string;
  timezone: string;
  sla: string;
  tier: Tier;
  consumers: string;
  workPool: string;
  concurrency: string;
  onCollision: Collision;
}

/** User settings (settings editor) that fill the form of a notebook promoted for the first time. */
export interface IUserDefaults {
  workPool: string;
  timezone: string;
}

export const TIERS: Tier[] = ['critical', 'high', 'normal', 'low'];
export const COLLISIONS: Collision[] = ['enqueue', 'cancel-new'];

export const EMPTY_FORM: IFormState = {
  name: '',
  owner: '',
  team: '',
  scheduleKind: 'cron',
  schedule: '',
  intervalSeconds: '',
  timezone: 'UTC',
  sla: '',
  tier: 'normal',
  consumers: '',
  workPool: '',
  concurrency: '1',
  onCollision: 'enqueue'
};

/** Comma list to items: trimmed, empties dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
}

/**
 * A number box's integer: null when empty (the server's default), 0 when unreadable (which the
 * server's validation reports next to the field).
 */
function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed === '' ? null : Number.isFinite(value) ? Math.trunc(value) : 0;
}

/** The settings the form describes, as `promote/preview` and `jobs` take them. */
export function formToSettings(form: IFormState): IPromotionSettings {
  const settings: IPromotionSettings = {
    name: form.name.trim(),
    owner: form.owner.trim(),
    team: form.team.trim(),
    schedule: null,
    interval_seconds: null,
    timezone: form.timezone.trim() || 'UTC',
    sla: form.sla.trim() || null,
    tier: form.tier,
    consumers: splitList(form.consumers),
    concurrency: wholeNumber(form.concurrency),
    on_collision: form.onCollision
  };
  if (form.scheduleKind === 'cron') {
    settings.schedule = form.schedule.trim() || null;
  } else if (form.scheduleKind === 'interval') {
    settings.interval_seconds = wholeNumber(form.intervalSeconds);
  }
  if (form.workPool.trim()) {
    settings.work_pool = form.workPool.trim();
  }
  return settings;
}

/** The form showing saved (or default) settings. */
export function settingsToForm(settings: Partial<IPromotionSettings>): IFormState {
  const interval = settings.interval_seconds;
  return {
    name: settings.name ?? '',
    owner: settings.owner ?? '',
    team: settings.team ?? '',
    scheduleKind: settings.schedule ? 'cron' : interval ? 'interval' : 'cron',
    schedule: settings.schedule ?? '',
    intervalSeconds: interval ? String(interval) : '',
    timezone: settings.timezone || 'UTC',
    sla: settings.sla ?? '',
    tier: TIERS.includes(settings.tier as Tier) ? (settings.tier as Tier) : 'normal',
    consumers: (settings.consumers ?? []).join(', '),
    workPool: settings.work_pool ?? '',
    concurrency: String(settings.concurrency ?? 1),
    onCollision: COLLISIONS.includes(settings.on_collision as Collision) ? (settings.on_collision as Collision) : 'enqueue'
  };
}

/**
 * The initial form: the server's defaults; for a notebook never promoted, the user's settings
 * (work pool, timezone) replace the server's generic ones.
 */
export function initialForm(defaults: IPromoteDefaults, user: IUserDefaults): IFormState {
  const form = settingsToForm(defaults.settings);
  if (defaults.source === 'new') {
    if (user.workPool) {
      form.workPool = user.workPool;
    }
    if (user.timezone) {
      form.timezone = user.timezone;
    }
  }
  return form;
}

const FIELD_OF: Record<string, keyof IFormState> = {
  name: 'name',
  owner: 'owner',
  team: 'team',
  schedule: 'schedule',
  interval_seconds: 'intervalSeconds',
  timezone: 'timezone',
  sla: 'sla',
  tier: 'tier',
  consumers: 'consumers',
  work_pool: 'workPool',
  concurrency: 'concurrency',
  on_collision: 'onCollision'
};

/** Preview problems per form field; those of no field (or an unknown one) under `general`. */
export function problemsByField(problems: readonly IProblem[]): {
  fields: Partial<Record<keyof IFormState, string[]>>;
  general: string[];
} {
  const fields: Partial<Record<keyof IFormState, string[]>> = {};
  const general: string[] = [];
  for (const problem of problems) {
    const key = problem.field ? FIELD_OF[problem.field.split('.')[0]] : undefined;
    if (key) {
      (fields[key] ??= []).push(problem.message);
    } else {
      general.push(problem.field ? `${problem.field}: ${problem.message}` : problem.message);
    }
  }
  return { fields, general };
}
