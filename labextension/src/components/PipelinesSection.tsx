import * as React from 'react';

import { showDialog, Dialog } from '@jupyterlab/apputils';

import { effectiveTierTitle, healthText, isRaised, scheduleTitle } from '../fleet';
import { PromoteModel } from '../model';
import { overrideUiUrl, shortTime } from '../paths';
import { IPipelineRow, IPipelines } from '../types';
import { errorText } from '../util';
import { ErrorBox, Section } from './common';
import { PathLink } from './JobView';
import { LineageView } from './LineageView';

type Err = { message: string; hint: string | null } | null;

/** The effective tier of a row, marked when something downstream raised it above its own tier. */
function EffectiveTier(props: { row: IPipelineRow }): JSX.Element {
  const { tier, effective_tier: effective = null } = props.row;
  return (
    <td data-jp-promote-effective-tier={effective ?? ''} title={effectiveTierTitle(tier, effective)}>
      {effective ?? '-'}
      {isRaised(tier, effective) ? <span className="jp-Promote-raised"> ▲</span> : null}
    </td>
  );
}

/** The monitor's word on a row: its open incident (own or upstream) and today's SLA. */
function Health(props: { row: IPipelineRow }): JSX.Element {
  const { row } = props;
  const health = healthText(row.name, row.incident, row.sla);
  return (
    <td
      className={`jp-Promote-health jp-Promote-health-${health.level}`}
      data-jp-promote-health={health.level}
      data-jp-promote-incident={row.incident?.id ?? ''}
      data-jp-promote-sla={row.sla?.state ?? ''}
      title={health.title}
    >
      {health.text || '-'}
    </td>
  );
}

/**
 * Promoted pipelines: owner, tier, effective tier, schedule, version, last/next run, and
 * actions; below, the lineage of the open notebook's pipeline.
 */
export function PipelinesSection(props: { model: PromoteModel; open: (path: string) => void }): JSX.Element {
  const { model } = props;
  const [data, setData] = React.useState<IPipelines | null>(null);
  const [mine, setMine] = React.useState(false);
  const [error, setError] = React.useState<Err>(null);
  const [note, setNote] = React.useState<string | null>(null);
  const [loads, setLoads] = React.useState(0);

  const load = React.useCallback(async () => {
    try {
      setData(await model.api.pipelines());
      setLoads(n => n + 1);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, [model]);
  React.useEffect(() => void load(), [load]);

  const act = async (what: () => Promise<string>) => {
    setNote(null);
    setError(null);
    try {
      setNote(await what());
      await load();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const me = model.status?.defaults.owner ?? null;
  const rows = (data?.pipelines ?? []).filter(r => !mine || r.owner === me);
  const uiUrl = (url: string | null) => overrideUiUrl(url, model.status?.prefect_ui_url, model.user.prefectUiUrl);

  const rollback = async (row: IPipelineRow) => {
    const answer = await showDialog({
      title: `Roll back ${row.name}?`,
      body: 'The deployment moves back to the previous release.',
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Roll back' })]
    });
    if (answer.button.accept) {
      await act(async () => {
        const r = await model.api.rollback(row.name);
        return `${row.name} now runs version ${r.version}`;
      });
    }
  };

  const actions = (
    <>
      <label className="jp-Promote-mine">
        <input type="checkbox" id="jp-promote-mine" checked={mine} onChange={e => setMine(e.target.checked)} /> mine
      </label>
      <button className="jp-Promote-button" id="jp-promote-pipelines-refresh" onClick={() => void load()}>
        Refresh
      </button>
    </>
  );
  return (
    <Section id="jp-promote-pipelines" title="Pipelines" actions={actions}>
      {data?.prefect_error ? (
        <div className="jp-Promote-banner" id="jp-promote-prefect-error" role="alert">
          {data.prefect_error}
        </div>
      ) : null}
      <ErrorBox error={error} id="jp-promote-pipelines-error" />
      {note ? <div className="jp-Promote-note" id="jp-promote-pipelines-note">{note}</div> : null}
      {data && !rows.length ? <p className="jp-Promote-hint">{mine ? 'No pipeline of yours yet.' : 'No pipeline promoted yet.'}</p> : null}
      {rows.length ? (
        <table className="jp-Promote-pipelines" id="jp-promote-pipelines-table">
          <thead>
            <tr>
              <th>name</th>
              <th>owner</th>
              <th>tier</th>
              <th title="The highest tier of the pipeline and everything downstream">effective</th>
              <th>schedule</th>
              <th>version</th>
              <th>last run</th>
              <th>next run</th>
              <th title="The monitor's open incident and today's SLA">health</th>
              <th>actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(row => (
              <tr key={row.name} data-jp-promote-pipeline={row.name} data-jp-promote-paused={String(row.paused)}>
                <td>{row.name}</td>
                <td>{row.owner}</td>
                <td>{row.tier}</td>
                <EffectiveTier row={row} />
                <td title={scheduleTitle(row)} data-jp-promote-concurrency={row.concurrency ?? ''}>
                  {row.paused ? `${row.schedule ?? ''} (paused)` : row.schedule ?? ''}
                </td>
                <td>{row.version}</td>
                <td data-jp-promote-last-state={row.last_run?.state ?? ''}>
                  {row.last_run ? `${row.last_run.state} ${shortTime(row.last_run.time)}` : '-'}
                </td>
                <td>{shortTime(row.next_run) || '-'}</td>
                <Health row={row} />
                <td className="jp-Promote-actions">
                  <button className="jp-Promote-button" data-jp-promote-action="trigger" onClick={() => void act(async () => `run ${(await model.api.trigger(row.name)).flow_run_id} started`)}>
                    Run now
                  </button>
                  <button
                    className="jp-Promote-button"
                    data-jp-promote-action={row.paused ? 'resume' : 'pause'}
                    onClick={() => void act(async () => ((await model.api.setPaused(row.name, !row.paused)).paused ? `${row.name} paused` : `${row.name} resumed`))}
                  >
                    {row.paused ? 'Resume' : 'Pause'}
                  </button>
                  <button className="jp-Promote-button" data-jp-promote-action="rollback" onClick={() => void rollback(row)}>
                    Roll back
                  </button>
                  {uiUrl(row.ui_url) ? (
                    <a href={uiUrl(row.ui_url)!} target="_blank" rel="noopener noreferrer" data-jp-promote-link="prefect-ui">
                      Prefect UI
                    </a>
                  ) : null}
                  <PathLink path={row.runbook} label="Runbook" kind="runbook" open={props.open} />
                  <PathLink path={row.last_executed_notebook} label="Last run notebook" kind="last-notebook" open={props.open} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <LineageView api={model.api} path={model.path} rows={data?.pipelines ?? null} reloads={loads} />
    </Section>
  );
}
