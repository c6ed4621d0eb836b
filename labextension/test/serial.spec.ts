import { describe, expect, it } from 'vitest';

import { serially } from '../src/util';

describe('serially', () => {
  it('runs changes one after another, even after a failure', async () => {
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => () =>
      new Promise<string>((resolve, reject) =>
        setTimeout(() => {
          log.push(name);
          if (fail) {
            reject(new Error(name));
          } else {
            resolve(name);
          }
        }, ms)
      );
    const first = serially(step('slow', 30));
    const second = serially(step('broken', 1, true));
    const third = serially(step('fast', 1));
    await expect(first).resolves.toBe('slow');
    await expect(second).rejects.toThrow('broken');
    await expect(third).resolves.toBe('fast');
    expect(log).toEqual(['slow', 'broken', 'fast']);
  });
});
