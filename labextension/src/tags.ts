/**
 * Cell tags, client side: pure functions over string arrays.
 *
 * Mirrors the vocabulary of jupyter_promote/core/tags.py (including Kubeflow Kale's aliases) so
 * badges can be drawn without a round trip. The server's `check` stays the authority for
 * diagnostics; these functions only read and write tags.
 */

export type Role = 'parameters' | 'setup' | 'skip' | 'step' | 'plain' | 'injected-parameters';

/** Plain tags and the role they give; Kale's names are read as ours. */
export const ROLE_TAGS: Readonly<Record<string, Role>> = {
  parameters: 'parameters',
  'pipeline-parameters': 'parameters',
  setup: 'setup',
  imports: 'setup',
  functions: 'setup',
  skip: 'skip',
  'injected-parameters': 'injected-parameters'
};
export const STEP_PREFIXES = ['step', 'block'];
export const AFTER_PREFIXES = ['after', 'prev'];
export const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function split(tag: string): [string, string] | null {
  const at = tag.indexOf(':');
  return at < 0 ? null : [tag.slice(0, at), tag.slice(at + 1)];
}

/** The step name a `step:`/`block:` tag starts, or null. */
export function stepOfTag(tag: string): string | null {
  const parts = split(tag);
  return parts && STEP_PREFIXES.includes(parts[0]) && parts[1].trim() ? parts[1] : null;
}

/** The step an `after:`/`prev:` tag names, or null. */
export function afterOfTag(tag: string): string | null {
  const parts = split(tag);
  return parts && AFTER_PREFIXES.includes(parts[0]) && parts[1].trim() ? parts[1] : null;
}

/** True for tags that give a cell its role (step, setup, parameters, skip and their aliases). */
export function isRoleTag(tag: string): boolean {
  const parts = split(tag);
  return tag in ROLE_TAGS || (parts !== null && STEP_PREFIXES.includes(parts[0]));
}

export interface ICellTags {
  role: Role;
  step: string | null;
  after: string[];
}

/** The meaning of one code cell's tags (the first step tag wins, as in tags.py). */
export function parseTags(tags: readonly string[]): ICellTags {
  const out: ICellTags = { role: 'plain', step: null, after: [] };
  for (const tag of tags) {
    const step = stepOfTag(tag);
    const after = afterOfTag(tag);
    if (step !== null) {
      if (out.step === null && STEP_NAME.test(step)) {
        out.step = step;
        out.role = 'step';
      }
    } else if (after !== null) {
      if (!out.after.includes(after)) {
        out.after.push(after);
      }
    } else if (tag in ROLE_TAGS && out.role !== 'step') {
      out.role = ROLE_TAGS[tag];
    }
  }
  return out;
}

/** Tags with `step:NAME` starting the cell's step, replacing any step/block tag it had. */
export function setStepTag(tags: readonly string[], name: string): string[] {
  const clean = name.trim();
  if (!STEP_NAME.test(clean)) {
    throw new Error(
      `"${name}" is not a valid step name: use letters, digits, "_" and "-", starting with a letter or _`
    );
  }
  return [`step:${clean}`, ...tags.filter(t => !isRoleTag(t))];
}

/** Tags with `after:NAME` added (no duplicate; an existing `prev:NAME` counts). */
export function addAfterTag(tags: readonly string[], name: string): string[] {
  if (tags.some(t => afterOfTag(t) === name)) {
    return [...tags];
  }
  return [...tags, `after:${name}`];
}

/** Tags without any `after:NAME`/`prev:NAME` naming `name`. */
export function removeAfterTag(tags: readonly string[], name: string): string[] {
  return tags.filter(t => afterOfTag(t) !== name);
}

/** True when the cell has the role, through our tag or a Kale alias. */
export function hasRole(tags: readonly string[], role: Role): boolean {
  return tags.some(t => ROLE_TAGS[t] === role);
}

/**
 * Toggle a plain role (`skip`, `setup`, `parameters`): remove it (and its Kale aliases) when the
 * cell has it, else set it, dropping the other role tags: a cell has one role only.
 */
export function toggleRole(tags: readonly string[], role: 'skip' | 'setup' | 'parameters'): string[] {
  if (hasRole(tags, role)) {
    return tags.filter(t => ROLE_TAGS[t] !== role);
  }
  return [...tags.filter(t => !isRoleTag(t)), role];
}

/** Step names started anywhere in the notebook, in order, without duplicates. */
export function stepNames(cellTags: readonly (readonly string[])[]): string[] {
  const names: string[] = [];
  for (const tags of cellTags) {
    const step = parseTags(tags).step;
    if (step && !names.includes(step)) {
      names.push(step);
    }
  }
  return names;
}
