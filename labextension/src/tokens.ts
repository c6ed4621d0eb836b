/**
 * What one plugin of this extension offers the other: the `%expect` renderer hands the results
 * of an `%expect` check to the panel, which shows them as the expectations' last results.
 */
import { Token } from '@lumino/coreutils';

import { ResultSource } from './results';
import { ICheckResultRow } from './types';

export interface IExpectationResults {
  /** Take `rows` as the last results of the notebook at server-relative `path`. */
  recordResults(path: string, rows: readonly ICheckResultRow[], source: ResultSource, step?: string | null): void;
}

export const IExpectationResults = new Token<IExpectationResults>(
  'jupyter-promote:expectation-results',
  'Last results of recorded expectations, shown in the Promote panel.'
);
