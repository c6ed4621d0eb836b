/**
 * "Tag steps from headings": a notebook without step tags runs as one step; the check suggests
 * a `step:NAME` tag per markdown heading (`PipelineSpec.suggested_steps`). These add them to the
 * open notebook's cells in one undoable change, keeping every tag the cells have.
 */
import { parseTags, stepOfTag } from './tags';
import { ISuggestedStep } from './types';

/** A cell as the plan reads it. */
export interface ICellView {
  type: string;
  id: string | null;
  tags: readonly string[];
}

/** A suggestion left out, and why (in words). */
export interface ISkippedStep {
  step: ISuggestedStep;
  reason: string;
}

/** What to change: the new tags per cell index, and what each suggestion came to. */
export interface ITagPlan {
  tags: Map<number, string[]>;
  /** Suggestions whose tag gets added. */
  tagged: ISuggestedStep[];
  /** Suggestions whose cell already has the tag. */
  already: ISuggestedStep[];
  skipped: ISkippedStep[];
}

/** What "Tag steps from headings" did, with a sentence for the user. */
export interface ITagReport {
  tagged: ISuggestedStep[];
  already: ISuggestedStep[];
  skipped: ISkippedStep[];
  message: string;
}

/** The shared model parts used (an open notebook's `model.sharedModel`). */
export interface ISharedCellLike {
  readonly cell_type: string;
  readonly id: string;
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
}

export interface ISharedNotebookLike {
  readonly cells: readonly ISharedCellLike[];
  transact(f: () => void, undoable?: boolean): void;
}

/** The string tags of a cell's `tags` metadata value. */
export function tagList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

function whyNot(cell: ICellView | undefined, step: ISuggestedStep, tags: readonly string[]): string | null {
  const where = `cell ${step.cell_index + 1}`;
  if (!cell) {
    return `${where} is not in the notebook any more`;
  }
  if (step.cell_id && cell.id !== step.cell_id) {
    return `${where} is not the cell the check saw (id ${cell.id ?? 'none'}, expected ${step.cell_id}): check again`;
  }
  if (cell.type !== 'code') {
    return `${where} is not a code cell`;
  }
  const started = parseTags(tags).step;
  if (started !== null && started !== stepOfTag(step.tag)) {
    return `${where} already starts step "${started}"`;
  }
  return null;
}

/**
 * Which tags to add where: each suggestion's `tag` appended to the tags of the cell at
 * `cell_index` (no duplicate), unless that cell is gone, is not the cell with `cell_id`, is not
 * code, or already starts another step.
 */
export function planStepTags(cells: readonly ICellView[], suggestions: readonly ISuggestedStep[]): ITagPlan {
  const plan: ITagPlan = { tags: new Map(), tagged: [], already: [], skipped: [] };
  for (const step of suggestions) {
    const cell = cells[step.cell_index];
    const current = plan.tags.get(step.cell_index) ?? cell?.tags ?? [];
    const reason = whyNot(cell, step, current);
    if (reason) {
      plan.skipped.push({ step, reason });
    } else if (current.includes(step.tag)) {
      plan.already.push(step);
    } else {
      plan.tags.set(step.cell_index, [...current, step.tag]);
      plan.tagged.push(step);
    }
  }
  return plan;
}

const names = (steps: readonly ISuggestedStep[]) => steps.map(s => s.name).join(', ');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The panel's note over the suggestions. */
export function suggestionNote(steps: readonly ISuggestedStep[]): string {
  return (
    'This notebook has no steps yet: it runs as one step. ' +
    `Its headings suggest ${plural(steps.length, 'step')}: ${names(steps)}.`
  );
}

/** The sentence telling what a plan did. */
export function reportText(plan: Omit<ITagPlan, 'tags'>): string {
  const parts: string[] = [];
  if (plan.tagged.length) {
    parts.push(`Tagged ${plural(plan.tagged.length, 'step')}: ${names(plan.tagged)}.`);
  }
  if (plan.already.length) {
    parts.push(`Already tagged: ${names(plan.already)}.`);
  }
  for (const { step, reason } of plan.skipped) {
    parts.push(`Skipped ${step.tag}: ${reason}.`);
  }
  return parts.join(' ') || 'No step to tag.';
}

/** Stop Yjs merging this change with edits of the last 500 ms, so one Undo reverts exactly it. */
function stopCapturing(notebook: ISharedNotebookLike): void {
  (notebook as { undoManager?: { stopCapturing?: () => void } }).undoManager?.stopCapturing?.();
}

/**
 * Add the suggested tags to the open notebook (its shared model) in one transaction, one step
 * of the notebook's undo history. Nothing is written when no tag is to be added.
 */
export function tagStepsFromHeadings(
  notebook: ISharedNotebookLike,
  suggestions: readonly ISuggestedStep[]
): ITagReport {
  const cells = notebook.cells.map(cell => ({
    type: cell.cell_type,
    id: cell.id ?? null,
    tags: tagList(cell.getMetadata('tags'))
  }));
  const plan = planStepTags(cells, suggestions);
  if (plan.tags.size) {
    stopCapturing(notebook);
    notebook.transact(() => {
      for (const [index, tags] of plan.tags) {
        notebook.cells[index].setMetadata('tags', tags);
      }
    });
    stopCapturing(notebook);
  }
  const { tagged, already, skipped } = plan;
  return { tagged, already, skipped, message: reportText(plan) };
}
