import * as React from 'react';

import { isServerRelative, overrideUiUrl, shortTime } from '../paths';
import { IJob } from '../types';
import { ErrorBox } from './common';

export interface ILinkProps {
  open: (path: string) => void;
  uiBase: string | null;
  uiOverride: string;
}

/** A path: a button opening it in JupyterLab when server-relative, else plain text. */
export function PathLink(props: { path: string | null | undefined; label: string; open: (p: string) => void; kind: string }): JSX.Element | null {
  if (!props.path) {
    return null;
  }
  if (isServerRelative(props.path)) {
    return (
      <button className="jp-Promote-link" data-jp-promote-link={props.kind} title={props.path} onClick={() => props.open(props.path!)}>
        {props.label}
      </button>
    );
  }
  return (
    <span className="jp-Promote-path" data-jp-promote-link={props.kind} title={props.path}>
      {props.label}: {props.path}
    </span>
  );
}

/** Step-by-step progress of a dry run or promotion, then its result or error. */
export function JobView(props: { job: IJob } & ILinkProps): JSX.Element {
  const { job } = props;
  const result = job.result;
  const error =
    typeof job.error === 'string' ? { message: job.error, hint: null } : job.error ?? null;
  const uiUrl = overrideUiUrl(result?.ui_url as string | undefined, props.uiBase, props.uiOverride);
  return (
    <div className="jp-Promote-job" id="jp-promote-job" data-jp-promote-job-state={job.state} data-jp-promote-job-kind={job.kind}>
      <div className="jp-Promote-jobState">
        {job.kind === 'dry-run' ? 'Dry run' : 'Promotion'}: {job.state}
      </div>
      <ol className="jp-Promote-events">
        {job.events.map((e, i) => (
          <li key={i} className="jp-Promote-event" data-jp-promote-event-state={e.state} data-jp-promote-event-step={e.step ?? ''}>
            <span className="jp-Promote-eventTime">{shortTime(e.time)}</span>{' '}
            <span className="jp-Promote-eventState">{e.state}</span>{' '}
            {e.step ? <span className="jp-Promote-eventStep">{e.step}</span> : null} {e.message}
          </li>
        ))}
      </ol>
      {job.state === 'failed' ? <ErrorBox error={error ?? { message: 'the job failed' }} id="jp-promote-job-error" /> : null}
      {job.state === 'succeeded' && result ? (
        <div className="jp-Promote-result" id="jp-promote-result">
          {result.name ? (
            <div>
              <b>{result.name}</b> version {result.version}
              {result.unchanged ? ' (unchanged: already deployed)' : ''}
            </div>
          ) : null}
          {result.schedule ? <div>{result.schedule}</div> : null}
          {result.next_runs?.length ? <div>Next runs: {result.next_runs.map(shortTime).join(', ')}</div> : null}
          {result.dry_run ? <div>Dry run: {result.dry_run}</div> : null}
          <div className="jp-Promote-links">
            {uiUrl ? (
              <a href={uiUrl} target="_blank" rel="noopener noreferrer" data-jp-promote-link="prefect-ui">
                Open in Prefect UI
              </a>
            ) : null}
            <PathLink path={result.runbook as string} label="Runbook" kind="runbook" open={props.open} />
            <PathLink path={result.release_dir as string} label="Release folder" kind="release" open={props.open} />
            <PathLink
              path={result.executed_notebook as string | undefined}
              label="Executed notebook"
              kind="executed-notebook"
              open={props.open}
            />
          </div>
        </div>
      ) : null}
    </div>
  );
}
