import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { PromoteApi } from '../src/api';
import { LineageGraph } from '../src/components/LineageGraph';
import { LineageView } from '../src/components/LineageView';
import { layoutLineage } from '../src/lineage';
import { ILineageGraph, IPipelineRow } from '../src/types';

const graph: ILineageGraph = {
  center: 'report',
  nodes: [
    { id: 'pipeline:extract', kind: 'pipeline', label: 'extract', tier: 'low', effective_tier: 'critical', owner: 'ana' },
    { id: 'dataset:s3://lake/x.parquet', kind: 'dataset', label: 's3://lake/x.parquet' },
    { id: 'pipeline:report', kind: 'pipeline', label: 'report', tier: 'critical', effective_tier: 'critical', owner: 'ben' },
    { id: 'consumer:cfo', kind: 'consumer', label: 'cfo' }
  ],
  edges: [
    { source: 'pipeline:extract', target: 'dataset:s3://lake/x.parquet', kind: 'writes' },
    { source: 'dataset:s3://lake/x.parquet', target: 'pipeline:report', kind: 'reads' },
    { source: 'pipeline:report', target: 'consumer:cfo', kind: 'consumes' }
  ]
};

function svg(selected: string | null = null): string {
  return renderToStaticMarkup(
    React.createElement(LineageGraph, { layout: layoutLineage(graph), selected, onSelect: () => undefined })
  );
}

describe('LineageGraph', () => {
  it('draws every node with the hooks browser tests use', () => {
    const html = svg();
    expect(html).toMatch(
      /<g class="jp-Promote-lineageNode jp-Promote-lineage-pipeline jp-Promote-tier-critical" data-jp-promote-node="pipeline:extract" data-jp-promote-kind="pipeline" data-jp-promote-effective-tier="critical"/
    );
    expect(html).toMatch(/class="[^"]*jp-Promote-lineageCenter[^"]*" data-jp-promote-node="pipeline:report"/);
    expect(html).toMatch(/data-jp-promote-node="dataset:s3:\/\/lake\/x.parquet" data-jp-promote-kind="dataset" transform/);
    expect(html).toContain('<title>dataset s3://lake/x.parquet</title>');
    expect(html).toContain('>x.parquet</text>');
    expect(html).toMatch(/data-jp-promote-node="consumer:cfo" data-jp-promote-kind="consumer" transform/);
    expect(html.match(/jp-Promote-lineageRaised/g)).toHaveLength(1);
  });

  it('draws every edge as a path with an arrow', () => {
    const html = svg();
    for (const e of graph.edges) {
      expect(html).toContain(`data-jp-promote-edge="${e.source}-&gt;${e.target}" data-jp-promote-edge-kind="${e.kind}"`);
    }
    expect(html.match(/<path class="jp-Promote-lineageEdge /g)).toHaveLength(3);
    expect(html).toContain('<title>report reads s3://lake/x.parquet</title>');
  });

  it('marks the selected node', () => {
    expect(svg('consumer:cfo')).toMatch(/jp-Promote-lineageSelected" data-jp-promote-node="consumer:cfo"/);
  });
});

describe('LineageView', () => {
  const api = new PromoteApi({ baseUrl: 'http://localhost/' } as never);
  const rows = [{ name: 'report', source_notebook: 'work/report.ipynb' } as IPipelineRow];
  const view = (path: string | null, list: IPipelineRow[] | null = rows) =>
    renderToStaticMarkup(React.createElement(LineageView, { api, path, rows: list, reloads: 0 }));

  it('names the open notebook pipeline as the centre while its lineage loads', () => {
    const html = view('work/report.ipynb');
    expect(html).toContain('id="jp-promote-lineage" data-jp-promote-center="report" data-jp-promote-state="loading"');
    expect(html).toContain('Loading the lineage of report...');
  });

  it('asks to promote a notebook never promoted, and says nothing without a notebook or list', () => {
    const html = view('work/other.ipynb');
    expect(html).toContain('id="jp-promote-lineage" data-jp-promote-state="none"');
    expect(html).toContain('<p class="jp-Promote-hint" id="jp-promote-lineage-hint">Promote this notebook to see its lineage.</p>');
    expect(view(null)).toBe('');
    expect(view('work/report.ipynb', null)).toBe('');
  });
});
