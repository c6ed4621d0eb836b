/**
 * The "last result" of each recorded expectation: rows from a live check ("Check now"), from a
 * `%expect` output or from a dry run, matched to the panel's expectations by step, variable and
 * the expectation's text (`ExpectationConfig.describe()`); the newest result wins.
 */
import { parsePyReprJson } from './metadata';
import { ICheckResultRow, IExpectationEntry, IJob } from './types';

export type ResultSource = 'live' | 'expect' | 'dry-run';

/** A result row with where it came from and when the panel received it (epoch ms). */
export interface ILastResult {
  row: ICheckResultRow;
  source: ResultSource;
  at: number;
}

/** Last results of one notebook, by {@link resultKey}. */
export type LastResults = Readonly<Record<string, ILastResult>>;

const SOURCE_WORDS: Record<ResultSource, string> = {
  live: 'live check',
  expect: '%expect',
  'dry-run': 'dry run'
};

/** The key that ties a result to an expectation: step, variable and describe() text. */
export function resultKey(step: string | null, variable: string, expectation: string): string {
  return [step ?? '', variable, expectation].join('\u0000');
}

/**
 * `results` with `rows` merged in, each replacing the result of its expectation unless that one
 * is newer. Rows without a step (a `%expect` without `--step` reports none) take `step`.
 */
export function mergeResults(
  results: LastResults,
  rows: readonly ICheckResultRow[],
  source: ResultSource,
  at: number,
  step: string | null = null
): LastResults {
  const merged: Record<string, ILastResult> = { ...results };
  for (const row of rows) {
    const filled = row.step ? row : { ...row, step };
    const key = resultKey(filled.step, filled.variable, filled.expectation);
    const had = merged[key];
    if (!had || had.at <= at) {
      merged[key] = { row: filled, source, at };
    }
  }
  return merged;
}

/** The last result of a recorded expectation, or null when none is known. */
export function resultFor(results: LastResults, entry: IExpectationEntry): ILastResult | null {
  return results[resultKey(entry.step, entry.variable, entry.text)] ?? null;
}

/** "live check 12:03", "%expect 12:05", "dry run 12:10" (local time, 24 h). */
export function sourceLabel(result: ILastResult): string {
  const time = new Date(result.at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${SOURCE_WORDS[result.source]} ${two(time.getHours())}:${two(time.getMinutes())}`;
}

/** The quality rows of a finished dry-run job (succeeded or failed), else null. */
export function dryRunQuality(job: IJob): ICheckResultRow[] | null {
  const finished = job.state === 'succeeded' || job.state === 'failed';
  const rows = job.result?.quality;
  return job.kind === 'dry-run' && finished && Array.isArray(rows) ? rows.filter(isRow) : null;
}

/** What the panel sends the kernel to check: the entries' step, variable, type, kwargs, level. */
export function checkRequest(entries: readonly IExpectationEntry[]): string {
  return JSON.stringify(
    entries.map(e => ({ step: e.step, variable: e.variable, type: e.type, kwargs: e.kwargs, level: e.level }))
  );
}

/**
 * The Python expression (for `user_expressions`) that checks `entries` in the kernel. The
 * request travels as a JSON string literal, which Python reads as the same string.
 */
export function checkExpression(entries: readonly IExpectationEntry[]): string {
  const literal = JSON.stringify(checkRequest(entries));
  return (
    "__import__('jupyter_promote.frontends.ipython.panel_kernel', fromlist=['check_json'])" +
    `.check_json(get_ipython().user_ns, ${literal})`
  );
}

/** One `user_expressions` answer as the kernel sends it. */
export interface IUserExpression {
  status: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

/**
 * The rows of a "Check now" answer: `application/json` when the kernel sent it, else the repr
 * in `text/plain`. Throws an Error saying what went wrong (jupyter-promote missing, ...).
 */
export function parseCheckAnswer(answer: IUserExpression | undefined): ICheckResultRow[] {
  if (!answer) {
    throw new Error('the kernel gave no answer');
  }
  if (answer.status !== 'ok') {
    const missing = answer.ename === 'ModuleNotFoundError';
    throw new Error(
      missing
        ? "jupyter-promote is not installed in this notebook's kernel environment"
        : `the kernel could not check: ${answer.ename ?? 'error'}: ${answer.evalue ?? ''}`
    );
  }
  const json = answer.data?.['application/json'];
  const value = json !== undefined ? json : parsePyReprJson(String(answer.data?.['text/plain'] ?? ''));
  if (!Array.isArray(value)) {
    throw new Error('the kernel answered something other than a list of results');
  }
  return value.filter(isRow);
}

function isRow(value: unknown): value is ICheckResultRow {
  const row = value as Partial<ICheckResultRow> | null;
  return (
    !!row &&
    typeof row === 'object' &&
    typeof row.variable === 'string' &&
    typeof row.expectation === 'string' &&
    typeof row.success === 'boolean'
  );
}
