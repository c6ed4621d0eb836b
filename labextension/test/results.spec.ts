import { describe, expect, it } from 'vitest';

import { parsePyReprJson } from '../src/metadata';
import {
  checkExpression,
  checkRequest,
  dryRunQuality,
  mergeResults,
  parseCheckAnswer,
  resultFor,
  resultKey,
  sourceLabel
} from '../src/results';
import { IJob } from '../src/types';
import { resultRow as row, sampleSpec } from './fixtures';


const entries = sampleSpec().expectations;
const idUnique = entries.find(e => e.text === 'id unique')!;
const amountNotNull = entries.find(e => e.text === 'amount not null')!;
const at = (hh: number, mm: number) => new Date(2025, 0, 2, hh, mm).getTime();

describe('last results', () => {
  it('match an expectation by step, variable and describe text', () => {
    const results = mergeResults({}, [row('id unique', false)], 'live', at(12, 3));
    expect(resultFor(results, idUnique)?.row.observed).toBe('2 duplicate values: 3, 3');
    expect(resultFor(results, amountNotNull)).toBeNull();
    const otherStep = mergeResults({}, [row('id unique', false, { step: 'load' })], 'live', at(12, 3));
    expect(resultFor(otherStep, idUnique)).toBeNull();
  });

  it('keep the newest result of each expectation, whatever its source', () => {
    let results = mergeResults({}, [row('id unique', false), row('amount not null', true)], 'dry-run', at(12, 0));
    results = mergeResults(results, [row('id unique', true)], 'expect', at(12, 5));
    expect(resultFor(results, idUnique)).toMatchObject({ source: 'expect', row: { success: true } });
    expect(resultFor(results, amountNotNull)).toMatchObject({ source: 'dry-run', row: { success: true } });
    // an answer that arrives late but is older does not replace a newer one
    results = mergeResults(results, [row('id unique', false)], 'live', at(11, 59));
    expect(resultFor(results, idUnique)?.source).toBe('expect');
    results = mergeResults(results, [row('id unique', false)], 'live', at(12, 5));
    expect(resultFor(results, idUnique)?.source).toBe('live');
  });

  it('give rows without a step (plain %expect) the step of the output', () => {
    const results = mergeResults({}, [row('id unique', true, { step: null })], 'expect', at(9, 0), 'clean');
    expect(resultFor(results, idUnique)?.row.step).toBe('clean');
    expect(Object.keys(results)).toEqual([resultKey('clean', 'loans', 'id unique')]);
  });

  it('say where a result came from and when', () => {
    const label = (source: 'live' | 'expect' | 'dry-run') =>
      sourceLabel({ row: row('id unique', true), source, at: at(12, 3) });
    expect([label('live'), label('expect'), label('dry-run')]).toEqual([
      'live check 12:03',
      '%expect 12:03',
      'dry run 12:03'
    ]);
  });

  it('take the quality rows of finished dry runs only', () => {
    const job = (kind: 'dry-run' | 'promote', state: IJob['state'], quality?: unknown[]): IJob => ({
      id: 'j1',
      kind,
      path: 'loans.ipynb',
      state,
      events: [],
      result: quality ? ({ ok: false, executed_notebook: null, quality } as IJob['result']) : null,
      error: null
    });
    const rows = [row('id unique', false), { junk: true }];
    expect(dryRunQuality(job('dry-run', 'failed', rows))).toEqual([rows[0]]);
    expect(dryRunQuality(job('dry-run', 'succeeded', []))).toEqual([]);
    expect(dryRunQuality(job('dry-run', 'running', rows))).toBeNull();
    expect(dryRunQuality(job('promote', 'succeeded', rows))).toBeNull();
    expect(dryRunQuality(job('dry-run', 'succeeded'))).toBeNull();
  });
});

describe('check in the kernel', () => {
  it('sends step, variable, type, kwargs and level as a Python string literal of JSON', () => {
    const sent = JSON.parse(checkRequest([idUnique]));
    expect(sent).toEqual([
      { step: 'clean', variable: 'loans', type: 'expect_column_values_to_be_unique', kwargs: { column: 'id' }, level: 'error' }
    ]);
    const code = checkExpression([{ ...idUnique, kwargs: { column: 'naïve "q" \\ x' } }]);
    expect(code).toMatch(/^__import__\('jupyter_promote\.frontends\.ipython\.panel_kernel', fromlist=\['check_json'\]\)\.check_json\(get_ipython\(\)\.user_ns, "/);
    const literal = code.slice(code.indexOf('user_ns, ') + 9, -1);
    expect(JSON.parse(JSON.parse(literal))[0].kwargs.column).toBe('naïve "q" \\ x');
  });

  it('reads application/json, else the text/plain repr', () => {
    const rows = [row('id unique', false)];
    expect(parseCheckAnswer({ status: 'ok', data: { 'application/json': rows } })).toEqual(rows);
    const repr = `'${JSON.stringify(rows).replace(/\\/g, '\\\\')}'`;
    expect(parseCheckAnswer({ status: 'ok', data: { 'text/plain': repr } })).toEqual(rows);
  });

  it('explains a kernel without jupyter-promote and other failures', () => {
    expect(() => parseCheckAnswer({ status: 'error', ename: 'ModuleNotFoundError', evalue: "No module named 'jupyter_promote'" })).toThrow(
      "jupyter-promote is not installed in this notebook's kernel environment"
    );
    expect(() => parseCheckAnswer({ status: 'error', ename: 'NameError', evalue: 'x' })).toThrow('NameError: x');
    expect(() => parseCheckAnswer({ status: 'ok', data: { 'application/json': { rows: [] } } })).toThrow('list');
    expect(() => parseCheckAnswer(undefined)).toThrow('no answer');
  });

  it('decodes \\u and \\U escapes of a Python repr', () => {
    expect(parsePyReprJson("'[\"a\\u2028b\", \"\\U0001f600\", \"\\x41\"]'")).toEqual(['a\u2028b', '\u{1f600}', 'A']);
  });
});
