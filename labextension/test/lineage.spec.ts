import { describe, expect, it } from 'vitest';

import { shortKeys } from '../src/fleet';
import {
  backEdges,
  BEND,
  boxSize,
  crossings,
  curvePath,
  layoutLineage,
  longestPathLayers,
  orderLayers
} from '../src/lineage';
import { ILineageEdge, ILineageGraph, ILineageNode } from '../src/types';

const pipeline = (name: string, tier = 'normal', effective = tier): ILineageNode => ({
  id: `pipeline:${name}`,
  kind: 'pipeline',
  label: name,
  tier,
  effective_tier: effective,
  owner: 'ana'
});
const dataset = (key: string): ILineageNode => ({ id: `dataset:${key}`, kind: 'dataset', label: key });
const consumer = (name: string): ILineageNode => ({ id: `consumer:${name}`, kind: 'consumer', label: name });

/** Edges from "pipeline:a>dataset:x" strings; the kind follows from the ends. */
function edges(...specs: string[]): ILineageEdge[] {
  return specs.map(spec => {
    const [source, target] = spec.split('>');
    const kind = target.startsWith('consumer:') ? 'consumes' : source.startsWith('pipeline:') ? 'writes' : 'reads';
    return { source, target, kind };
  });
}

/** a -> x -> b -> y -> c, with a consumer of c. */
function chain(): ILineageGraph {
  return {
    center: 'b',
    nodes: [pipeline('a'), dataset('file:data/x.csv'), pipeline('b', 'normal', 'critical'), dataset('s3://lake/y.parquet'), pipeline('c', 'critical'), consumer('cfo')],
    edges: edges(
      'pipeline:a>dataset:file:data/x.csv',
      'dataset:file:data/x.csv>pipeline:b',
      'pipeline:b>dataset:s3://lake/y.parquet',
      'dataset:s3://lake/y.parquet>pipeline:c',
      'pipeline:c>consumer:cfo'
    )
  };
}

/** a writes x and y; b reads x, c reads y; both write to z, which d reads. */
function diamond(): ILineageGraph {
  return {
    center: 'a',
    nodes: [pipeline('a'), dataset('x'), dataset('y'), pipeline('b'), pipeline('c'), dataset('z'), pipeline('d')],
    edges: edges(
      'pipeline:a>dataset:x',
      'pipeline:a>dataset:y',
      'dataset:x>pipeline:b',
      'dataset:y>pipeline:c',
      'pipeline:b>dataset:z',
      'pipeline:c>dataset:z',
      'dataset:z>pipeline:d'
    )
  };
}

function shuffled(graph: ILineageGraph): ILineageGraph {
  return { ...graph, nodes: [...graph.nodes].reverse(), edges: [...graph.edges.slice(3), ...graph.edges.slice(0, 3)].reverse() };
}

describe('longestPathLayers', () => {
  it('numbers a chain from 0', () => {
    const layers = longestPathLayers(['a', 'b', 'c'], [['a', 'b'], ['b', 'c']]);
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 2 });
  });

  it('puts a node after its longest way in, and a source next to its nearest successor', () => {
    const arcs: [string, string][] = [['a', 'b'], ['b', 'c'], ['c', 'd'], ['a', 'd'], ['raw', 'd'], ['raw', 'c']];
    const layers = longestPathLayers(['a', 'b', 'c', 'd', 'raw'], arcs);
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 2, d: 3, raw: 1 });
  });

  it('does not loop on a cycle it is given', () => {
    const layers = longestPathLayers(['a', 'b'], [['a', 'b'], ['b', 'a']]);
    expect([...layers.keys()].sort()).toEqual(['a', 'b']);
  });
});

describe('backEdges', () => {
  it('reverses one edge per cycle, none of a DAG', () => {
    expect(backEdges(['a', 'b', 'c'], [['a', 'b'], ['b', 'c'], ['a', 'c']])).toEqual(new Set());
    expect(backEdges(['a', 'b', 'c'], [['a', 'b'], ['b', 'c'], ['c', 'a']])).toEqual(new Set([2]));
  });
});

describe('orderLayers', () => {
  it('untangles crossing edges', () => {
    const layers = [['a', 'b'], ['y', 'x']];
    const links: [string, string][] = [['a', 'x'], ['b', 'y']];
    expect(crossings(layers, links)).toBe(1);
    const ordered = orderLayers(layers, links);
    expect(crossings(ordered, links)).toBe(0);
    expect(ordered).toEqual([['a', 'b'], ['x', 'y']]);
  });

  it('counts only segments between the same two layers', () => {
    expect(crossings([['a', 'b'], ['c', 'd'], ['e', 'f']], [['a', 'd'], ['c', 'f'], ['b', 'c'], ['d', 'e']])).toBe(2);
  });
});

describe('layoutLineage', () => {
  it('lays a chain out left to right, in one row, the centre found by its label', () => {
    const layout = layoutLineage(chain());
    expect(layout.layers).toEqual([
      ['pipeline:a'],
      ['dataset:file:data/x.csv'],
      ['pipeline:b'],
      ['dataset:s3://lake/y.parquet'],
      ['pipeline:c'],
      ['consumer:cfo']
    ]);
    expect(layout.center).toBe('pipeline:b');
    expect(layout.nodes.filter(n => n.center).map(n => n.id)).toEqual(['pipeline:b']);
    const ys = new Set(layout.nodes.map(n => n.y));
    expect(ys.size).toBe(1);
    const xs = layout.layers.map(([id]) => layout.nodes.find(n => n.id === id)!.x);
    expect([...xs].sort((p, q) => p - q)).toEqual(xs);
    expect(layout.edges.every(e => !e.reversed && e.points.length === 2)).toBe(true);
  });

  it('shows datasets by their short key and sizes nodes by kind', () => {
    const layout = layoutLineage(chain());
    const text = Object.fromEntries(layout.nodes.map(n => [n.id, n.text]));
    expect(text['dataset:file:data/x.csv']).toBe('x.csv');
    expect(text['dataset:s3://lake/y.parquet']).toBe('y.parquet');
    for (const node of layout.nodes) {
      expect({ width: node.width, height: node.height }).toEqual(boxSize(node.kind, node.text));
    }
  });

  it('lays a diamond out in layers, the same whatever the input order', () => {
    const layout = layoutLineage(diamond());
    expect(layout.layers).toEqual([
      ['pipeline:a'],
      ['dataset:x', 'dataset:y'],
      ['pipeline:b', 'pipeline:c'],
      ['dataset:z'],
      ['pipeline:d']
    ]);
    expect(layoutLineage(shuffled(diamond()))).toEqual(layout);
    expect(JSON.stringify(layoutLineage(diamond()))).toBe(JSON.stringify(layout));
    const y = Object.fromEntries(layout.nodes.map(n => [n.id, n.y]));
    expect(y['dataset:x']).toBeLessThan(y['dataset:y']);
    expect(y['pipeline:b']).toBeLessThan(y['pipeline:c']);
    expect(y['pipeline:a']).toBeCloseTo((y['dataset:x'] + y['dataset:y']) / 2);
  });

  it('keeps every node inside the drawing and starts edges at the source side of their ends', () => {
    for (const graph of [chain(), diamond()]) {
      const layout = layoutLineage(graph);
      const at = new Map(layout.nodes.map(n => [n.id, n]));
      for (const n of layout.nodes) {
        expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
        expect(n.y - n.height / 2).toBeGreaterThanOrEqual(0);
        expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
        expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
      }
      for (const e of layout.edges) {
        const [first, last] = [e.points[0], e.points[e.points.length - 1]];
        const [s, t] = [at.get(e.source)!, at.get(e.target)!];
        expect(first).toEqual({ x: s.x + s.width / 2, y: s.y });
        expect(last).toEqual({ x: t.x - t.width / 2, y: t.y });
        expect(e.d).toBe(curvePath(e.points));
      }
    }
  });

  it('routes an edge that skips layers through a waypoint in each', () => {
    const graph = diamond();
    graph.edges.push(...edges('pipeline:a>consumer:cfo', 'dataset:x>pipeline:d'));
    graph.nodes.push(consumer('cfo'));
    const layout = layoutLineage(graph);
    const skip = layout.edges.find(e => e.source === 'dataset:x' && e.target === 'pipeline:d')!;
    expect(skip.points).toHaveLength(4);
    expect(layout.layers.flat()).not.toContain(expect.stringContaining('\u0000'));
    expect(layout.nodes.find(n => n.id === 'consumer:cfo')!.layer).toBe(1);
  });

  it('draws a cycle without looping: the closing edge bends below, backwards', () => {
    const graph: ILineageGraph = {
      center: 'p',
      nodes: [pipeline('p'), dataset('d'), pipeline('q')],
      edges: edges('pipeline:p>dataset:d', 'dataset:d>pipeline:p', 'dataset:d>pipeline:q')
    };
    const layout = layoutLineage(graph);
    expect(layout.layers).toEqual([['pipeline:p'], ['dataset:d'], ['pipeline:q']]);
    const back = layout.edges.filter(e => e.reversed);
    expect(back.map(e => `${e.source}->${e.target}`)).toEqual(['dataset:d->pipeline:p']);
    const [from, to] = [back[0].points[0], back[0].points[1]];
    expect(from.x).toBeGreaterThan(to.x);
    expect(back[0].d).toBe(curvePath(back[0].points, BEND));
    expect(layoutLineage(shuffled(graph))).toEqual(layout);
  });

  it('survives a longer cycle and edges to nodes it was not given', () => {
    const graph: ILineageGraph = {
      center: 'a',
      nodes: [pipeline('a'), dataset('x'), pipeline('b'), dataset('y')],
      edges: [
        ...edges('pipeline:a>dataset:x', 'dataset:x>pipeline:b', 'pipeline:b>dataset:y', 'dataset:y>pipeline:a'),
        ...edges('pipeline:a>dataset:x', 'pipeline:a>pipeline:a', 'pipeline:a>dataset:gone')
      ]
    };
    const layout = layoutLineage(graph);
    expect(layout.nodes).toHaveLength(4);
    expect(layout.edges).toHaveLength(4);
    expect(layout.edges.filter(e => e.reversed)).toHaveLength(1);
    expect(new Set(layout.layers.flat()).size).toBe(4);
  });

  it('lays out nothing, and a graph without its centre', () => {
    expect(layoutLineage({ center: 'a', nodes: [], edges: [] })).toEqual({
      width: 0,
      height: 0,
      layers: [],
      nodes: [],
      edges: [],
      center: null
    });
    const layout = layoutLineage({ center: 'gone', nodes: [dataset('x')], edges: [] });
    expect(layout.center).toBeNull();
    expect(layout.layers).toEqual([['dataset:x']]);
  });
});

describe('shortKeys', () => {
  it('keeps the last part of a key, more where two would look alike, and cuts long ones', () => {
    const keys = ['file:data/x.csv', 's3://lake/raw/sales.parquet', 's3://lake/clean/sales.parquet', 'table:warehouse.orders'];
    expect(Object.fromEntries(shortKeys(keys))).toEqual({
      'file:data/x.csv': 'x.csv',
      's3://lake/raw/sales.parquet': 'raw/sales.parquet',
      's3://lake/clean/sales.parquet': 'clean/sales.parquet',
      'table:warehouse.orders': 'warehouse.orders'
    });
    const long = 'file:data/a_very_long_dataset_name_for_testing.csv';
    const cut = shortKeys([long], 20).get(long)!;
    expect(cut).toBe('a_very_lo…esting.csv');
    expect(cut).toHaveLength(20);
  });

  it('shows the whole key when the parts cannot tell two apart', () => {
    expect(Object.fromEntries(shortKeys(['file:x.csv', 's3://x.csv', 'file:']))).toEqual({
      'file:x.csv': 'file:x.csv',
      's3://x.csv': 's3://x.csv',
      'file:': 'file:'
    });
  });
});

describe('curvePath', () => {
  it('leaves and reaches each point horizontally', () => {
    expect(curvePath([{ x: 0, y: 0 }, { x: 10, y: 20 }])).toBe('M0.0,0.0 C5.0,0.0 5.0,20.0 10.0,20.0');
    expect(curvePath([{ x: 10, y: 0 }, { x: 0, y: 0 }], 4)).toBe('M10.0,0.0 C5.0,4.0 5.0,4.0 0.0,0.0');
  });
});
