import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The packaged app's RunAsNode fuse is off (electron-builder.yml): its binary cannot be run as
 * plain Node, so `process.execPath` with that environment variable would start the whole app
 * again. Nothing in src/ may rely on it; capture helpers are started by the parent instead.
 */
const SRC = join(import.meta.dirname, '..');
// Assembled, so that this file does not find itself.
const RUN_AS_NODE = ['ELECTRON', 'RUN', 'AS', 'NODE'].join('_');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|js|mjs|cjs|svelte)$/.test(entry.name) ? [path] : [];
  });
}

describe('no code relies on running the app binary as plain Node', () => {
  const files = sourceFiles(SRC);

  it(`finds no ${RUN_AS_NODE} anywhere in src/`, () => {
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((file) => readFileSync(file, 'utf8').includes(RUN_AS_NODE));
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });

  it('starts no process from process.execPath in capture code (helpers come from the parent)', () => {
    // Matched below src/ only: the checkout itself may sit in a folder named capture.
    const capture = files.filter((file) => /^capture[\\/]/.test(relative(SRC, file)) && !file.endsWith('.test.ts'));
    expect(capture.length).toBeGreaterThan(10);
    // The sound server's own clients (pactl, parec) are system binaries, not this one: the
    // files that run them may use child_process, and nothing else in capture may.
    const soundServerClients = /[\\/]pulse-(server|monitor|stream)\.ts$/;
    const offenders = capture.filter((file) => {
      const text = readFileSync(file, 'utf8');
      if (/process\.execPath/.test(text)) return true;
      return /from 'node:child_process'/.test(text) && !soundServerClients.test(file);
    });
    expect(offenders.map((file) => relative(SRC, file))).toEqual([]);
  });
});
