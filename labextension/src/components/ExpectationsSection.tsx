import * as React from 'react';

import { fetchColumns, suggestInNotebook } from '../kernel';
import { definedVariables, groupExpectations, stepDefining } from '../metadata';
import { PromoteModel } from '../model';
import { ILastResult, resultFor } from '../results';
import { IApplyRequest, IExpectationEntry, IParseResult, Level } from '../types';
import { errorText } from '../util';
import { ErrorBox, Section } from './common';
import { CheckInKernel, ExpectationResult } from './ExpectationResult';

type Err = { message: string; hint: string | null } | null;

/** The recorded expectations per step and variable, and a small form to add one. */
export function ExpectationsSection(props: { model: PromoteModel }): JSX.Element {
  const { model } = props;
  const [error, setError] = React.useState<Err>(null);
  const apply = async (body: Omit<IApplyRequest, 'metadata'>) => {
    setError(null);
    try {
      const answer = await model.api.applyExpectations({ ...body, metadata: model.metadata() });
      model.setMetadata(answer.metadata);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const groups = model.spec ? groupExpectations(model.spec) : [];
  const results = model.results();
  return (
    <Section id="jp-promote-expectations" title="Expectations">
      {!model.spec ? (
        <p className="jp-Promote-hint">Open a notebook with steps to add expectations.</p>
      ) : (
        <>
          {groups.length === 0 ? (
            <p className="jp-Promote-hint">No expectations recorded yet.</p>
          ) : (
            <CheckInKernel model={model} />
          )}
          {groups.map(group => (
            <div
              key={`${group.step}.${group.variable}`}
              className="jp-Promote-suite"
              data-jp-promote-step={group.step}
              data-jp-promote-variable={group.variable}
            >
              <div className="jp-Promote-suiteTitle">
                {group.step} · {group.variable}
              </div>
              <ul>
                {group.entries.map(entry => (
                  <ExpectationRow key={entry.index} entry={entry} result={resultFor(results, entry)} apply={apply} />
                ))}
              </ul>
            </div>
          ))}
          <ErrorBox error={error} id="jp-promote-expectations-error" />
          <AddExpectation model={model} apply={apply} />
        </>
      )}
    </Section>
  );
}

type Apply = (body: Omit<IApplyRequest, 'metadata'>) => Promise<void>;

/** One recorded expectation: its text, severity, Remove, and its last result. */
function ExpectationRow(props: { entry: IExpectationEntry; result: ILastResult | null; apply: Apply }): JSX.Element {
  const { entry, result, apply } = props;
  const target = { step: entry.step, variable: entry.variable, index: entry.index };
  return (
    <li
      className="jp-Promote-expectation"
      data-jp-promote-index={entry.index}
      data-jp-promote-level={entry.level}
      data-jp-promote-result={result ? (result.row.success ? 'pass' : 'fail') : 'none'}
    >
      <span className="jp-Promote-expectationText">{entry.text}</span>
      <select
        className="jp-Promote-severity"
        aria-label="severity"
        value={entry.level}
        onChange={e => void apply({ op: 'severity', ...target, severity: e.target.value as Level })}
      >
        <option value="error">error (blocks)</option>
        <option value="warn">warn (reports)</option>
      </select>
      <button
        className="jp-Promote-button jp-Promote-remove"
        title="Remove this expectation"
        onClick={() => void apply({ op: 'remove', ...target })}
      >
        Remove
      </button>
      <ExpectationResult result={result} />
    </li>
  );
}

function AddExpectation(props: {
  model: PromoteModel;
  apply: Apply;
}): JSX.Element {
  const { model } = props;
  const spec = model.spec!;
  const [variable, setVariable] = React.useState('');
  const [line, setLine] = React.useState('');
  const [severity, setSeverity] = React.useState<Level>('error');
  const [parsed, setParsed] = React.useState<IParseResult | null>(null);
  const [parseError, setParseError] = React.useState<Err>(null);
  const [columns, setColumns] = React.useState<string[]>([]);
  const [suggestError, setSuggestError] = React.useState<Err>(null);
  const step = variable ? stepDefining(spec, variable) : null;

  React.useEffect(() => {
    setColumns([]);
    if (!variable || !model.notebook) {
      return;
    }
    let live = true;
    void fetchColumns(model.notebook, variable).then(cols => live && setColumns(cols));
    return () => {
      live = false;
    };
  }, [variable, model.notebook]);

  React.useEffect(() => {
    setParsed(null);
    setParseError(null);
    if (!variable || !line.trim()) {
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      model.api
        .parseExpectation(`${variable}: ${line}`, severity)
        .then(r => live && setParsed(r))
        .catch(err => live && setParseError(errorText(err)));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [variable, line, severity]);

  const add = async () => {
    if (!parsed || !step) {
      return;
    }
    await props.apply({ op: 'add', step, variable, expectations: parsed.expectations });
    setLine('');
  };

  return (
    <div className="jp-Promote-addExpectation" id="jp-promote-add-expectation">
      <div className="jp-Promote-row">
        <input
          className="jp-Promote-input"
          id="jp-promote-exp-variable"
          list="jp-promote-variables"
          placeholder="variable (DataFrame)"
          value={variable}
          onChange={e => setVariable(e.target.value.trim())}
        />
        <datalist id="jp-promote-variables">
          {definedVariables(spec).map(v => (
            <option key={v} value={v} />
          ))}
        </datalist>
        <select
          id="jp-promote-exp-severity"
          aria-label="severity"
          value={severity}
          onChange={e => setSeverity(e.target.value as Level)}
        >
          <option value="error">error</option>
          <option value="warn">warn</option>
        </select>
      </div>
      <input
        className="jp-Promote-input"
        id="jp-promote-exp-line"
        list="jp-promote-columns"
        placeholder="amount between 0 and 5"
        value={line}
        onChange={e => setLine(e.target.value)}
      />
      <datalist id="jp-promote-columns" data-jp-promote-columns={columns.length}>
        {columns.map(c => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <div className="jp-Promote-parsed" id="jp-promote-exp-parsed">
        {variable && !step ? `no step defines ${variable}` : null}
        {parsed ? parsed.descriptions.map((d, i) => <div key={i}>{`${step}: ${variable}: ${d}`}</div>) : null}
      </div>
      <ErrorBox error={parseError} id="jp-promote-exp-parse-error" />
      <div className="jp-Promote-row">
        <button className="jp-Promote-button" id="jp-promote-exp-add" disabled={!parsed || !step} onClick={() => void add()}>
          Add expectation
        </button>
        <button
          className="jp-Promote-button"
          id="jp-promote-exp-suggest"
          disabled={!variable || !model.notebook}
          title="Adds a cell running %expect --suggest VARIABLE in the notebook"
          onClick={() => {
            setSuggestError(null);
            suggestInNotebook(model.notebook!, variable).catch(err => setSuggestError(errorText(err)));
          }}
        >
          Suggest from data
        </button>
      </div>
      <ErrorBox error={suggestError} />
    </div>
  );
}
