import { describe, expect, it } from 'vitest';

import { planStepTags, suggestionNote, tagStepsFromHeadings } from '../src/steps';
import { ISuggestedStep } from '../src/types';
import { codeCell, markdownCell, openNotebook } from './fixtures';

const suggest = (cell_index: number, name: string, cell_id: string | null = null): ISuggestedStep => ({
  cell_index,
  cell_id,
  name,
  heading: `${name[0].toUpperCase()}${name.slice(1)} the data`,
  tag: `step:${name}`
});

const cells = () => [
  markdownCell('m0', '# Load the data'),
  codeCell('c1', 'df = load()', ['setup-ish']),
  markdownCell('m2', '# Clean the data'),
  codeCell('c3', 'df = clean(df)'),
  markdownCell('m4', '# Report'),
  codeCell('c5', 'report(df)', ['step:report'])
];

const tagsOf = (notebook: ReturnType<typeof openNotebook>['notebook']) =>
  notebook.cells.map(c => (c.getMetadata('tags') as string[] | undefined) ?? []);

describe('the note over the suggestions', () => {
  it('says the notebook runs as one step and names the steps', () => {
    expect(suggestionNote([suggest(1, 'load'), suggest(3, 'clean')])).toBe(
      'This notebook has no steps yet: it runs as one step. Its headings suggest 2 steps: load, clean.'
    );
    expect(suggestionNote([suggest(1, 'load')])).toContain('suggest 1 step: load.');
  });
});

describe('planning the tags', () => {
  const view = (type: string, id: string | null, tags: string[] = []) => ({ type, id, tags });

  it('appends each tag to its cell, keeping the tags it has, without duplicates', () => {
    const plan = planStepTags(
      [view('markdown', 'm0'), view('code', 'c1', ['slow']), view('code', 'c2', ['step:clean'])],
      [suggest(1, 'load', 'c1'), suggest(2, 'clean')]
    );
    expect([...plan.tags]).toEqual([[1, ['slow', 'step:load']]]);
    expect(plan.tagged.map(s => s.name)).toEqual(['load']);
    expect(plan.already.map(s => s.name)).toEqual(['clean']);
    expect(plan.skipped).toEqual([]);
  });

  it('skips a cell that moved, is gone, is not code or starts another step, and says why', () => {
    const plan = planStepTags(
      [view('code', 'other'), view('markdown', 'm1'), view('code', 'c2', ['step:mine'])],
      [suggest(0, 'load', 'c0'), suggest(1, 'clean'), suggest(2, 'report'), suggest(9, 'late')]
    );
    expect(plan.tags.size).toBe(0);
    expect(plan.skipped.map(s => s.reason)).toEqual([
      'cell 1 is not the cell the check saw (id other, expected c0): check again',
      'cell 2 is not a code cell',
      'cell 3 already starts step "mine"',
      'cell 10 is not in the notebook any more'
    ]);
  });
});

describe('Tag steps from headings on the open notebook', () => {
  it('tags the cells in one transaction that one Undo reverts', () => {
    const { notebook, updates } = openNotebook(cells());
    const report = tagStepsFromHeadings(notebook, [suggest(1, 'load', 'c1'), suggest(3, 'clean', 'c3')]);
    expect(report.message).toBe('Tagged 2 steps: load, clean.');
    expect(tagsOf(notebook)).toEqual([[], ['setup-ish', 'step:load'], [], ['step:clean'], [], ['step:report']]);
    expect(updates()).toBe(1);
    expect(notebook.dirty).toBe(true);

    expect(notebook.canUndo()).toBe(true);
    notebook.undo();
    expect(tagsOf(notebook)).toEqual([[], ['setup-ish'], [], [], [], ['step:report']]);
    expect(notebook.canUndo()).toBe(false);
  });

  it('tags what it can, reports the cell whose id does not match, and adds no duplicate', () => {
    const { notebook } = openNotebook(cells());
    const report = tagStepsFromHeadings(notebook, [
      suggest(1, 'load', 'c1'),
      suggest(3, 'clean', 'moved'),
      suggest(5, 'report', 'c5')
    ]);
    expect(tagsOf(notebook)[1]).toEqual(['setup-ish', 'step:load']);
    expect(tagsOf(notebook)[3]).toEqual([]);
    expect(tagsOf(notebook)[5]).toEqual(['step:report']);
    expect(report.tagged.map(s => s.name)).toEqual(['load']);
    expect(report.already.map(s => s.name)).toEqual(['report']);
    expect(report.message).toBe(
      'Tagged 1 step: load. Already tagged: report. ' +
        'Skipped step:clean: cell 4 is not the cell the check saw (id c3, expected moved): check again.'
    );
  });

  it('writes nothing (stays clean) when there is nothing to add', () => {
    const { notebook, updates } = openNotebook(cells());
    const report = tagStepsFromHeadings(notebook, [suggest(5, 'report'), suggest(0, 'intro')]);
    expect(report.tagged).toEqual([]);
    expect(updates()).toBe(0);
    expect(notebook.dirty).toBe(false);
    expect(tagStepsFromHeadings(notebook, []).message).toBe('No step to tag.');
  });
});
