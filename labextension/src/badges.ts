/**
 * Which badge each cell shows: its step name, "setup", "parameters" or "skip".
 *
 * Follows core/assemble.py: a `step:` tag starts a step; untagged code cells after it belong to
 * it; `parameters`, `setup` and `skip` cells do not end the current step. Untagged code cells
 * before the first step run nowhere ("no step").
 */
import { parseTags } from './tags';

export type BadgeKind = 'step' | 'step-cell' | 'setup' | 'parameters' | 'skip' | 'unassigned';

export interface IBadge {
  kind: BadgeKind;
  label: string;
  /** The step the cell belongs to, for step and step-cell badges. */
  step: string | null;
}

export interface ICellInfo {
  type: string;
  tags: readonly string[];
  /** Empty cells continue a step without a badge. */
  empty?: boolean;
}

/** One badge (or null: markdown, raw, empty or papermill-injected cells) per cell. */
export function computeBadges(cells: readonly ICellInfo[]): (IBadge | null)[] {
  let current: string | null = null;
  return cells.map(cell => {
    if (cell.type !== 'code') {
      return null;
    }
    const parsed = parseTags(cell.tags);
    switch (parsed.role) {
      case 'step':
        current = parsed.step;
        return { kind: 'step', label: parsed.step!, step: parsed.step };
      case 'setup':
      case 'parameters':
      case 'skip':
        return { kind: parsed.role, label: parsed.role, step: null };
      case 'injected-parameters':
        return null;
      default:
        if (cell.empty) {
          return null;
        }
        return current === null
          ? { kind: 'unassigned', label: 'no step', step: null }
          : { kind: 'step-cell', label: current, step: current };
    }
  });
}
