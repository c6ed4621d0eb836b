/**
 * The step graph: nodes and edges from a PipelineSpec, laid out with dagre.
 */
import dagre from '@dagrejs/dagre';

import { IPipelineSpec } from './types';

export interface IGraphNode {
  id: string;
  label: string;
  /** First cell of the step, to scroll to on click. */
  cell: number | null;
  errors: number;
  warnings: number;
  expectations: number;
}

export interface IGraphEdge {
  from: string;
  to: string;
  explicit: boolean;
  names: string[];
}

export interface IGraphInput {
  nodes: IGraphNode[];
  edges: IGraphEdge[];
}

/** Steps as nodes (notebook order), dependencies as edges, with per-step problem counts. */
export function graphInput(spec: IPipelineSpec): IGraphInput {
  const names = new Set(spec.steps.map(s => s.name));
  const nodes = spec.steps.map(step => {
    const diags = spec.diagnostics.filter(d => d.step === step.name);
    return {
      id: step.name,
      label: step.name,
      cell: step.cells.length ? step.cells[0] : null,
      errors: diags.filter(d => d.severity === 'error').length,
      warnings: diags.filter(d => d.severity === 'warning').length,
      expectations: spec.expectations.filter(e => e.step === step.name).length
    };
  });
  const edges = spec.edges
    .filter(e => names.has(e.upstream) && names.has(e.step))
    .map(e => ({ from: e.upstream, to: e.step, explicit: e.explicit, names: e.names }));
  return { nodes, edges };
}

export interface IPoint {
  x: number;
  y: number;
}

export interface ILaidOutNode extends IGraphNode {
  /** Centre of the node. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ILaidOutEdge extends IGraphEdge {
  points: IPoint[];
}

export interface ILayout {
  width: number;
  height: number;
  nodes: ILaidOutNode[];
  edges: ILaidOutEdge[];
}

export const NODE_HEIGHT = 28;
const CHAR_WIDTH = 7;
const MARGIN = 8;

/** Width of a node box for a label (monospace estimate; SVG text is not measured). */
export function nodeWidth(label: string): number {
  return Math.max(60, label.length * CHAR_WIDTH + 24);
}

/** Top-to-bottom layered layout of the graph. */
export function layoutGraph(input: IGraphInput): ILayout {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 16, ranksep: 28, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of input.nodes) {
    g.setNode(node.id, { width: nodeWidth(node.label), height: NODE_HEIGHT });
  }
  for (const edge of input.edges) {
    g.setEdge(edge.from, edge.to);
  }
  dagre.layout(g);
  const nodes = input.nodes.map(node => {
    const box = g.node(node.id);
    return { ...node, x: box.x, y: box.y, width: box.width, height: box.height };
  });
  const edges = input.edges.map(edge => {
    const points = (g.edge(edge.from, edge.to)?.points ?? []) as IPoint[];
    return { ...edge, points: points.map(p => ({ x: p.x, y: p.y })) };
  });
  const label = g.graph();
  return { width: label.width ?? 0, height: label.height ?? 0, nodes, edges };
}

/** SVG path data through the points of an edge. */
export function edgePath(points: readonly IPoint[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
