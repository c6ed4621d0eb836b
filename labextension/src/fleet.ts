/**
 * Fleet facts as the panel shows them: tiers and effective tiers, dataset keys shortened, which
 * promoted pipeline the open notebook is, the words for lineage nodes and edges, and the
 * monitor's incidents and SLA in a few words. Pure: no
 * JupyterLab, no DOM.
 */
import { IIncidentBrief, ILineageEdge, ILineageGraph, ILineageNode, IPipelineRow, ISlaBrief } from './types';

/** Tiers from lowest to highest (core/promotion.py `Tier`). */
export const TIERS = ['low', 'normal', 'high', 'critical'] as const;

export type TierClass = (typeof TIERS)[number] | 'unknown';

/** The CSS modifier of a tier: one of {@link TIERS}, or "unknown" (null, or a tier this panel does not know). */
export function tierClass(tier: string | null | undefined): TierClass {
  return (TIERS as readonly string[]).includes(tier ?? '') ? (tier as TierClass) : 'unknown';
}

/** True when the effective tier is known and is not the pipeline's own tier. */
export function isRaised(tier: string | null | undefined, effective: string | null | undefined): boolean {
  return !!effective && effective !== tier;
}

/** The hover text of an effective tier, e.g. "raised by something downstream (own tier: normal)". */
export function effectiveTierTitle(tier: string | null | undefined, effective: string | null | undefined): string {
  if (!effective) {
    return 'unknown: the fleet catalog is not available';
  }
  if (isRaised(tier, effective)) {
    return `raised by something downstream (own tier: ${tier ?? 'unknown'})`;
  }
  return 'its own tier: nothing downstream is higher';
}

/**
 * The hover text of a pipeline's schedule: its timezone and how many runs at a time, e.g.
 * "UTC; at most 1 run at a time, a new run waits" (older servers send no concurrency).
 */
export function scheduleTitle(row: Pick<IPipelineRow, 'timezone' | 'concurrency' | 'on_collision'>): string {
  if (row.concurrency === undefined || row.concurrency === null) {
    return row.timezone;
  }
  const runs = row.concurrency === 1 ? 'run' : 'runs';
  const more = row.on_collision === 'cancel-new' ? 'is cancelled' : 'waits';
  return `${row.timezone}; at most ${row.concurrency} ${runs} at a time, a new run ${more}`;
}

/** The shown text of each dataset key: its last path part, more parts where two would look alike. */
export function shortKeys(given: readonly string[], max = 26): Map<string, string> {
  const keys = [...new Set(given)];
  const parts = new Map(keys.map(k => [k, k.replace(/^[A-Za-z][\w+.-]*:(\/\/)?/, '').split('/').filter(Boolean)]));
  const taken = new Map(keys.map(k => [k, 1]));
  const text = (k: string) => (parts.get(k)!.slice(-taken.get(k)!).join('/') || k);
  for (let changed = true; changed; ) {
    changed = false;
    const seen = new Map<string, string[]>();
    keys.forEach(k => seen.set(text(k), [...(seen.get(text(k)) ?? []), k]));
    for (const same of seen.values()) {
      for (const k of same.length > 1 ? same : []) {
        if (taken.get(k)! < parts.get(k)!.length) {
          taken.set(k, taken.get(k)! + 1);
          changed = true;
        }
      }
    }
  }
  const count = new Map<string, number>();
  keys.forEach(k => count.set(text(k), (count.get(text(k)) ?? 0) + 1));
  const half = Math.floor(max / 2);
  const cut = (s: string) => (s.length <= max ? s : `${s.slice(0, half - 1)}…${s.slice(-half)}`);
  return new Map(keys.map(k => [k, cut(count.get(text(k))! > 1 ? k : text(k))]));
}

/** A path as the server and JupyterLab both write it: `/`-separated, no leading `./` or `/`. */
function normalPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/{2,}/g, '/').replace(/^(\.\/|\/)+/, '');
}

/**
 * The promoted pipelines whose source notebook is the open notebook (`path`, server-relative),
 * by name; [] when no notebook is open.
 */
export function promotedFrom(rows: readonly IPipelineRow[], path: string | null): IPipelineRow[] {
  if (!path) {
    return [];
  }
  const wanted = normalPath(path);
  return rows
    .filter(row => row.source_notebook && normalPath(row.source_notebook) === wanted)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The id of the graph's centre node: the node with the centre's id, else the pipeline labelled so. */
export function centerId(graph: ILineageGraph): string | null {
  const byId = graph.nodes.find(n => n.id === graph.center);
  const byLabel = graph.nodes.find(n => n.kind === 'pipeline' && n.label === graph.center);
  return (byId ?? byLabel)?.id ?? null;
}

/** Labels of the nodes at the other end of `node`'s edges, in one direction. */
function neighbours(graph: ILineageGraph, node: ILineageNode, outgoing: boolean): string[] {
  const labels = new Map(graph.nodes.map(n => [n.id, n.label]));
  return graph.edges
    .filter(e => (outgoing ? e.source : e.target) === node.id)
    .map(e => labels.get(outgoing ? e.target : e.source) ?? (outgoing ? e.target : e.source));
}

/** The sentence shown under the lineage graph for a clicked node. */
export function nodeCaption(graph: ILineageGraph, node: ILineageNode): string {
  if (node.kind === 'pipeline') {
    const raised = isRaised(node.tier, node.effective_tier) ? ' (raised by something downstream)' : '';
    return (
      `${node.label}: owner ${node.owner || 'unknown'}, tier ${node.tier ?? 'unknown'}, ` +
      `effective tier ${node.effective_tier ?? 'unknown'}${raised}`
    );
  }
  if (node.kind === 'dataset') {
    const writers = neighbours(graph, node, false);
    const readers = neighbours(graph, node, true);
    return (
      `${node.label}: written by ${writers.join(', ') || 'nothing shown'}, ` +
      `read by ${readers.join(', ') || 'nothing shown'}`
    );
  }
  const fed = neighbours(graph, node, false);
  return `${node.label}: ${node.kind} of ${fed.join(', ') || 'nothing shown'}`;
}

/** An edge in words, e.g. "report reads file:data/x.csv"; `label` names a node by its id. */
export function edgeSentence(edge: ILineageEdge, label: (id: string) => string): string {
  const [source, target] = [label(edge.source), label(edge.target)];
  if (edge.kind === 'reads' || edge.kind === 'consumes') {
    return `${target} ${edge.kind === 'reads' ? 'reads' : 'is fed by'} ${source}`;
  }
  if (edge.kind === 'matches') {
    return `${source} is read as ${target}`;
  }
  return `${source} ${edge.kind} ${target}`;
}

/**
 * What the monitor says about a pipeline, in a few words, and the hover text: its open incident
 * (own, or caused upstream) and today's SLA. Empty text when all is well.
 */
export function healthText(
  name: string,
  incident: IIncidentBrief | null | undefined,
  sla: ISlaBrief | null | undefined
): { text: string; title: string; level: 'ok' | 'warn' | 'bad' } {
  const parts: string[] = [];
  const titles: string[] = [];
  let level: 'ok' | 'warn' | 'bad' = 'ok';
  if (incident) {
    const upstream = incident.root_cause !== name;
    parts.push(upstream ? `${incident.id}: ${incident.root_cause} ${incident.kind}` : `${incident.id}: ${incident.kind}`);
    titles.push(
      `${incident.id} ${incident.status} since ${incident.opened_at}` +
        (upstream ? ` (caused upstream by ${incident.root_cause})` : '') +
        (incident.blast_radius.length ? `; blast radius: ${incident.blast_radius.join(', ')}` : '')
    );
    level = incident.status === 'acknowledged' ? 'warn' : 'bad';
  }
  if (sla && sla.state !== 'ok') {
    parts.push(`SLA ${sla.state}`);
    titles.push(`SLA ${sla.state}: deadline ${sla.deadline}` + (sla.predicted ? `, predicted ${sla.predicted}` : ''));
    if (sla.state === 'missed') {
      level = 'bad';
    } else if (sla.state === 'at-risk' && level === 'ok') {
      level = 'warn';
    }
  }
  if (sla && sla.state === 'ok' && !incident) {
    titles.push(`SLA on track: deadline ${sla.deadline}`);
  }
  return { text: parts.join('; '), title: titles.join('\n'), level };
}
