import { describe, expect, it } from 'vitest';

import {
  alreadyApplied,
  applyFromOutput,
  columnsExpression,
  definedVariables,
  groupExpectations,
  matchesNotebook,
  parsePyReprJson,
  removalFromOutput,
  stepDefining
} from '../src/metadata';
import { isServerRelative, overrideUiUrl } from '../src/paths';
import { IPromoteMetadata } from '../src/types';
import { sampleSpec } from './fixtures';

const metadata: IPromoteMetadata = {
  schema_version: 1,
  expectations: {
    clean: {
      loans: {
        name: 'clean.loans',
        expectations: [
          { type: 'expect_column_values_to_be_between', kwargs: { min_value: 0, column: 'amount' }, meta: {}, severity: 'critical' }
        ]
      }
    }
  }
};

describe('expectation groups', () => {
  it('groups per step and variable in run order', () => {
    const groups = groupExpectations(sampleSpec());
    expect(groups.map(g => [g.step, g.variable, g.entries.map(e => e.index)])).toEqual([
      ['clean', 'loans', [0, 1]],
      ['report', 'summary', [0]]
    ]);
  });

  it('places a variable under the last step defining it', () => {
    expect(stepDefining(sampleSpec(), 'loans')).toBe('clean');
    expect(stepDefining(sampleSpec(), 'summary')).toBe('report');
    expect(stepDefining(sampleSpec(), 'nope')).toBeNull();
    expect(definedVariables(sampleSpec())).toEqual(['clean_loans', 'loans', 'summary']);
  });
});

describe('applying %expect outputs', () => {
  const wanted = [{ type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0 }, severity: 'critical' as const }];

  it('knows when the metadata already has the expectations (key order ignored)', () => {
    expect(alreadyApplied(metadata, 'clean', 'loans', wanted)).toBe(true);
    expect(alreadyApplied(metadata, 'clean', 'loans', [{ ...wanted[0], severity: 'warning' }])).toBe(false);
    expect(alreadyApplied(metadata, 'load', 'loans', wanted)).toBe(false);
    expect(alreadyApplied(undefined, 'load', 'loans', wanted)).toBe(false);
  });

  it('builds an add request only for a change not yet in the model', () => {
    const output = { notebook: '/root/p/loans.ipynb', step: 'load', variable: 'raw', expectations: wanted };
    expect(applyFromOutput(metadata, output)).toEqual({
      metadata,
      op: 'add',
      step: 'load',
      variable: 'raw',
      expectations: wanted
    });
    expect(applyFromOutput(undefined, output)?.metadata).toEqual({});
    expect(applyFromOutput(metadata, { ...output, step: 'clean', variable: 'loans' })).toBeNull();
    expect(applyFromOutput(metadata, { ...output, step: '' })).toBeNull();
  });

  it('matches the kernel-side absolute path with the open server-relative one', () => {
    expect(matchesNotebook('/root/proj/work/loans.ipynb', 'work/loans.ipynb')).toBe(true);
    expect(matchesNotebook('/root/proj/work/loans.ipynb', 'loans.ipynb')).toBe(true);
    expect(matchesNotebook('/root/proj/work/myloans.ipynb', 'loans.ipynb')).toBe(false);
    expect(matchesNotebook('C:\\proj\\loans.ipynb', 'loans.ipynb')).toBe(true);
  });

  it('matches a relative path: to the server root, or to the notebook directory', () => {
    expect(matchesNotebook('work/loans.ipynb', 'work/loans.ipynb')).toBe(true);
    expect(matchesNotebook('loans.ipynb', 'work/loans.ipynb')).toBe(true);
    expect(matchesNotebook('./loans.ipynb', 'work/loans.ipynb')).toBe(true);
    expect(matchesNotebook('loans.ipynb', 'work/myloans.ipynb')).toBe(false);
    // an absolute path is not matched from the other side
    expect(matchesNotebook('/loans.ipynb', 'work/loans.ipynb')).toBe(false);
    expect(matchesNotebook('', 'work/loans.ipynb')).toBe(false);
  });
});

describe('kernel answers', () => {
  it('reads the repr of a JSON string', () => {
    expect(parsePyReprJson(`'["id", "amount"]'`)).toEqual(['id', 'amount']);
    expect(parsePyReprJson(`'["a\\\\"b", "it\\'s"]'`)).toEqual(['a"b', "it's"]);
    expect(parsePyReprJson(`'[]'`)).toEqual([]);
    expect(() => parsePyReprJson('[1, 2]')).toThrow();
  });

  it('builds the columns expression for identifiers only', () => {
    expect(columnsExpression('loans')).toBe("__import__('json').dumps([str(c) for c in loans.columns])");
    expect(() => columnsExpression('x; import os')).toThrow();
  });
});

describe('paths and links', () => {
  it('tells server-relative paths', () => {
    expect(isServerRelative('pipelines/a/RUNBOOK.md')).toBe(true);
    expect(isServerRelative('/srv/pipelines/a/RUNBOOK.md')).toBe(false);
    expect(isServerRelative('C:\\x\\RUNBOOK.md')).toBe(false);
    expect(isServerRelative('../outside.md')).toBe(false);
    expect(isServerRelative(null)).toBe(false);
  });

  it('replaces the Prefect UI base when the user set one', () => {
    const url = 'http://127.0.0.1:4200/deployments/deployment/123';
    expect(overrideUiUrl(url, 'http://127.0.0.1:4200/', 'https://prefect.example.com')).toBe(
      'https://prefect.example.com/deployments/deployment/123'
    );
    expect(overrideUiUrl(url, 'http://127.0.0.1:4200', '')).toBe(url);
    expect(overrideUiUrl(url, null, 'https://x')).toBe(url);
    expect(overrideUiUrl(null, 'a', 'b')).toBeNull();
  });
});

describe('removalFromOutput', () => {
  const suite = (types: string[]) => ({
    name: 'x',
    expectations: types.map(type => ({ type, kwargs: {}, meta: {}, severity: 'critical' }))
  });
  const metadata = {
    expectations: { load: { raw: suite(['a']) }, clean: { loans: suite(['b', 'c']) } }
  } as unknown as IPromoteMetadata;
  const output = { written: false, op: 'remove' as const, notebook: '/p/n.ipynb', step: null, variable: 'loans', expectations: [] };

  it('finds the step that records the variable and keeps the index', () => {
    expect(removalFromOutput(metadata, { ...output, index: 1 })).toEqual({
      metadata,
      op: 'remove',
      step: 'clean',
      variable: 'loans',
      index: 1
    });
    expect(removalFromOutput(metadata, { ...output, index: null })).not.toHaveProperty('index');
  });

  it('says when the open notebook has nothing for the variable', () => {
    expect(() => removalFromOutput(metadata, { ...output, variable: 'nope' })).toThrow(
      '"nope" has no recorded expectations in the open notebook'
    );
    expect(() => removalFromOutput(undefined, output)).toThrow('has no recorded expectations');
  });
});
