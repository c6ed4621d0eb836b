import * as React from 'react';

import { edgeSentence, effectiveTierTitle, isRaised, tierClass } from '../fleet';
import { ILineageBox, ILineageLayout } from '../lineage';

const ARROW = 'jp-promote-lineage-arrow';

/** A cylinder `w` by `h`: the body, then the front rim of its top. */
function cylinder(w: number, h: number): { body: string; rim: string } {
  const [rx, ry] = [w / 2, 5];
  return {
    body: `M0,${ry} A${rx},${ry} 0 0 1 ${w},${ry} V${h - ry} A${rx},${ry} 0 0 1 0,${h - ry} Z`,
    rim: `M0,${ry} A${rx},${ry} 0 0 0 ${w},${ry}`
  };
}

/** The hover text of a node. */
function nodeTitle(box: ILineageBox): string {
  const n = box.node;
  if (n.kind === 'pipeline') {
    const own = `tier ${n.tier ?? 'unknown'}, effective tier ${n.effective_tier ?? 'unknown'}`;
    const why = isRaised(n.tier, n.effective_tier) ? ` (${effectiveTierTitle(n.tier, n.effective_tier)})` : '';
    return `pipeline ${n.label}${box.center ? ' (this notebook)' : ''}\nowner ${n.owner || 'unknown'}\n${own}${why}`;
  }
  const tier = n.effective_tier ? `\neffective tier ${n.effective_tier}` : '';
  return `${n.kind} ${n.label}${tier}`;
}

/** The shape of a node, drawn from its top-left corner. */
function Shape(props: { box: ILineageBox }): JSX.Element {
  const { box } = props;
  const { width: w, height: h } = box;
  if (box.kind === 'dataset') {
    const { body, rim } = cylinder(w, h);
    return (
      <>
        <path className="jp-Promote-lineageShape" d={body} />
        <path className="jp-Promote-lineageRim" d={rim} />
      </>
    );
  }
  const radius = box.kind === 'consumer' ? h / 2 : 6;
  return (
    <>
      {box.center ? <rect className="jp-Promote-lineageHalo" x={-4} y={-4} width={w + 8} height={h + 8} rx={9} /> : null}
      <rect className="jp-Promote-lineageShape" width={w} height={h} rx={radius} ry={radius} />
      {box.kind === 'pipeline' && isRaised(box.node.tier, box.node.effective_tier) ? (
        <text className="jp-Promote-lineageRaised" x={w - 4} y={9} textAnchor="end">
          ▲
        </text>
      ) : null}
    </>
  );
}

function LineageNode(props: { box: ILineageBox; selected: boolean; onSelect: (id: string) => void }): JSX.Element {
  const { box } = props;
  const pipeline = box.kind === 'pipeline';
  const tier = pipeline ? tierClass(box.node.effective_tier) : null;
  const className =
    `jp-Promote-lineageNode jp-Promote-lineage-${box.kind}` +
    (tier ? ` jp-Promote-tier-${tier}` : '') +
    (box.center ? ' jp-Promote-lineageCenter' : '') +
    (props.selected ? ' jp-Promote-lineageSelected' : '');
  const select = () => props.onSelect(box.id);
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select();
    }
  };
  return (
    <g
      className={className}
      data-jp-promote-node={box.id}
      data-jp-promote-kind={box.kind}
      data-jp-promote-effective-tier={pipeline ? (box.node.effective_tier ?? '') : undefined}
      transform={`translate(${box.x - box.width / 2},${box.y - box.height / 2})`}
      role="button"
      tabIndex={0}
      aria-pressed={props.selected}
      onClick={select}
      onKeyDown={onKey}
    >
      <title>{nodeTitle(box)}</title>
      <Shape box={box} />
      <text x={box.width / 2} y={box.height / 2 + (box.kind === 'dataset' ? 3 : 0)} dominantBaseline="central" textAnchor="middle">
        {box.text}
      </text>
    </g>
  );
}

/** The lineage as an SVG picture: pipelines as boxes, datasets as cylinders, consumers as pills. */
export function LineageGraph(props: {
  layout: ILineageLayout;
  selected: string | null;
  onSelect: (id: string) => void;
}): JSX.Element {
  const { layout } = props;
  const labels = new Map(layout.nodes.map(box => [box.id, box.node.label]));
  const label = (id: string) => labels.get(id) ?? id;
  const touchesCenter = (a: string, b: string) => layout.center !== null && (a === layout.center || b === layout.center);
  return (
    <div className="jp-Promote-lineageGraph">
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label="Lineage: the pipelines, datasets and consumers around this notebook's pipeline"
      >
        <defs>
          <marker id={ARROW} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="jp-Promote-arrowHead" />
          </marker>
        </defs>
        {layout.edges.map(edge => (
          <path
            key={`${edge.source}->${edge.target}`}
            className={
              `jp-Promote-lineageEdge jp-Promote-lineageEdge-${edge.kind}` +
              (touchesCenter(edge.source, edge.target) ? ' jp-Promote-lineageEdgeCenter' : '')
            }
            data-jp-promote-edge={`${edge.source}->${edge.target}`}
            data-jp-promote-edge-kind={edge.kind}
            d={edge.d}
            markerEnd={`url(#${ARROW})`}
          >
            <title>{edgeSentence(edge, label) + (edge.reversed ? ' (closes a cycle)' : '')}</title>
          </path>
        ))}
        {layout.nodes.map(box => (
          <LineageNode key={box.id} box={box} selected={props.selected === box.id} onSelect={props.onSelect} />
        ))}
      </svg>
    </div>
  );
}
