import * as React from 'react';

import { PromoteModel } from '../model';
import { ErrorBox, Section, showValue } from './common';
import { GraphView } from './GraphView';

/** Steps graph, parameters and problems of the current notebook. */
export function PipelineSection(props: { model: PromoteModel }): JSX.Element {
  const { model } = props;
  const spec = model.spec;
  const actions = (
    <button
      className="jp-Promote-button"
      id="jp-promote-check"
      disabled={!model.notebook || model.checking}
      onClick={() => void model.check()}
    >
      {model.checking ? 'Checking...' : 'Check now'}
    </button>
  );
  return (
    <Section id="jp-promote-pipeline" title="Pipeline" actions={actions}>
      {!model.notebook ? (
        <p className="jp-Promote-hint">Open a notebook to see its pipeline.</p>
      ) : (
        <>
          <div className="jp-Promote-notebookPath" data-jp-promote-path={model.path ?? ''}>
            {model.path}
          </div>
          <ErrorBox error={model.checkError} id="jp-promote-check-error" />
          {spec ? (
            <>
              <GraphView
                spec={spec}
                receivedAt={model.checkReceivedAt}
                onRendered={() => (model.checkReceivedAt = null)}
                onStep={(_step, cell) => cell !== null && void model.showCell(cell)}
              />
              <Parameters model={model} />
              <Problems model={model} />
            </>
          ) : model.checkError ? null : (
            <p className="jp-Promote-hint">Checking the notebook...</p>
          )}
        </>
      )}
    </Section>
  );
}

function Parameters(props: { model: PromoteModel }): JSX.Element | null {
  const params = props.model.spec?.parameters ?? [];
  if (!params.length) {
    return null;
  }
  return (
    <table className="jp-Promote-parameters" id="jp-promote-parameters">
      <caption>Parameters</caption>
      <thead>
        <tr>
          <th>name</th>
          <th>type</th>
          <th>default</th>
        </tr>
      </thead>
      <tbody>
        {params.map(p => (
          <tr key={p.name} data-jp-promote-parameter={p.name} title={p.description}>
            <td>{p.name}</td>
            <td>{p.type + (p.nullable ? ' | None' : '')}</td>
            <td>{showValue(p.default)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Problems(props: { model: PromoteModel }): JSX.Element {
  const { model } = props;
  const diagnostics = model.spec?.diagnostics ?? [];
  if (!diagnostics.length) {
    return (
      <p className="jp-Promote-ok" id="jp-promote-problems" data-jp-promote-count="0">
        No problems found.
      </p>
    );
  }
  return (
    <ul className="jp-Promote-problems" id="jp-promote-problems" data-jp-promote-count={diagnostics.length}>
      {diagnostics.map((d, i) => (
        <li
          key={i}
          className={`jp-Promote-diagnostic jp-Promote-${d.severity}`}
          data-jp-promote-severity={d.severity}
          data-jp-promote-code={d.code}
          data-jp-promote-cell={d.cell_index ?? ''}
          onClick={() => d.cell_index !== null && void model.showCell(d.cell_index)}
          title={d.cell_index !== null ? `go to cell ${d.cell_index + 1}` : undefined}
        >
          <span className="jp-Promote-diagnosticWhere">
            {d.cell_index !== null ? `cell ${d.cell_index + 1}` : ''}
            {d.step ? ` (${d.step})` : ''}
          </span>{' '}
          <span className="jp-Promote-diagnosticMessage">{d.message}</span>
          {d.hint ? <div className="jp-Promote-diagnosticHint">{d.hint}</div> : null}
        </li>
      ))}
    </ul>
  );
}
