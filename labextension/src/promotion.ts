/**
 * A `%promote` output (`application/vnd.jupyter-promote.promotion+json`) brought into the open
 * notebook: its promotion settings become `metadata.jupyter_promote.promotion`, through the same
 * function as a panel promotion's `remember` ({@link rememberPromotion}). Pure: the renderer in
 * `mimerenderer.ts` hands in the open notebooks and draws the note.
 */
import {
  cellHolding,
  IMetadataHolder,
  IOutputCell,
  isLiveOutput,
  matchesNotebook,
  rememberPromotion
} from './metadata';
import { IPromotionOutput } from './types';

/** An open notebook as {@link applyPromotion} sees it (a `NotebookPanel` in the lab). */
export interface IOpenNotebook {
  /** Server-relative path (`context.path`). */
  path: string;
  cells: Iterable<IOutputCell>;
  /** Where the settings go: the notebook model. */
  metadata: IMetadataHolder;
  /** Its kernel is busy: the liveness rule for an output no cell holds (the form's widget). */
  kernelBusy: boolean;
}

/**
 * What a `%promote` output did: `applied` (the model changed), `unchanged` (it had these settings
 * already), `not-live` (a saved output drawn again: nothing to do), `not-open` (no open notebook
 * is the payload's), `invalid` (no notebook path or settings object).
 */
export type PromotionOutcome = 'applied' | 'unchanged' | 'not-live' | 'not-open' | 'invalid';

export interface IPromotionApplied {
  outcome: PromotionOutcome;
  /** The payload's notebook path as the kernel gave it ('' when it has none). */
  notebook: string;
}

/** True when `payload` has a notebook path and a settings object. */
export function isPromotionOutput(payload: unknown): payload is IPromotionOutput {
  const p = payload as Partial<IPromotionOutput> | null;
  const settings = p?.promotion;
  return (
    typeof p?.notebook === 'string' &&
    p.notebook !== '' &&
    !!settings &&
    typeof settings === 'object' &&
    !Array.isArray(settings)
  );
}

/**
 * Keep a `%promote` output's settings in the open notebook it is for, when the output is live:
 * a saved output drawn again changes nothing. `notebooks` are the open ones, current first;
 * `output` is the output model being rendered.
 *
 * The notebook is the one whose path matches the payload's (see {@link matchesNotebook});
 * when several match, the one whose cells hold `output`, else one whose kernel is busy. Live (see
 * {@link isLiveOutput}): the cell holding `output` is running, in whichever open notebook it is
 * (a kernel shared by two notebooks reports one path); an output no cell holds (an ipywidgets
 * `Output` of the `%promote` form) is live while the kernel of the matching notebook is busy.
 *
 * Example: a live output of `/root/proj/sales.ipynb`, open as `sales.ipynb`, sets its
 * `metadata.jupyter_promote.promotion` and answers `{outcome: 'applied', notebook: ...}`.
 */
export function applyPromotion(
  notebooks: Iterable<IOpenNotebook>,
  payload: unknown,
  output: unknown
): IPromotionApplied {
  if (!isPromotionOutput(payload)) {
    const notebook = (payload as { notebook?: unknown } | null)?.notebook;
    return { outcome: 'invalid', notebook: typeof notebook === 'string' ? notebook : '' };
  }
  const { notebook, promotion } = payload;
  const open = [...notebooks];
  const holder = open.find(nb => cellHolding(nb.cells, output) !== null);
  const matching = open.filter(nb => matchesNotebook(notebook, nb.path));
  const target =
    holder && matching.includes(holder) ? holder : (matching.find(nb => nb.kernelBusy) ?? matching[0]);
  const judge = holder ?? target;
  if (judge && !isLiveOutput(judge.cells, output, judge.kernelBusy)) {
    return { outcome: 'not-live', notebook };
  }
  if (!target) {
    return { outcome: 'not-open', notebook };
  }
  const changed = rememberPromotion(target.metadata, promotion);
  return { outcome: changed ? 'applied' : 'unchanged', notebook };
}

export const APPLIED_NOTE = 'The promotion settings are in the open notebook: save it to keep them for next time.';

/**
 * The note under a `%promote` output: its text and whether the settings are in the open notebook
 * (`data-jp-promote-applied`); null for a saved output drawn again (nothing to say).
 */
export function promotionNote(applied: IPromotionApplied): { text: string; applied: boolean } | null {
  switch (applied.outcome) {
    case 'applied':
      return { text: APPLIED_NOTE, applied: true };
    case 'unchanged':
      return { text: 'The open notebook already has these promotion settings.', applied: true };
    case 'not-open':
      return {
        text:
          `The promotion settings were not kept: ${applied.notebook} is not open in this JupyterLab. ` +
          'Open it, run %promote again and save it to keep them for next time.',
        applied: false
      };
    case 'invalid':
      return {
        text: 'The promotion settings were not kept: this output has no notebook path or settings.',
        applied: false
      };
    default:
      return null;
  }
}
