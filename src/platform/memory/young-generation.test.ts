import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('./young-generation.ts', import.meta.url));

/**
 * A fresh Node process allocates 190 MB of 640-byte frames while keeping the last 1,500 (about
 * a megabyte, like the replay buffer's few seconds at 50× real time) and reports its new
 * space's size in MB: with and without holdYoungGeneration() called first.
 */
function newSpaceAfterFrames(hold: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { holdYoungGeneration } from ${JSON.stringify(MODULE)};
    if (${hold}) holdYoungGeneration();
    const keep = [];
    for (let i = 0; i < 300_000; i++) {
      keep.push(new Int16Array(320));
      if (keep.length > 1500) keep.shift();
    }
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576));
  `;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

describe('holdYoungGeneration', () => {
  it('keeps the young generation at its start-up size under a full-speed stream of frames', () => {
    expect(newSpaceAfterFrames(false)).toBeGreaterThanOrEqual(8); // V8 left alone grows it
    expect(newSpaceAfterFrames(true)).toBeLessThanOrEqual(2);
  });
});
