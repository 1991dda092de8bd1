import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForExit } from '../../../tests/helpers/process-events.ts';
import { within } from '../../../tests/helpers/wait.ts';
import { EarshotError } from '../../shared/errors.ts';
import { acquireDirLock, LOCK_FILE_NAME, type DirLock } from './dir-lock.ts';

const HOLDER = resolve(import.meta.dirname, '../../../tests/helpers/lock-holder.ts');
const OWNER = { kind: 'earshot ui', stopHint: 'stop it with Ctrl+C', alternative: 'use --data-dir DIR' };

let dir: string;
const locks: DirLock[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-lock-'));
});
afterEach(async () => {
  for (const lock of locks.splice(0)) lock.release();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitForExit(child.pid!, 'a lock-holder process');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function take(): DirLock {
  const lock = acquireDirLock(dir, OWNER);
  locks.push(lock);
  return lock;
}

function refusal(action: () => unknown): EarshotError {
  try {
    action();
  } catch (error) {
    if (error instanceof EarshotError) return error;
    throw error;
  }
  throw new Error('expected the lock to be refused');
}

interface HolderLine {
  event: 'locked' | 'refused';
  pid?: number;
  code?: string;
  message?: string;
}

/** A real second process taking the lock; resolves with the line it printed. */
function startHolder(kind: string): { child: ChildProcess; line: Promise<HolderLine> } {
  const child = spawn(process.execPath, [HOLDER, dir, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  const line = within(
    new Promise<HolderLine>((done) => lines.once('line', (text) => done(JSON.parse(text) as HolderLine))),
    { what: `the ${kind} lock holder to report`, timeoutMs: 20_000 },
  );
  return { child, line };
}

/** A pid that existed a moment ago and is gone now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await within(new Promise((done) => child.once('exit', done)), { what: 'a short-lived process to exit' });
  return pid;
}

function writeLock(holder: Record<string, unknown>): void {
  writeFileSync(join(dir, LOCK_FILE_NAME), JSON.stringify(holder));
}

describe('data folder lock', () => {
  it('records who holds it, owner-only, and refuses a second taker by name until released', () => {
    const lock = take();
    const recorded = JSON.parse(readFileSync(lock.path, 'utf8')) as Record<string, unknown>;
    expect(recorded).toMatchObject({ pid: process.pid, kind: 'earshot ui' });
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const error = refusal(() => acquireDirLock(dir, { kind: 'desktop app', stopHint: 'quit it' }));
    expect(error.code).toBe('DATA_DIR_IN_USE');
    expect(error.message).toContain(`Earshot (earshot ui, pid ${process.pid}`);
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/; stop it with Ctrl\+C\.$/); // how to stop the holder; this taker has no alternative

    lock.release();
    lock.release(); // idempotent
    expect(() => readFileSync(lock.path)).toThrow(/ENOENT/);
    expect(take().holder.kind).toBe('earshot ui');
  });

  it('takes over the lock of a process that has ended (crash, kill -9)', async () => {
    const pid = await deadPid();
    writeLock({
      pid,
      kind: 'desktop app',
      startedAt: Date.now(),
      hostname: hostname(),
      stopHint: 'stop it',
      nonce: 'x',
    });
    const lock = take();
    expect(lock.holder.pid).toBe(process.pid);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it.skipIf(process.platform !== 'linux')(
    'takes over a lock whose pid now belongs to a process started after it (Linux: /proc start times; skipped elsewhere: no /proc)',
    async () => {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
      children.push(child);
      await within(new Promise((done) => child.once('spawn', done)), { what: 'a live process to start' });
      writeLock({
        pid: child.pid,
        kind: 'desktop app',
        startedAt: Date.now() - 60_000,
        hostname: hostname(),
        stopHint: 'quit it',
        nonce: 'x',
      });
      expect(take().holder.pid).toBe(process.pid);
    },
  );

  it('treats a lock taken on another machine (a shared network folder) as held', () => {
    writeLock({
      pid: 1,
      kind: 'earshot ui',
      startedAt: Date.now(),
      hostname: 'elsewhere',
      stopHint: 'stop it',
      nonce: 'x',
    });
    expect(refusal(take).message).toContain('(earshot ui, pid 1 on elsewhere,');
  });

  it('takes over an unreadable lock file once it is old, but not while it may be being written', () => {
    writeFileSync(join(dir, LOCK_FILE_NAME), 'garbage');
    expect(refusal(take).message).toMatch(/^Another Earshot that is starting up is already using/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE_NAME), old, old);
    expect(take().holder.pid).toBe(process.pid);
  });

  it('lets one real process hold the folder; a second one is told which; after a kill -9 the next one takes it', async () => {
    const first = startHolder('earshot ui');
    const locked = await first.line;
    expect(locked).toEqual({ event: 'locked', pid: first.child.pid });

    const second = await startHolder('desktop app').line;
    expect(second.event).toBe('refused');
    expect(second.code).toBe('DATA_DIR_IN_USE');
    expect(second.message).toContain(`Earshot (earshot ui, pid ${first.child.pid}`);
    expect(second.message).toContain('; stop the earshot ui, or use --data-dir DIR.');
    expect(refusal(take).message).toContain(`pid ${first.child.pid}`);

    first.child.kill('SIGKILL');
    await waitForExit(first.child.pid!, 'the first holder');
    expect(take().holder.pid).toBe(process.pid); // its lock was stale: taken over
  });

  it('gives the folder to exactly one of several processes starting at once', async () => {
    const pid = await deadPid();
    writeLock({
      pid,
      kind: 'earshot ui',
      startedAt: Date.now(),
      hostname: hostname(),
      stopHint: 'stop it',
      nonce: 'x',
    });
    const racers = [1, 2, 3, 4].map(() => startHolder('earshot ui'));
    const lines = await Promise.all(racers.map((r) => r.line));
    expect(lines.filter((l) => l.event === 'locked')).toHaveLength(1);
    expect(lines.filter((l) => l.event === 'refused').every((l) => l.code === 'DATA_DIR_IN_USE')).toBe(true);
  });
});

describe('data folder lock on a folder that cannot be written', () => {
  const asRoot = process.getuid?.() === 0;
  it.skipIf(process.platform === 'win32' || asRoot)(
    `says the folder cannot be written instead of failing obscurely${asRoot ? ' (skipped: root may write anywhere)' : ' (skipped on Windows: no POSIX modes)'}`,
    () => {
      const locked = join(dir, 'read-only');
      mkdirSync(locked, { mode: 0o500 });
      const error = refusal(() => acquireDirLock(locked, OWNER));
      expect(error.code).toBe('STORAGE_READ_ONLY');
      expect(error.message).toContain(`The data folder ${locked} cannot be written`);
    },
  );
});
