import { randomBytes } from 'node:crypto';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { createLogger } from '../log/logger.ts';

const log = createLogger('atomic-file');

export interface AtomicWriteOptions {
  /** File mode of a newly written file (0o600 for secrets). */
  readonly mode?: number;
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old file or
 * the new one, never a torn mix: write a temp file beside it, fsync, rename over, fsync the
 * folder (so the rename itself survives a power cut on POSIX file systems).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = options.mode ?? 0o644;
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await removeQuietly(temp, 'a half-written temp file');
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await removeQuietly(temp, 'an orphaned temp file');
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Moves a bad file out of the way under a name that does not exist yet
 * (`settings.corrupt-<timestamp>.json`), so what a person had is never overwritten.
 * Returns the new path.
 */
export async function setAside(path: string, label = 'corrupt', now: Date = new Date()): Promise<string> {
  const extension = extname(path);
  const stem = basename(path, extension);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const suffix = attempt === 0 ? '' : `-${attempt}`;
    const target = join(dirname(path), `${stem}.${label}-${stamp}${suffix}${extension}`);
    if (await exists(target)) continue;
    await rename(path, target);
    return target;
  }
  throw new Error(`no free name to set ${path} aside`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

/** Directory fsync is how POSIX makes a rename durable; Windows cannot open a folder for it. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (network mounts) refuse fsync on a folder; the data itself is synced.
    log.debug(`fsync of folder ${dir} refused`, error);
  } finally {
    await handle.close();
  }
}

async function removeQuietly(path: string, what: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) log.warn(`could not remove ${what} ${path}`, error);
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
