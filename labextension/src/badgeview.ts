/**
 * Draws the step badges on the cells of a notebook (computed client-side from tags).
 */
import { NotebookPanel } from '@jupyterlab/notebook';

import { computeBadges, IBadge } from './badges';

export const BADGE_CLASS = 'jp-Promote-badge';

function tagsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}

/** Put (or update, or remove) the badge of every cell of the notebook. */
export function refreshBadges(panel: NotebookPanel): void {
  const cells = panel.content.widgets;
  const badges = computeBadges(
    cells.map(cell => ({
      type: cell.model.type,
      tags: tagsOf(cell.model.getMetadata('tags')),
      empty: !cell.model.sharedModel.getSource().trim()
    }))
  );
  cells.forEach((cell, i) => setBadge(cell.node, badges[i]));
}

function setBadge(node: HTMLElement, badge: IBadge | null): void {
  let el = node.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
  if (!badge) {
    el?.remove();
    return;
  }
  if (!el) {
    el = document.createElement('div');
    el.className = BADGE_CLASS;
    node.appendChild(el);
  }
  el.textContent = badge.label;
  el.dataset.jpPromoteBadge = badge.label;
  el.dataset.jpPromoteKind = badge.kind;
  el.title =
    badge.kind === 'step'
      ? `starts step "${badge.label}"`
      : badge.kind === 'step-cell'
        ? `part of step "${badge.label}"`
        : badge.kind === 'unassigned'
          ? 'before the first step: runs nowhere in production'
          : `${badge.label} cell`;
}
