import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { createLogger } from '../log/logger.ts';
import { isErrno } from './atomic-file.ts';

const log = createLogger('private-files');

/** Mode of every file holding transcript text or keys: read and write by its owner only. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of every folder holding such files: nobody else may list or enter it. */
export const PRIVATE_DIR_MODE = 0o700;

/** Mode bits are POSIX; on Windows a file inherits its folder's ACL and chmod only toggles read-only. */
const modesApply = process.platform !== 'win32';

/**
 * Creates `dir` (and its parents) owner-only, and tightens it when it already exists with
 * group or world access (folders made by an older Earshot, or by Electron, were 0755). A
 * folder we may not chmod (someone else's) is logged and left as it is: the files inside
 * are still created owner-only.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (modesApply) tighten(dir, PRIVATE_DIR_MODE);
}

/**
 * Makes `path` owner-only: tightens an existing file, and with `create` makes a missing one
 * empty with mode 0600 first. SQLite creates its database 0644 and gives the -wal and -shm
 * files the database's mode, so the index is created here before SQLite opens it.
 */
export function ensurePrivateFile(path: string, options: { create?: boolean } = {}): void {
  if (options.create) closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  if (modesApply) tighten(path, PRIVATE_FILE_MODE);
}

/** Removes group and world bits; a missing path is fine (it will be created owner-only). */
function tighten(path: string, wanted: number): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw error;
  }
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(path, wanted);
    log.info(`restricted ${path} to its owner (mode ${mode.toString(8)} → ${wanted.toString(8)})`);
  } catch (error) {
    log.warn(`could not restrict ${path} to its owner (mode ${mode.toString(8)})`, error);
  }
}
