import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleSpillFiles, SpillFile } from './spill-file.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'earshot-spill-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('spill file', () => {
  it('keeps samples on disk readable by its owner only, reads them back and empties on reset', () => {
    const spill = new SpillFile(tempDir(), 'session-a');
    spill.append(Int16Array.from([1, 2, 3]));
    spill.append(Int16Array.from([4, 5]));
    expect(statSync(spill.path).mode & 0o777).toBe(0o600);
    expect(Array.from(spill.read(1, 3))).toEqual([2, 3, 4]);
    expect(Array.from(spill.read(4, 10))).toEqual([5]);
    spill.reset();
    expect(statSync(spill.path).size).toBe(0);
    spill.dispose();
    expect(() => statSync(spill.path)).toThrow(/ENOENT/);
  });

  it('removes spill files a killed run left behind, and nothing else in the folder', () => {
    const dir = tempDir();
    const left = new SpillFile(dir, 'killed-run');
    left.append(new Int16Array(16_000));
    // The run "dies": its descriptor goes with it but the file stays.
    writeFileSync(join(dir, 'killed-run.jsonl'), '{"type":"header"}\n');
    writeFileSync(join(dir, 'notes.spill.txt'), 'not a spill file');

    expect(removeStaleSpillFiles(dir)).toEqual([left.path]);
    expect(readdirSync(dir).sort()).toEqual(['killed-run.jsonl', 'notes.spill.txt']);
    expect(removeStaleSpillFiles(join(dir, 'missing'))).toEqual([]);
  });
});
