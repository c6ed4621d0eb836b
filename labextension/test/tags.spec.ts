import { describe, expect, it } from 'vitest';

import { computeBadges } from '../src/badges';
import {
  addAfterTag,
  parseTags,
  removeAfterTag,
  setStepTag,
  stepNames,
  toggleRole
} from '../src/tags';

describe('parseTags', () => {
  it('reads our tags and Kale aliases', () => {
    expect(parseTags(['step:load', 'after:a', 'prev:b'])).toEqual({ role: 'step', step: 'load', after: ['a', 'b'] });
    expect(parseTags(['block:clean']).step).toBe('clean');
    expect(parseTags(['imports']).role).toBe('setup');
    expect(parseTags(['functions']).role).toBe('setup');
    expect(parseTags(['pipeline-parameters']).role).toBe('parameters');
    expect(parseTags(['skip', 'hide-input']).role).toBe('skip');
    expect(parseTags(['hide-input']).role).toBe('plain');
  });

  it('ignores empty and invalid step names, keeps the first valid one', () => {
    expect(parseTags(['step:']).role).toBe('plain');
    expect(parseTags(['step:load data']).step).toBeNull();
    expect(parseTags(['step:a', 'step:b']).step).toBe('a');
    expect(parseTags(['after:x', 'after:x']).after).toEqual(['x']);
  });
});

describe('tag edits', () => {
  it('setStepTag replaces the step tag and conflicting roles, keeps others', () => {
    expect(setStepTag(['block:old', 'hide-input', 'after:a', 'skip'], ' new ')).toEqual([
      'step:new',
      'hide-input',
      'after:a'
    ]);
    expect(() => setStepTag([], 'load data')).toThrow(/not a valid step name/);
  });

  it('addAfterTag adds once; prev: counts as present', () => {
    expect(addAfterTag(['step:b'], 'a')).toEqual(['step:b', 'after:a']);
    expect(addAfterTag(['step:b', 'after:a'], 'a')).toEqual(['step:b', 'after:a']);
    expect(addAfterTag(['prev:a'], 'a')).toEqual(['prev:a']);
    expect(removeAfterTag(['prev:a', 'after:a', 'after:c'], 'a')).toEqual(['after:c']);
  });

  it('toggleRole sets one role, dropping the others, and removes it again', () => {
    expect(toggleRole(['step:load', 'hide-input'], 'skip')).toEqual(['hide-input', 'skip']);
    expect(toggleRole(['hide-input', 'skip'], 'skip')).toEqual(['hide-input']);
    expect(toggleRole(['imports'], 'setup')).toEqual([]);
    expect(toggleRole(['setup'], 'parameters')).toEqual(['parameters']);
  });

  it('stepNames lists steps in order, once', () => {
    expect(stepNames([['step:a'], [], ['block:b'], ['step:a'], ['skip']])).toEqual(['a', 'b']);
  });
});

describe('computeBadges', () => {
  it('labels cells as assemble.py places them', () => {
    const code = (tags: string[], empty = false) => ({ type: 'code', tags, empty });
    const badges = computeBadges([
      code([]),
      code(['parameters']),
      { type: 'markdown', tags: [] },
      code(['step:load']),
      code([]),
      code(['skip']),
      code([]),
      code([], true),
      code(['setup']),
      code(['block:clean', 'after:load']),
      code(['injected-parameters'])
    ]);
    expect(badges.map(b => (b ? `${b.kind}:${b.label}` : null))).toEqual([
      'unassigned:no step',
      'parameters:parameters',
      null,
      'step:load',
      'step-cell:load',
      'skip:skip',
      'step-cell:load',
      null,
      'setup:setup',
      'step:clean',
      null
    ]);
  });
});
