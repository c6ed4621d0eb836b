/**
 * Layout of the lineage graph (`GET pipelines/{name}/lineage`), left to right and pure:
 *
 * 1. cycles are broken by reversing the back edges of a depth-first search (from the sources,
 *    then pipelines first, then by id), so a pipeline reading what it writes comes first;
 * 2. layers: longest path from the sources, then each source moves next to its first reader,
 *    so a raw input sits beside the pipeline reading it, not in the first column;
 * 3. an edge spanning several layers gets a hidden waypoint in each layer it crosses;
 * 4. order in a layer: barycenter sweeps, the ordering with the fewest crossings wins;
 * 5. columns as wide as their widest node, each stack centred; edges as horizontal curves.
 *
 * Node and edge order of the input do not matter: the same graph always gives the same picture.
 */
import { IPoint } from './graph';
import { centerId, shortKeys } from './fleet';
import { ILineageEdge, ILineageGraph, ILineageNode } from './types';

export interface ILineageBox {
  id: string;
  kind: string;
  /** The text drawn in the node (a dataset's key shortened). */
  text: string;
  node: ILineageNode;
  center: boolean;
  layer: number;
  /** Centre of the node. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ILineagePath extends ILineageEdge {
  /** Drawn against the layers' direction: the edge closes a cycle. */
  reversed: boolean;
  points: IPoint[];
  /** SVG path data. */
  d: string;
}

export interface ILineageLayout {
  width: number;
  height: number;
  /** Node ids per layer, top to bottom (waypoints left out). */
  layers: string[][];
  nodes: ILineageBox[];
  edges: ILineagePath[];
  center: string | null;
}

type Arc = [from: string, to: string];

const MARGIN = 10;
const LAYER_GAP = 44;
const NODE_GAP = 12;
const WAYPOINT_HEIGHT = 6;
/** How far a cycle's backward edge bows below the forward ones. */
export const BEND = 22;
const SWEEPS = 6;
const KIND_RANK: Record<string, number> = { pipeline: 0, dataset: 1, consumer: 2 };
const WAYPOINT = '\u0000';

/** Indices of the edges to reverse so the graph has no cycle: the back edges of a DFS from `ids` in order. */
export function backEdges(ids: readonly string[], arcs: readonly Arc[]): Set<number> {
  const out = new Map<string, number[]>(ids.map(id => [id, []]));
  arcs.forEach(([from], i) => out.get(from)?.push(i));
  const state = new Map<string, 'open' | 'done'>();
  const reversed = new Set<number>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    for (const i of out.get(id) ?? []) {
      const to = arcs[i][1];
      if (state.get(to) === 'open') {
        reversed.add(i);
      } else if (!state.has(to)) {
        visit(to);
      }
    }
    state.set(id, 'done');
  };
  ids.forEach(id => state.has(id) || visit(id));
  return reversed;
}

/**
 * Layer of each node of an acyclic graph: the longest path from a source, then every source
 * with successors one layer before its nearest successor. The first layer is 0.
 */
export function longestPathLayers(ids: readonly string[], arcs: readonly Arc[]): Map<string, number> {
  const preds = new Map<string, string[]>(ids.map(id => [id, []]));
  const succs = new Map<string, string[]>(ids.map(id => [id, []]));
  arcs.forEach(([from, to]) => (succs.get(from)!.push(to), preds.get(to)!.push(from)));
  const layer = new Map<string, number>();
  const open = new Set<string>();
  const depth = (id: string): number => {
    if (!layer.has(id)) {
      open.add(id);
      const above = preds.get(id)!.filter(p => !open.has(p)).map(p => depth(p) + 1);
      open.delete(id);
      layer.set(id, Math.max(0, ...above));
    }
    return layer.get(id)!;
  };
  ids.forEach(depth);
  for (const id of ids) {
    if (!preds.get(id)!.length && succs.get(id)!.length) {
      layer.set(id, Math.min(...succs.get(id)!.map(s => layer.get(s)!)) - 1);
    }
  }
  const first = Math.min(...layer.values());
  return new Map(ids.map(id => [id, layer.get(id)! - first]));
}

/** Adjacent-layer segments: each arc, split at one waypoint per layer it crosses. */
function segments(arcs: readonly Arc[], layer: Map<string, number>): { chains: string[][]; layer: Map<string, number> } {
  const all = new Map(layer);
  const chains = arcs.map(([from, to], i) => {
    const chain = [from];
    for (let l = layer.get(from)! + 1; l < layer.get(to)!; l++) {
      const id = `${WAYPOINT}${i}:${l}`;
      all.set(id, l);
      chain.push(id);
    }
    return [...chain, to];
  });
  return { chains, layer: all };
}

/** How many pairs of segments (from one layer to the next) cross. */
export function crossings(layers: readonly string[][], links: readonly Arc[]): number {
  const pos = new Map(layers.flatMap((l, layer) => l.map((id, i) => [id, { layer, i }] as const)));
  let count = 0;
  links.forEach(([a1, b1], k) => {
    for (const [a2, b2] of links.slice(k + 1)) {
      const [p1, p2] = [pos.get(a1)!, pos.get(a2)!];
      const across = (p1.i - p2.i) * (pos.get(b1)!.i - pos.get(b2)!.i) < 0;
      count += p1.layer === p2.layer && across ? 1 : 0;
    }
  });
  return count;
}

/** Reorder layer by layer (down: by predecessors, up: by successors) on the mean position of neighbours. */
function sweep(layers: string[][], links: readonly Arc[], down: boolean): string[][] {
  const out = layers.map(l => [...l]);
  const order = out.map((_, i) => i);
  for (const i of down ? order.slice(1) : order.slice(0, -1).reverse()) {
    const ref = new Map(out[down ? i - 1 : i + 1].map((id, p) => [id, p]));
    const mean = (id: string, own: number) => {
      const near = links.filter(l => l[down ? 1 : 0] === id).map(l => ref.get(l[down ? 0 : 1])!);
      return near.length ? near.reduce((a, b) => a + b, 0) / near.length : own;
    };
    const keyed = out[i].map((id, own) => ({ id, key: mean(id, own), own }));
    out[i] = keyed.sort((a, b) => a.key - b.key || a.own - b.own).map(k => k.id);
  }
  return out;
}

/** The ordering of the layers with the fewest crossings found by alternating sweeps. */
export function orderLayers(layers: readonly string[][], links: readonly Arc[]): string[][] {
  let best = layers.map(l => [...l]);
  let fewest = crossings(best, links);
  let current = best;
  for (let s = 0; s < SWEEPS && fewest > 0; s++) {
    current = sweep(current, links, s % 2 === 0);
    const count = crossings(current, links);
    if (count < fewest) {
      [best, fewest] = [current, count];
    }
  }
  return best;
}

/** Size of a node as drawn (monospace estimate: SVG text is not measured). */
export function boxSize(kind: string, text: string): { width: number; height: number } {
  if (kind === 'consumer') {
    return { width: Math.max(44, Math.round(text.length * 6.2 + 20)), height: 20 };
  }
  if (kind === 'dataset') {
    return { width: Math.max(64, Math.round(text.length * 6.6 + 28)), height: 36 };
  }
  return { width: Math.max(64, text.length * 7 + 24), height: 30 };
}

/** SVG path data through the points: cubic curves leaving and reaching each point horizontally. */
export function curvePath(points: readonly IPoint[], bend = 0): string {
  const f = (n: number) => n.toFixed(1);
  return points
    .map((q, i) => {
      if (!i) {
        return `M${f(q.x)},${f(q.y)}`;
      }
      const p = points[i - 1];
      const dx = (q.x - p.x) / 2;
      return `C${f(p.x + dx)},${f(p.y + bend)} ${f(q.x - dx)},${f(q.y + bend)} ${f(q.x)},${f(q.y)}`;
    })
    .join(' ');
}

/** The edges worth drawing: both ends known, no self-loop, one per (source, target), sorted. */
function drawnEdges(graph: ILineageGraph, known: Set<string>): ILineageEdge[] {
  const sorted = [...graph.edges]
    .filter(e => known.has(e.source) && known.has(e.target) && e.source !== e.target)
    .sort((a, b) => cmp(a.source, b.source) || cmp(a.target, b.target) || cmp(a.kind, b.kind));
  return sorted.filter((e, i) => !i || e.source !== sorted[i - 1].source || e.target !== sorted[i - 1].target);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Positions: columns as wide as their widest node, each column's stack centred vertically. */
function place(layers: string[][], size: (id: string) => { width: number; height: number }): Map<string, IPoint> {
  const widths = layers.map(l => Math.max(20, ...l.map(id => size(id).width)));
  const heights = layers.map(l => l.reduce((h, id) => h + size(id).height, 0) + NODE_GAP * (l.length - 1));
  const tallest = Math.max(0, ...heights);
  const at = new Map<string, IPoint>();
  let x = MARGIN;
  layers.forEach((l, i) => {
    let y = MARGIN + (tallest - heights[i]) / 2;
    for (const id of l) {
      at.set(id, { x: x + widths[i] / 2, y: y + size(id).height / 2 });
      y += size(id).height + NODE_GAP;
    }
    x += widths[i] + LAYER_GAP;
  });
  return at;
}

/** The points of an edge: the right side of its first node, its waypoints, the left side of its last. */
function chainPoints(chain: string[], at: Map<string, IPoint>, size: (id: string) => { width: number }): IPoint[] {
  const last = chain.length - 1;
  return chain.map((id, k) => {
    const side = k === 0 ? size(id).width / 2 : k === last ? -size(id).width / 2 : 0;
    return { x: at.get(id)!.x + side, y: at.get(id)!.y };
  });
}

/** Lay out a lineage graph left to right (see the module comment). */
export function layoutLineage(graph: ILineageGraph): ILineageLayout {
  const nodes = [...new Map(graph.nodes.map(n => [n.id, n])).values()].sort((a, b) => cmp(a.id, b.id));
  const ids = nodes.map(n => n.id);
  const edges = drawnEdges(graph, new Set(ids));
  const kinds = new Map(nodes.map(n => [n.id, n.kind]));
  const rank = (id: string) => KIND_RANK[kinds.get(id) ?? ''] ?? 3;
  const fed = new Set(edges.map(e => e.target));
  const roots = [...ids].sort((a, b) => Number(fed.has(a)) - Number(fed.has(b)) || rank(a) - rank(b) || cmp(a, b));
  const flipped = backEdges(roots, edges.map(e => [e.source, e.target]));
  const arcs = edges.map((e, i): Arc => (flipped.has(i) ? [e.target, e.source] : [e.source, e.target]));
  const { chains, layer } = segments(arcs, longestPathLayers(ids, arcs));
  const short = shortKeys(nodes.filter(n => n.kind === 'dataset').map(n => n.label));
  const text = (n: ILineageNode) => (n.kind === 'dataset' ? short.get(n.label)! : n.label);
  const sizes = new Map(nodes.map(n => [n.id, boxSize(n.kind, text(n))]));
  const size = (id: string) => sizes.get(id) ?? { width: 0, height: WAYPOINT_HEIGHT };
  const initial: string[][] = [];
  [...layer.keys()]
    .sort((a, b) => rank(a) - rank(b) || cmp(a, b))
    .forEach(id => (initial[layer.get(id)!] ??= []).push(id));
  const links = chains.flatMap(c => c.slice(1).map((to, i): Arc => [c[i], to]));
  const layers = orderLayers(Array.from(initial, l => l ?? []), links);
  const at = place(layers, size);
  const center = centerId(graph);
  const boxes = nodes.map(n => {
    const box = { id: n.id, kind: n.kind, text: text(n), node: n, center: n.id === center };
    return { ...box, layer: layer.get(n.id)!, ...at.get(n.id)!, ...size(n.id) };
  });
  const paths = edges.map((e, i) => {
    const reversed = flipped.has(i);
    const points = chainPoints(chains[i], at, size);
    const drawn = reversed ? points.reverse() : points;
    return { ...e, reversed, points: drawn, d: curvePath(drawn, reversed ? BEND : 0) };
  });
  const right = Math.max(0, ...boxes.map(b => b.x + b.width / 2));
  const bottom = Math.max(0, ...boxes.map(b => b.y + b.height / 2)) + (flipped.size ? BEND : 0);
  return {
    width: boxes.length ? right + MARGIN : 0,
    height: boxes.length ? bottom + MARGIN : 0,
    layers: layers.map(l => l.filter(id => !id.startsWith(WAYPOINT))),
    nodes: boxes,
    edges: paths,
    center
  };
}
