import {
  closeSync,
  openSync,
  readSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeSync,
  ftruncateSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../platform/fs/atomic-file.ts';
import { createLogger } from '../../platform/log/logger.ts';

const log = createLogger('spill-file');
const SPILL_SUFFIX = '.spill';

/**
 * Where the replay buffer keeps audio that does not fit in memory during a long outage: raw
 * PCM16 samples, addressed from 0 (the first sample written since the last reset). Append-only
 * while the outage lasts; reset to empty once everything in it was accounted for.
 */
export interface SpillStore {
  /** Appends samples after those already written. */
  append(samples: Int16Array): void;
  /** `count` samples from `offset` (samples since the last reset). */
  read(offset: number, count: number): Int16Array;
  /** Everything in it was accounted for: empty it (the disk space comes back). */
  reset(): void;
  /** The run is over: remove it. */
  dispose(): void;
}

/** Free space in a folder, as fs.statfsSync reports it (injectable for tests). */
export type StatFs = (dir: string) => { readonly bavail: number | bigint; readonly bsize: number | bigint };

export function freeBytes(statfs: StatFs, dir: string): number {
  const { bavail, bsize } = statfs(dir);
  return Number(bavail) * Number(bsize);
}

export const defaultStatFs: StatFs = (dir) => statfsSync(dir);

/**
 * A per-session spill file `<dir>/<sessionId>.spill`, readable by its owner only (0600: it
 * holds what the person said). Synchronous I/O: a second of audio is 32–48 kB, written once a
 * second at most while offline and read back in the same steps while catching up.
 */
export class SpillFile implements SpillStore {
  readonly path: string;
  #fd: number | null;
  #length = 0;

  constructor(dir: string, sessionId: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, `${sessionId}${SPILL_SUFFIX}`);
    this.#fd = openSync(this.path, 'w+', 0o600);
  }

  append(samples: Int16Array): void {
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(this.#open(), bytes, written, bytes.length - written, this.#length * 2 + written);
    }
    this.#length += samples.length;
  }

  read(offset: number, count: number): Int16Array {
    const n = Math.max(0, Math.min(count, this.#length - offset));
    const out = new Int16Array(n);
    const bytes = Buffer.from(out.buffer);
    let done = 0;
    while (done < bytes.length) {
      const got = readSync(this.#open(), bytes, done, bytes.length - done, offset * 2 + done);
      if (got === 0) throw new Error(`the spill file ${this.path} ended early`);
      done += got;
    }
    return out;
  }

  reset(): void {
    ftruncateSync(this.#open(), 0);
    this.#length = 0;
  }

  dispose(): void {
    if (this.#fd === null) return;
    closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.path, { force: true });
  }

  #open(): number {
    if (this.#fd === null) throw new Error(`the spill file ${this.path} is closed`);
    return this.#fd;
  }
}

/**
 * Removes spill files left by a run that was killed mid-outage (kill -9, power loss). Call it
 * holding the folder's lock, before any session starts: no running session owns one then.
 * Their audio never reached a service and its session is sealed as recovered, so nothing can
 * transcribe it any more; what it holds is the person's voice, which is not left lying on disk.
 * Returns the paths removed.
 */
export function removeStaleSpillFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => n.endsWith(SPILL_SUFFIX))) {
    const path = join(dir, name);
    try {
      rmSync(path, { force: true });
      removed.push(path);
    } catch (error) {
      log.warn(`could not remove the stale spill file ${path}`, error);
    }
  }
  if (removed.length > 0) log.info(`removed ${removed.length} spill file(s) left by an interrupted run`, { dir });
  return removed;
}
