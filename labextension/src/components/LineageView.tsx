import * as React from 'react';

import { PromoteApi } from '../api';
import { nodeCaption, promotedFrom, TIERS } from '../fleet';
import { layoutLineage } from '../lineage';
import { ILineageGraph, IPipelineRow } from '../types';
import { errorText } from '../util';
import { ErrorBox } from './common';
import { LineageGraph } from './LineageGraph';

/** How many pipelines up- and downstream the view asks for. */
export const LINEAGE_DEPTH = 2;

type Loaded = { name: string; graph: ILineageGraph | null; error: { message: string; hint: string | null } | null };

/** Fetch the lineage of `name` again whenever `reloads` changes; the last answer stays meanwhile. */
function useLineage(api: PromoteApi, name: string | null, reloads: number): Loaded | null {
  const [loaded, setLoaded] = React.useState<Loaded | null>(null);
  React.useEffect(() => {
    if (!name) {
      return;
    }
    let live = true;
    api.lineage(name, LINEAGE_DEPTH).then(
      graph => live && setLoaded({ name, graph, error: null }),
      err => live && setLoaded({ name, graph: null, error: errorText(err) })
    );
    return () => {
      live = false;
    };
  }, [api, name, reloads]);
  return loaded && loaded.name === name ? loaded : null;
}

function Legend(): JSX.Element {
  return (
    <div className="jp-Promote-lineageLegend" aria-label="Effective tiers">
      {[...TIERS].reverse().map(tier => (
        <span key={tier} className={`jp-Promote-lineageKey jp-Promote-tier-${tier}`}>
          <span className="jp-Promote-lineageSwatch" />
          {tier}
        </span>
      ))}
      <span className="jp-Promote-lineageKey" title="raised by something downstream">
        ▲ raised
      </span>
    </div>
  );
}

/** The lineage of one pipeline, drawn, with the caption of the clicked node. */
function LineagePicture(props: { graph: ILineageGraph }): JSX.Element {
  const { graph } = props;
  const layout = React.useMemo(() => layoutLineage(graph), [graph]);
  const [selected, setSelected] = React.useState<string | null>(null);
  const node = graph.nodes.find(n => n.id === selected) ?? null;
  if (!layout.nodes.length) {
    return (
      <p className="jp-Promote-hint" id="jp-promote-lineage-empty">
        The fleet catalog knows no dataset, consumer or other pipeline linked to {graph.center}.
      </p>
    );
  }
  return (
    <>
      <LineageGraph layout={layout} selected={selected} onSelect={id => setSelected(id === selected ? null : id)} />
      <Legend />
      <div className="jp-Promote-lineageCaption" id="jp-promote-lineage-caption" data-jp-promote-node={node?.id} aria-live="polite">
        {node ? nodeCaption(graph, node) : 'Click a pipeline for its owner and tiers.'}
      </div>
    </>
  );
}

/**
 * The lineage of the pipeline promoted from the open notebook (below the pipelines list):
 * `rows` is the list (null until it loads); a change of `reloads` fetches the lineage again.
 */
export function LineageView(props: {
  api: PromoteApi;
  path: string | null;
  rows: IPipelineRow[] | null;
  reloads: number;
}): JSX.Element | null {
  const matches = promotedFrom(props.rows ?? [], props.path);
  const [picked, setPicked] = React.useState<string | null>(null);
  const name = (matches.find(r => r.name === picked) ?? matches[0])?.name ?? null;
  const loaded = useLineage(props.api, name, props.reloads);
  if (!props.rows || !props.path) {
    return null;
  }
  const state = !name ? 'none' : !loaded ? 'loading' : loaded.error ? 'error' : 'ready';
  return (
    <div className="jp-Promote-lineage" id="jp-promote-lineage" data-jp-promote-center={name ?? undefined} data-jp-promote-state={state}>
      <div className="jp-Promote-lineageTitle">
        Lineage{' '}
        {matches.length > 1 ? (
          <select id="jp-promote-lineage-pick" value={name ?? ''} onChange={e => setPicked(e.target.value)}>
            {matches.map(r => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        ) : name ? (
          <code>{name}</code>
        ) : null}
      </div>
      {!name ? (
        <p className="jp-Promote-hint" id="jp-promote-lineage-hint">
          Promote this notebook to see its lineage.
        </p>
      ) : null}
      {state === 'loading' ? <p className="jp-Promote-hint">Loading the lineage of {name}...</p> : null}
      <ErrorBox error={loaded?.error ?? null} id="jp-promote-lineage-error" />
      {loaded?.graph ? <LineagePicture key={loaded.name} graph={loaded.graph} /> : null}
    </div>
  );
}
