import * as React from 'react';

import { formToSettings, IFormState, initialForm, problemsByField, TIERS } from '../form';
import { jobRequest, rememberedSettings, runJob } from '../jobs';
import { rememberPromotion } from '../metadata';
import { PromoteModel } from '../model';
import { dryRunQuality } from '../results';
import { Collision, IJob, IPreview, JobKind, Tier } from '../types';
import { errorText } from '../util';
import { ErrorBox, Section } from './common';
import { JobView } from './JobView';

type Err = { message: string; hint: string | null } | null;

export function PromoteSection(props: { model: PromoteModel; open: (path: string) => void }): JSX.Element {
  const { model } = props;
  const path = model.path;
  const [form, setForm] = React.useState<IFormState | null>(null);
  const [preview, setPreview] = React.useState<IPreview | null>(null);
  const [error, setError] = React.useState<Err>(null);
  const [job, setJob] = React.useState<IJob | null>(null);
  const [busy, setBusy] = React.useState(false);
  const [remembered, setRemembered] = React.useState(false);

  React.useEffect(() => {
    setForm(null);
    setJob(null);
    setError(null);
    setRemembered(false);
    if (!path) {
      return;
    }
    let live = true;
    model.api
      .promoteDefaults(path)
      .then(d => live && setForm(initialForm(d, model.user)))
      .catch(err => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [path]);

  React.useEffect(() => {
    if (!form) {
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      model.api
        .preview(formToSettings(form))
        .then(p => live && setPreview(p))
        .catch(err => live && setError(errorText(err)));
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [form]);

  const start = async (kind: JobKind) => {
    const panel = model.notebook;
    if (!form || !path || !panel) {
      return;
    }
    setBusy(true);
    setError(null);
    setJob(null);
    setRemembered(false);
    try {
      await panel.context.save();
      const done = await runJob(model.api, jobRequest(kind, path, formToSettings(form)), setJob);
      model.recordResults(path, dryRunQuality(done) ?? [], 'dry-run');
      // The server left the file alone: the promoted notebook's open model keeps the settings.
      const settings = rememberedSettings(done);
      if (settings && panel.model && !panel.isDisposed) {
        setRemembered(rememberPromotion(panel.model, settings));
      }
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  if (!path) {
    return (
      <Section id="jp-promote-promote" title="Promote">
        <p className="jp-Promote-hint">Open a notebook to promote it.</p>
      </Section>
    );
  }
  const problems = problemsByField(preview?.problems ?? []);
  const set = (key: keyof IFormState) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form!, [key]: e.target.value });
  const field = (key: keyof IFormState, label: string, placeholder = '') => (
    <label className="jp-Promote-field" data-jp-promote-field={key}>
      <span>{label}</span>
      <input className="jp-Promote-input" id={`jp-promote-form-${key}`} value={String(form![key])} placeholder={placeholder} onChange={set(key)} />
      <FieldProblems messages={problems.fields[key]} field={key} />
    </label>
  );
  return (
    <Section id="jp-promote-promote" title="Promote">
      {!form ? (
        error ? <ErrorBox error={error} id="jp-promote-promote-error" /> : <p className="jp-Promote-hint">Loading...</p>
      ) : (
        <div className="jp-Promote-form" id="jp-promote-form">
          {field('name', 'Name', 'daily-sales')}
          {field('owner', 'Owner', 'you@example.com')}
          {field('team', 'Team')}
          <label className="jp-Promote-field" data-jp-promote-field="scheduleKind">
            <span>Runs</span>
            <select id="jp-promote-form-scheduleKind" value={form.scheduleKind} onChange={set('scheduleKind')}>
              <option value="cron">on a cron schedule</option>
              <option value="interval">every N seconds</option>
              <option value="none">only when triggered</option>
            </select>
          </label>
          {form.scheduleKind === 'cron' ? field('schedule', 'Schedule (cron)', '0 6 * * 1-5') : null}
          {form.scheduleKind === 'interval' ? field('intervalSeconds', 'Interval (seconds)', '3600') : null}
          {field('timezone', 'Timezone', 'Europe/London')}
          {field('sla', 'SLA (ready by HH:MM)', '17:00')}
          <label className="jp-Promote-field" data-jp-promote-field="tier">
            <span>Tier</span>
            <select id="jp-promote-form-tier" value={form.tier} onChange={e => setForm({ ...form, tier: e.target.value as Tier })}>
              {TIERS.map(t => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            <FieldProblems messages={problems.fields.tier} field="tier" />
          </label>
          {field('consumers', 'Consumers (comma list)', 'finance-report, risk-team')}
          {field('workPool', 'Work pool', model.status?.defaults.work_pool ?? 'jupyter-promote')}
          {field('concurrency', 'Runs at once', '1')}
          <label className="jp-Promote-field" data-jp-promote-field="onCollision">
            <span>When busy</span>
            <select id="jp-promote-form-onCollision" value={form.onCollision} onChange={e => setForm({ ...form, onCollision: e.target.value as Collision })}>
              <option value="enqueue">a new run waits for a free slot</option>
              <option value="cancel-new">a new run is cancelled</option>
            </select>
            <FieldProblems messages={problems.fields.onCollision} field="onCollision" />
          </label>
          <div className="jp-Promote-preview" id="jp-promote-preview" data-jp-promote-ok={preview ? String(preview.ok) : ''}>
            {preview?.schedule ? <div className="jp-Promote-scheduleText">{preview.schedule}</div> : null}
            {preview?.next_runs.length ? (
              <ul className="jp-Promote-nextRuns">
                {preview.next_runs.map(r => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            ) : null}
            {preview?.sla ? <div className="jp-Promote-slaText">{preview.sla}</div> : null}
            {preview?.concurrency ? <div className="jp-Promote-concurrencyText">{preview.concurrency}</div> : null}
            {problems.general.map((p, i) => (
              <div key={i} className="jp-Promote-problem">
                {p}
              </div>
            ))}
          </div>
          <div className="jp-Promote-row">
            <button className="jp-Promote-button" id="jp-promote-dry-run" disabled={busy} onClick={() => void start('dry-run')}>
              Dry run
            </button>
            <button className="jp-Promote-button jp-mod-accept" id="jp-promote-submit" disabled={busy || (preview !== null && !preview.ok)} onClick={() => void start('promote')}>
              Promote
            </button>
          </div>
          <ErrorBox error={error} id="jp-promote-promote-error" />
          {job ? <JobView job={job} open={props.open} uiBase={model.status?.prefect_ui_url ?? null} uiOverride={model.user.prefectUiUrl} /> : null}
          {remembered ? (
            <p className="jp-Promote-hint" id="jp-promote-remembered" data-jp-promote-remembered="true">
              The promotion settings are in the open notebook: save it to keep them for next time.
            </p>
          ) : null}
        </div>
      )}
    </Section>
  );
}

function FieldProblems(props: { messages?: string[]; field: string }): JSX.Element | null {
  if (!props.messages?.length) {
    return null;
  }
  return (
    <span className="jp-Promote-fieldProblem" data-jp-promote-problem={props.field}>
      {props.messages.join('; ')}
    </span>
  );
}
