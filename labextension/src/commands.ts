/**
 * Commands that tag cells (`jupyter-promote:*`): in the palette, the cell context menu and the
 * notebook toolbar (declared in schema/plugin.json), bindable to keyboard shortcuts.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { INotebookTracker } from '@jupyterlab/notebook';

import { promoteIcon } from './icon';
import { addAfterTag, parseTags, setStepTag, stepNames, toggleRole } from './tags';

export const CommandIds = {
  startStep: 'jupyter-promote:start-step',
  dependsOn: 'jupyter-promote:depends-on',
  toggleSkip: 'jupyter-promote:toggle-skip',
  markSetup: 'jupyter-promote:mark-setup',
  markParameters: 'jupyter-promote:mark-parameters',
  openPanel: 'jupyter-promote:open-panel',
  check: 'jupyter-promote:check',
  tagStepsFromHeadings: 'jupyter-promote:tag-steps-from-headings'
} as const;

function tagsOf(cell: Cell): string[] {
  const tags = cell.model.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

function setTags(cell: Cell, tags: string[]): void {
  if (tags.length) {
    cell.model.setMetadata('tags', tags);
  } else {
    cell.model.deleteMetadata('tags');
  }
}

export function registerTagCommands(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  palette: ICommandPalette | null
): void {
  const { commands } = app;
  // From the context menu: the cell right-clicked; otherwise the active cell. Only running a
  // command makes it the active cell: isEnabled/isToggled, evaluated whenever the toolbar or a
  // menu refreshes, only read.
  const activeCell = (select = true): Cell | null => {
    const notebook = tracker.currentWidget?.content;
    if (!notebook) {
      return null;
    }
    const hit = app.contextMenuHitTest(node => node.classList.contains('jp-Cell'));
    const index = hit ? notebook.widgets.findIndex(c => c.node === hit) : -1;
    if (index < 0) {
      return notebook.activeCell;
    }
    if (select && index !== notebook.activeCellIndex) {
      notebook.activeCellIndex = index;
    }
    return notebook.widgets[index];
  };
  const isCode = () => activeCell(false)?.model.type === 'code';
  const allTags = (): string[][] =>
    (tracker.currentWidget?.content.widgets ?? []).map(c => tagsOf(c));

  commands.addCommand(CommandIds.startStep, {
    label: 'Start step here...',
    icon: args => (args.toolbar ? promoteIcon : undefined),
    caption: 'Start a pipeline step at this cell (tag step:NAME)',
    isEnabled: isCode,
    execute: async () => {
      const cell = activeCell();
      if (!cell) {
        return;
      }
      const current = parseTags(tagsOf(cell)).step ?? '';
      const answer = await InputDialog.getText({
        title: 'Start step here',
        label: 'Step name (letters, digits, _ and -)',
        text: current,
        placeholder: 'load'
      });
      if (!answer.button.accept || !answer.value?.trim()) {
        return;
      }
      try {
        setTags(cell, setStepTag(tagsOf(cell), answer.value));
      } catch (err) {
        await showErrorMessage('Invalid step name', (err as Error).message);
      }
    }
  });

  commands.addCommand(CommandIds.dependsOn, {
    label: 'Depends on...',
    caption: 'This cell\'s step runs after another step (tag after:NAME)',
    isEnabled: isCode,
    execute: async () => {
      const cell = activeCell();
      if (!cell) {
        return;
      }
      const own = parseTags(tagsOf(cell)).step;
      const items = stepNames(allTags()).filter(n => n !== own);
      if (!items.length) {
        await showErrorMessage('No step to depend on', 'Start a step in another cell first.');
        return;
      }
      const answer = await InputDialog.getItem({ title: 'Depends on step', items });
      if (answer.button.accept && answer.value) {
        setTags(cell, addAfterTag(tagsOf(cell), answer.value));
      }
    }
  });

  const roleCommand = (id: string, role: 'skip' | 'setup' | 'parameters', label: string, caption: string) =>
    commands.addCommand(id, {
      label,
      caption,
      isEnabled: isCode,
      isToggled: () => {
        const cell = activeCell(false);
        return cell ? parseTags(tagsOf(cell)).role === role : false;
      },
      execute: () => {
        const cell = activeCell();
        if (cell) {
          setTags(cell, toggleRole(tagsOf(cell), role));
        }
      }
    });
  roleCommand(CommandIds.toggleSkip, 'skip', 'Skip in production', 'Exploration only: never runs in production (tag skip)');
  roleCommand(CommandIds.markSetup, 'setup', 'Mark as setup', 'Imports and helpers run before every step (tag setup)');
  roleCommand(CommandIds.markParameters, 'parameters', 'Mark as parameters', "The pipeline's parameters cell (tag parameters)");

  if (palette) {
    const category = 'Promote';
    for (const command of Object.values(CommandIds)) {
      palette.addItem({ command, category });
    }
  }
}
