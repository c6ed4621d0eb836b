import { describe, expect, it } from 'vitest';

import { centerId, edgeSentence, effectiveTierTitle, healthText, isRaised, nodeCaption, promotedFrom, scheduleTitle, tierClass } from '../src/fleet';
import { ILineageGraph, IPipelineRow } from '../src/types';

function row(name: string, source: string | null): IPipelineRow {
  return {
    name,
    owner: 'ana',
    team: 'risk',
    tier: 'normal',
    effective_tier: 'critical',
    schedule: 'daily at 06:00',
    timezone: 'UTC',
    version: 'v1',
    deployed: true,
    paused: false,
    last_run: null,
    next_run: null,
    ui_url: null,
    runbook: null,
    release_dir: null,
    last_executed_notebook: null,
    source_notebook: source
  };
}

const graph: ILineageGraph = {
  center: 'report',
  nodes: [
    { id: 'pipeline:extract', kind: 'pipeline', label: 'extract', tier: 'low', effective_tier: 'critical', owner: 'ana' },
    { id: 'dataset:file:data/x.csv', kind: 'dataset', label: 'file:data/x.csv' },
    { id: 'pipeline:report', kind: 'pipeline', label: 'report', tier: 'critical', effective_tier: 'critical', owner: null },
    { id: 'consumer:cfo', kind: 'consumer', label: 'cfo' }
  ],
  edges: [
    { source: 'pipeline:extract', target: 'dataset:file:data/x.csv', kind: 'writes' },
    { source: 'dataset:file:data/x.csv', target: 'pipeline:report', kind: 'reads' },
    { source: 'pipeline:report', target: 'consumer:cfo', kind: 'consumes' }
  ]
};

describe('tiers', () => {
  it('maps tiers to their CSS modifier', () => {
    expect(['critical', 'high', 'normal', 'low', 'urgent', null, undefined].map(tierClass)).toEqual([
      'critical',
      'high',
      'normal',
      'low',
      'unknown',
      'unknown',
      'unknown'
    ]);
  });

  it('says when and why an effective tier differs', () => {
    expect(isRaised('normal', 'critical')).toBe(true);
    expect(isRaised('high', 'high')).toBe(false);
    expect(isRaised('high', null)).toBe(false);
    expect(effectiveTierTitle('normal', 'critical')).toBe('raised by something downstream (own tier: normal)');
    expect(effectiveTierTitle('high', 'high')).toBe('its own tier: nothing downstream is higher');
    expect(effectiveTierTitle('high', null)).toBe('unknown: the fleet catalog is not available');
  });
});

describe('promotedFrom', () => {
  it('finds the pipelines promoted from the open notebook, by name', () => {
    const rows = [row('zeta', 'work/loans.ipynb'), row('alpha', './work/loans.ipynb'), row('other', 'loans.ipynb'), row('none', null)];
    expect(promotedFrom(rows, 'work/loans.ipynb').map(r => r.name)).toEqual(['alpha', 'zeta']);
    expect(promotedFrom(rows, '/loans.ipynb').map(r => r.name)).toEqual(['other']);
    expect(promotedFrom(rows, 'work/other.ipynb')).toEqual([]);
    expect(promotedFrom(rows, null)).toEqual([]);
  });
});

describe('lineage nodes', () => {
  it('finds the centre by id or by a pipeline label', () => {
    expect(centerId(graph)).toBe('pipeline:report');
    expect(centerId({ ...graph, center: 'consumer:cfo' })).toBe('consumer:cfo');
    expect(centerId({ ...graph, center: 'cfo' })).toBeNull();
  });

  it('captions pipelines with owner and tiers, datasets and consumers with their neighbours', () => {
    const [extract, data, report, cfo] = graph.nodes;
    expect(nodeCaption(graph, extract)).toBe(
      'extract: owner ana, tier low, effective tier critical (raised by something downstream)'
    );
    expect(nodeCaption(graph, report)).toBe('report: owner unknown, tier critical, effective tier critical');
    expect(nodeCaption(graph, data)).toBe('file:data/x.csv: written by extract, read by report');
    expect(nodeCaption(graph, cfo)).toBe('cfo: consumer of report');
  });

  it('puts edges in words', () => {
    const label = (id: string) => id.split(':').slice(1).join(':');
    expect(graph.edges.map(e => edgeSentence(e, label))).toEqual([
      'extract writes file:data/x.csv',
      'report reads file:data/x.csv',
      'cfo is fed by report'
    ]);
    expect(edgeSentence({ source: 'dataset:a/2024.csv', target: 'dataset:a/{day}.csv', kind: 'matches' }, label)).toBe(
      'a/2024.csv is read as a/{day}.csv'
    );
  });
});

describe('healthText', () => {
  const incident = {
    id: 'inc-3',
    kind: 'failed',
    status: 'open',
    root_cause: 'extract',
    opened_at: '2026-11-02T06:04:00+00:00',
    blast_radius: ['clean', 'report']
  };

  it('says nothing when all is well', () => {
    expect(healthText('report', null, null)).toEqual({ text: '', title: '', level: 'ok' });
    const onTrack = healthText('report', null, { state: 'ok', deadline: '2026-11-02T17:00:00+00:00' });
    expect(onTrack.text).toBe('');
    expect(onTrack.title).toBe('SLA on track: deadline 2026-11-02T17:00:00+00:00');
  });

  it('names its own incident, or the upstream one that holds it up', () => {
    expect(healthText('extract', incident, null).text).toBe('inc-3: failed');
    const down = healthText('report', incident, null);
    expect(down.text).toBe('inc-3: extract failed');
    expect(down.level).toBe('bad');
    expect(down.title).toContain('caused upstream by extract');
    expect(down.title).toContain('blast radius: clean, report');
  });

  it('marks an acknowledged incident and an SLA at risk as warnings, a missed SLA as bad', () => {
    expect(healthText('extract', { ...incident, status: 'acknowledged' }, null).level).toBe('warn');
    const risk = healthText('report', null, {
      state: 'at-risk',
      deadline: '2026-11-02T17:00:00+00:00',
      predicted: '2026-11-02T17:40:00+00:00'
    });
    expect(risk).toEqual({
      text: 'SLA at-risk',
      title: 'SLA at-risk: deadline 2026-11-02T17:00:00+00:00, predicted 2026-11-02T17:40:00+00:00',
      level: 'warn'
    });
    expect(healthText('report', null, { state: 'missed', deadline: 'x' }).level).toBe('bad');
  });
});

describe('scheduleTitle', () => {
  it('adds how many runs at a time to the timezone', () => {
    const base = row('daily', null);
    expect(scheduleTitle(base)).toBe('UTC');
    expect(scheduleTitle({ ...base, concurrency: 1, on_collision: 'enqueue' })).toBe('UTC; at most 1 run at a time, a new run waits');
    expect(scheduleTitle({ ...base, concurrency: 2, on_collision: 'cancel-new' })).toBe('UTC; at most 2 runs at a time, a new run is cancelled');
  });
});
