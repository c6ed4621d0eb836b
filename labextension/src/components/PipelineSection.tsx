import * as React from 'react';

import { PromoteModel } from '../model';
import { suggestionNote } from '../steps';
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
              <SuggestedSteps model={model} />
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

/** For a notebook without steps: the steps its headings suggest, and a button tagging them. */
function SuggestedSteps(props: { model: PromoteModel }): JSX.Element | null {
  const { model } = props;
  const steps = model.suggestedSteps;
  const report = model.tagReport;
  if (!steps.length && !report) {
    return null;
  }
  return (
    <div className="jp-Promote-suggestedSteps" id="jp-promote-suggested-steps" data-jp-promote-count={steps.length}>
      {steps.length ? (
        <>
          <p className="jp-Promote-suggestNote">{suggestionNote(steps)}</p>
          <ul className="jp-Promote-suggestions">
            {steps.map(s => (
              <li
                key={`${s.cell_index}:${s.tag}`}
                className="jp-Promote-suggestedStep"
                data-jp-promote-step={s.name}
                data-jp-promote-cell={s.cell_index}
                title={`go to cell ${s.cell_index + 1}`}
                onClick={() => void model.showCell(s.cell_index)}
              >
                <code>{s.tag}</code> <span className="jp-Promote-suggestedHeading">{s.heading}</span>
              </li>
            ))}
          </ul>
          <button
            className="jp-Promote-button"
            id="jp-promote-tag-steps"
            title="Add these step tags to their cells (one Undo in the notebook reverts it)"
            onClick={() => model.tagStepsFromHeadings()}
          >
            Tag steps from headings
          </button>
        </>
      ) : null}
      {report ? (
        <p
          className="jp-Promote-tagReport"
          id="jp-promote-tag-steps-result"
          data-jp-promote-tagged={report.tagged.length}
          data-jp-promote-skipped={report.skipped.length}
        >
          {report.message}
        </p>
      ) : null}
    </div>
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
