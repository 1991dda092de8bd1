import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, ensurePrivateFile } from './private-files.ts';

let dir: string;
let umask: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-private-'));
  umask = process.umask(0o022); // the usual desktop umask, which leaves new files world-readable
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string): number => statSync(path).mode & 0o777;

describe.skipIf(process.platform === 'win32')(
  'owner-only files and folders (POSIX modes; skipped on Windows: no mode bits)',
  () => {
    it('creates missing folders 0700 and tightens an existing 0755 one', () => {
      ensurePrivateDir(join(dir, 'a', 'b'));
      expect(mode(join(dir, 'a', 'b'))).toBe(0o700);
      const open = join(dir, 'open');
      mkdirSync(open, { mode: 0o755 });
      ensurePrivateDir(open);
      expect(mode(open)).toBe(0o700);
    });

    it('creates a missing file 0600, tightens a 0644 one, and leaves a missing one alone unless asked', () => {
      ensurePrivateFile(join(dir, 'new'), { create: true });
      expect(mode(join(dir, 'new'))).toBe(0o600);
      writeFileSync(join(dir, 'old'), 'transcript', { mode: 0o644 });
      chmodSync(join(dir, 'old'), 0o644);
      ensurePrivateFile(join(dir, 'old'));
      expect(mode(join(dir, 'old'))).toBe(0o600);
      expect(() => ensurePrivateFile(join(dir, 'absent'))).not.toThrow();
      expect(() => statSync(join(dir, 'absent'))).toThrow(/ENOENT/);
    });
  },
);
