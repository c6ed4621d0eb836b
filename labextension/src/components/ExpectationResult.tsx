import * as React from 'react';

import { checkInKernel } from '../kernel';
import { PromoteModel } from '../model';
import { ILastResult, sourceLabel } from '../results';
import { errorText } from '../util';
import { ErrorBox } from './common';

/** An expectation's last result: pass/fail, what was observed (expected on hover), and where from. */
export function ExpectationResult(props: { result: ILastResult | null }): JSX.Element {
  const { result } = props;
  if (!result) {
    return (
      <span className="jp-Promote-result" data-jp-promote-result="none" title="Not checked yet: Check now, %expect or a dry run">
        not checked
      </span>
    );
  }
  const { row } = result;
  const outcome = row.success ? 'pass' : 'fail';
  return (
    <span
      className={`jp-Promote-result jp-Promote-result-${outcome}`}
      data-jp-promote-result={outcome}
      data-jp-promote-source={result.source}
      title={`expected: ${row.expected || row.expectation}${row.error && row.error !== row.observed ? `\n${row.error}` : ''}`}
    >
      <span className="jp-Promote-resultMark">{row.success ? '✓ pass' : '✗ fail'}</span>{' '}
      <span className="jp-Promote-resultObserved">{row.observed}</span>{' '}
      <span className="jp-Promote-resultSource">({sourceLabel(result)})</span>
    </span>
  );
}

/** "Check now": checks every recorded expectation against the live variables in the kernel. */
export function CheckInKernel(props: { model: PromoteModel }): JSX.Element {
  const { model } = props;
  const [busy, setBusy] = React.useState(false);
  const [error, setError] = React.useState<{ message: string; hint: string | null } | null>(null);
  const entries = model.spec?.expectations ?? [];
  const run = async () => {
    const panel = model.notebook;
    if (!panel || busy) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      model.recordResults(panel.context.path, await checkInKernel(panel, entries), 'live');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div className="jp-Promote-row">
        <button
        className="jp-Promote-button"
        id="jp-promote-exp-check"
        disabled={busy || !entries.length || !model.notebook}
        data-jp-promote-busy={busy}
        title="Check these expectations against the variables in the running kernel (the first check loads Great Expectations: a few seconds)"
        onClick={() => void run()}
      >
        {busy ? 'Checking...' : 'Check now'}
        </button>
      </div>
      <ErrorBox error={error} id="jp-promote-exp-check-error" />
    </>
  );
}
