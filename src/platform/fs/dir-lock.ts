import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { EarshotError } from '../../shared/errors.ts';
import { createLogger } from '../log/logger.ts';
import { isErrno } from './atomic-file.ts';
import { processStartedAfter } from './process-alive.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './private-files.ts';

const log = createLogger('dir-lock');

export const LOCK_FILE_NAME = 'earshot.lock';
/** A lock file that is not valid JSON this young may be one being written; older, it is debris. */
const UNREADABLE_GRACE_MS = 10_000;
/** A takeover folder this old was left by a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 30_000;

const holderSchema = z.object({
  pid: z.number().int().positive(),
  kind: z.string(),
  startedAt: z.number(),
  hostname: z.string(),
  stopHint: z.string(),
  nonce: z.string(),
});
/** Who holds a data folder: written as JSON into the lock file. */
export type LockHolder = z.infer<typeof holderSchema>;

export interface DirLockOptions {
  /** What this process is, as a second one will be told ("desktop app", "earshot ui"). */
  readonly kind: string;
  /** How a person stops this process, told to the second one ("quit it from its tray menu"). */
  readonly stopHint: string;
  /** What a refused process can do instead of waiting ("start this one with --data-dir DIR"). */
  readonly alternative?: string;
  /** How the folder is named to the person; "data folder" unless given. */
  readonly folder?: string;
}

/** A held data-folder lock; `release()` is idempotent and also runs when the process exits. */
export interface DirLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

/**
 * Makes `dir` one process's at a time: two Earshots on one data folder would each seal the
 * other's running journal as "recovered" and race on the index. The lock is a file holding
 * who took it (pid, kind, start time, host), created atomically by hard-linking a finished
 * temp file to its name (link fails when the name exists, and a reader never sees a half
 * written lock). A lock whose process is gone (crash, kill -9) is taken over; the takeover
 * itself is serialised by creating a folder, so two starting processes cannot both win.
 * Throws DATA_DIR_IN_USE naming the holder when a live process has it.
 */
export function acquireDirLock(dir: string, options: DirLockOptions): DirLock {
  try {
    return acquire(dir, options);
  } catch (error) {
    if (error instanceof EarshotError) throw error;
    if (['EACCES', 'EPERM', 'EROFS'].some((code) => isErrno(error, code)))
      throw new EarshotError(
        'STORAGE_READ_ONLY',
        `The ${options.folder ?? 'data folder'} ${dir} cannot be written (${(error as Error).message}). Check its permissions, or choose another folder.`,
        { cause: error },
      );
    if (isErrno(error, 'ENOSPC') || isErrno(error, 'EDQUOT'))
      throw new EarshotError(
        'STORAGE_FULL',
        `The ${options.folder ?? 'data folder'} ${dir} has no space left for its lock file (${(error as Error).message}). Free some space, or choose another folder.`,
        { cause: error },
      );
    throw error;
  }
}

function acquire(dir: string, options: DirLockOptions): DirLock {
  ensurePrivateDir(dir);
  const path = join(dir, LOCK_FILE_NAME);
  const holder: LockHolder = {
    pid: process.pid,
    kind: options.kind,
    startedAt: Date.now(),
    hostname: hostname(),
    stopHint: options.stopHint,
    nonce: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(holder)}\n`;
  // Bounded: each round either wins, finds a live holder, or removes one stale lock.
  for (let round = 0; round < 5; round += 1) {
    if (tryCreate(path, text)) return heldLock(path, holder, text);
    const seen = readLock(path);
    if (seen.state === 'missing') continue; // released between our attempt and the read
    if (seen.state === 'held') throw inUse(dir, seen.holder, options);
    if (seen.state === 'starting') throw inUse(dir, null, options);
    takeOver(path, seen.text, dir, options);
  }
  throw inUse(dir, null, options);
}

type LockState =
  | { state: 'missing' }
  | { state: 'held'; holder: LockHolder }
  | { state: 'starting' }
  | { state: 'stale'; text: string; why: string };

/** What the lock file at `path` says about its holder right now. */
export function readLock(path: string): LockState {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(path, 'utf8');
    mtimeMs = statSync(path).mtimeMs;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { state: 'missing' };
    throw error;
  }
  const parsed = holderSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    if (Date.now() - mtimeMs < UNREADABLE_GRACE_MS) return { state: 'starting' };
    return { state: 'stale', text, why: 'the lock file is unreadable' };
  }
  const holder = parsed.data;
  // Another machine's process (a shared network folder) cannot be checked: assume it lives.
  if (holder.hostname !== hostname()) return { state: 'held', holder };
  if (!isAlive(holder.pid)) return { state: 'stale', text, why: `process ${holder.pid} has ended` };
  if (processStartedAfter(holder.pid, holder.startedAt))
    return { state: 'stale', text, why: `process ${holder.pid} is a newer process that reused the number` };
  return { state: 'held', holder };
}

function tryCreate(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    // File systems without hard links (some network and FAT mounts): exclusive create instead.
    if (isErrno(error, 'EPERM') || isErrno(error, 'ENOTSUP') || isErrno(error, 'ENOSYS'))
      return createExclusive(path, text);
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function createExclusive(path: string, text: string): boolean {
  try {
    writeFileSync(path, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

/**
 * Removes a stale lock, but only if it is still the one we judged stale: inside the takeover
 * folder (which one process at a time can create) the file is read again, so a lock another
 * process took meanwhile is never removed.
 */
function takeOver(path: string, staleText: string, dir: string, options: DirLockOptions): void {
  const guard = `${path}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    if (Date.now() - statSync(guard).mtimeMs < TAKEOVER_STALE_MS) throw inUse(dir, null, options);
    // Left by a process that died mid-takeover; the next round tries again.
    try {
      rmdirSync(guard);
    } catch (removeError) {
      if (!isErrno(removeError, 'ENOENT')) throw removeError; // another starter removed it first
    }
    return;
  }
  try {
    const now = readLock(path);
    if (now.state === 'stale' && now.text === staleText) {
      unlinkSync(path);
      log.warn(`took over the data folder lock ${path}: ${now.why}`);
    }
  } finally {
    rmdirSync(guard);
  }
}

function heldLock(path: string, holder: LockHolder, text: string): DirLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      // Only our own lock: a stale-lock takeover by someone else must not be undone.
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) log.warn(`could not remove the data folder lock ${path}`, error);
    }
  };
  process.on('exit', release);
  return { path, holder, release };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return !isErrno(error, 'ESRCH');
  }
}

function inUse(dir: string, holder: LockHolder | null, options: DirLockOptions): EarshotError {
  let who = 'Another Earshot that is starting up';
  if (holder) {
    const where = holder.hostname === hostname() ? '' : ` on ${holder.hostname}`;
    const since = new Date(holder.startedAt).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
    who = `Earshot (${holder.kind}, pid ${holder.pid}${where}, since ${since})`;
  }
  const folder = options.folder ?? 'data folder';
  const instead = options.alternative ? `, or ${options.alternative}` : '';
  const stop = holder?.stopHint ?? 'close it';
  return new EarshotError('DATA_DIR_IN_USE', `${who} is already using this ${folder} (${dir}); ${stop}${instead}.`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}
