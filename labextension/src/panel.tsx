/**
 * The "Promote" sidebar panel: four sections over one {@link PromoteModel}.
 */
import * as React from 'react';

import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';

import { ExpectationsSection } from './components/ExpectationsSection';
import { PipelineSection } from './components/PipelineSection';
import { PipelinesSection } from './components/PipelinesSection';
import { PromoteSection } from './components/PromoteSection';
import { PromoteModel } from './model';

export const PANEL_ID = 'jp-promote-panel';

export class PromotePanel extends ReactWidget {
  constructor(
    readonly model: PromoteModel,
    private readonly _open: (path: string) => void
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-Promote-panel');
    this.title.caption = 'Promote: pipeline, expectations, promotion';
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <div className="jp-Promote-content">
            <PipelineSection model={this.model} />
            <ExpectationsSection model={this.model} />
            <PromoteSection model={this.model} open={this._open} />
            <PipelinesSection model={this.model} open={this._open} />
          </div>
        )}
      </UseSignal>
    );
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }
}
