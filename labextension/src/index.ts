/**
 * jupyter-promote's JupyterLab plugins: the Promote sidebar panel with its cell-tag commands,
 * and the renderers of `%expect` and `%promote` outputs.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IStateDB } from '@jupyterlab/statedb';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ReadonlyPartialJSONValue } from '@lumino/coreutils';

import { PromoteApi } from './api';
import { CommandIds, registerTagCommands } from './commands';
import { promoteIcon } from './icon';
import { markNotebookKernels } from './marker';
import { applyOutput, expectationsRendererFactory, openNotebooks, promotionRendererFactory } from './mimerenderer';
import { PromoteModel } from './model';
import { PANEL_ID, PromotePanel } from './panel';
import { applyPromotion } from './promotion';
import { LastResults } from './results';
import { IExpectationResults } from './tokens';

const PLUGIN_ID = 'jupyter-promote:plugin';


const panelPlugin: JupyterFrontEndPlugin<IExpectationResults> = {
  id: PLUGIN_ID,
  description: 'Promote panel: step graph, cell badges, expectations, promote form, pipelines.',
  autoStart: true,
  provides: IExpectationResults,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    state: IStateDB | null
  ) => {
    const store = state
      ? {
          fetch: (id: string) => state.fetch(id),
          save: (id: string, value: LastResults) =>
            state.save(id, value as unknown as ReadonlyPartialJSONValue)
        }
      : null;
    const model = new PromoteModel(new PromoteApi(), store);
    const open = (path: string) => void app.commands.execute('docmanager:open', { path });
    const panel = new PromotePanel(model, open);
    panel.title.icon = promoteIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, PANEL_ID);

    registerTagCommands(app, tracker, palette);
    app.commands.addCommand(CommandIds.openPanel, {
      label: 'Open the Promote panel',
      execute: () => app.shell.activateById(PANEL_ID)
    });
    app.commands.addCommand(CommandIds.check, {
      label: 'Check the pipeline now',
      isEnabled: () => model.notebook !== null,
      execute: () => model.check()
    });
    app.commands.addCommand(CommandIds.tagStepsFromHeadings, {
      label: 'Tag steps from headings',
      caption: 'Add the step:NAME tags the markdown headings suggest (one Undo reverts them)',
      isEnabled: () => model.notebook !== null && model.suggestedSteps.length > 0,
      execute: () => {
        const report = model.tagStepsFromHeadings();
        if (report) {
          const notify = report.skipped.length ? Notification.warning : Notification.success;
          notify(report.message, { autoClose: 6000 });
        }
      }
    });

    tracker.currentChanged.connect((_, current) => model.setNotebook(current));
    model.setNotebook(tracker.currentWidget);
    void model.loadStatus();

    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const read = () => {
            model.user = {
              prefectUiUrl: String(settings.get('prefectUiUrl').composite ?? ''),
              workPool: String(settings.get('workPool').composite ?? ''),
              timezone: String(settings.get('timezone').composite ?? '')
            };
            model.emit();
          };
          read();
          settings.changed.connect(read);
        })
        .catch(err => console.warn('jupyter-promote: settings not loaded', err));
    }
    return model;
  }
};

const rendererPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-promote:expectations-renderer',
  description:
    'Applies expectations recorded by %expect and settings of %promote to the open notebook model ' +
    '(and tells the kernels).',
  autoStart: true,
  requires: [IRenderMimeRegistry, INotebookTracker],
  optional: [IExpectationResults],
  activate: (
    _app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    tracker: INotebookTracker,
    results: IExpectationResults | null
  ) => {
    const api = new PromoteApi();
    rendermime.addFactory(
      expectationsRendererFactory((payload, output) => applyOutput(api, tracker, payload, results, output))
    );
    rendermime.addFactory(
      promotionRendererFactory((payload, output) => applyPromotion(openNotebooks(tracker), payload, output))
    );
    markNotebookKernels(tracker);
  }
};

export default [panelPlugin, rendererPlugin];
