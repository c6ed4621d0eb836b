import { describe, expect, it } from 'vitest';

import { isPython, KernelMarker } from '../src/marker';

/** The part of a kernel connection the marker uses. */
function kernel(id: string, language: string) {
  return { id, info: Promise.resolve({ language_info: { name: language } }) } as never;
}

describe('KernelMarker', () => {
  it('marks a Python kernel once per start, again after a restart', async () => {
    const sent: string[] = [];
    const marker = new KernelMarker(async k => {
      sent.push((k as { id: string }).id);
    });
    const k = kernel('k1', 'python');
    await marker.onStatus(k, 'busy');
    expect(sent).toEqual([]);
    await marker.onStatus(k, 'idle');
    await marker.onStatus(k, 'idle');
    expect(sent).toEqual(['k1']);
    await marker.onStatus(k, 'restarting');
    expect(marker.marked).toBeNull();
    await marker.onStatus(k, 'idle');
    expect(sent).toEqual(['k1', 'k1']);
  });

  it('leaves other languages alone and retries after a failed send', async () => {
    const sent: string[] = [];
    let fail = true;
    const marker = new KernelMarker(async k => {
      if (fail) {
        throw new Error('kernel went away');
      }
      sent.push((k as { id: string }).id);
    });
    await marker.onStatus(kernel('r1', 'R'), 'idle');
    expect(sent).toEqual([]);
    const py = kernel('p1', 'python');
    await marker.onStatus(py, 'idle');
    expect(marker.marked).toBeNull();
    fail = false;
    await marker.onStatus(py, 'idle');
    expect(sent).toEqual(['p1']);
  });

  it('knows Python by its language name', () => {
    expect(isPython('python')).toBe(true);
    expect(isPython('Python')).toBe(true);
    expect(isPython('julia')).toBe(false);
    expect(isPython(undefined)).toBe(false);
  });
});
