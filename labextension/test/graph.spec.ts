import { describe, expect, it } from 'vitest';

import { edgePath, graphInput, layoutGraph, NODE_HEIGHT, nodeWidth } from '../src/graph';
import { sampleSpec } from './fixtures';

describe('graphInput', () => {
  it('has one node per step and the edges between known steps', () => {
    const input = graphInput(sampleSpec());
    expect(input.nodes.map(n => [n.id, n.cell, n.errors, n.warnings, n.expectations])).toEqual([
      ['load', 1, 0, 0, 0],
      ['clean', 3, 1, 0, 2],
      ['report', 5, 0, 1, 1]
    ]);
    expect(input.edges).toEqual([
      { from: 'load', to: 'clean', explicit: false, names: ['loans'] },
      { from: 'clean', to: 'report', explicit: false, names: ['clean_loans'] },
      { from: 'load', to: 'report', explicit: true, names: [] }
    ]);
  });
});

describe('layoutGraph', () => {
  it('puts upstream steps above downstream ones, inside the drawing', () => {
    const layout = layoutGraph(graphInput(sampleSpec()));
    const y = Object.fromEntries(layout.nodes.map(n => [n.id, n.y]));
    expect(y.load).toBeLessThan(y.clean);
    expect(y.clean).toBeLessThan(y.report);
    for (const node of layout.nodes) {
      expect(node.height).toBe(NODE_HEIGHT);
      expect(node.width).toBe(nodeWidth(node.label));
      expect(node.x - node.width / 2).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width / 2).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height / 2).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.edges).toHaveLength(3);
    for (const edge of layout.edges) {
      expect(edge.points.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('lays out an empty graph', () => {
    const layout = layoutGraph({ nodes: [], edges: [] });
    expect(layout.nodes).toEqual([]);
  });

  it('draws edge paths through their points', () => {
    expect(edgePath([{ x: 1, y: 2 }, { x: 3.25, y: 4 }])).toBe('M1.0,2.0 L3.3,4.0');
  });
});
