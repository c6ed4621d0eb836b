import * as React from 'react';

import { edgePath, graphInput, layoutGraph } from '../graph';
import { IPipelineSpec } from '../types';
import { timings } from '../util';

export interface IGraphViewProps {
  spec: IPipelineSpec;
  /** `performance.now()` when this spec arrived; the view records how long drawing took. */
  receivedAt: number | null;
  onRendered: () => void;
  onStep: (step: string, cell: number | null) => void;
}

/** The steps as an SVG picture: boxes for steps, arrows for dependencies. */
export function GraphView(props: IGraphViewProps): JSX.Element {
  const layout = React.useMemo(() => layoutGraph(graphInput(props.spec)), [props.spec]);
  React.useLayoutEffect(() => {
    if (props.receivedAt !== null) {
      const t = timings();
      t.checkToGraph = performance.now() - props.receivedAt;
      t.renders = (t.renders ?? 0) + 1;
      props.onRendered();
    }
  });
  if (!layout.nodes.length) {
    return (
      <div className="jp-Promote-graph jp-Promote-graphEmpty" data-jp-promote-steps="0">
        No steps yet: tag a code cell with step:NAME (command "Start step here...").
      </div>
    );
  }
  return (
    <div className="jp-Promote-graph" data-jp-promote-steps={layout.nodes.length}>
      <svg
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label="Pipeline steps and their dependencies"
      >
        <defs>
          <marker
            id="jp-promote-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" className="jp-Promote-arrowHead" />
          </marker>
        </defs>
        {layout.edges.map(edge => (
          <path
            key={`${edge.from}->${edge.to}`}
            className={'jp-Promote-edge' + (edge.explicit ? ' jp-Promote-edgeExplicit' : '')}
            data-jp-promote-edge={`${edge.from}->${edge.to}`}
            d={edgePath(edge.points)}
            markerEnd="url(#jp-promote-arrow)"
          >
            <title>
              {edge.explicit ? `after:${edge.from}` : `reads ${edge.names.join(', ')}`}
            </title>
          </path>
        ))}
        {layout.nodes.map(node => (
          <g
            key={node.id}
            className={
              'jp-Promote-node' +
              (node.errors ? ' jp-Promote-nodeError' : node.warnings ? ' jp-Promote-nodeWarning' : '')
            }
            data-jp-promote-step={node.id}
            transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`}
            onClick={() => props.onStep(node.id, node.cell)}
          >
            <title>
              {`step ${node.id}` +
                (node.expectations ? `, ${node.expectations} expectation(s)` : '') +
                (node.errors ? `, ${node.errors} error(s)` : '')}
            </title>
            <rect width={node.width} height={node.height} rx={5} ry={5} />
            <text x={node.width / 2} y={node.height / 2} dominantBaseline="central" textAnchor="middle">
              {node.label}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}
