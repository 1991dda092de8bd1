import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EarshotError } from '../../shared/errors.ts';

/** What the model folder holds: ids that are safe as folder names, and byte counts. */

/** Bytes of the file at `path`; 0 when there is none. */
export async function sizeOrZero(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Where unfinished downloads live (resumable `.part` files) and installs are staged. */
export const WORK_DIR = '.downloads';

/** The resumable partial download of `id`. */
export function partPath(modelsDir: string, id: string): string {
  return join(modelsDir, WORK_DIR, `${safeId(id)}.part`);
}

export function safeId(id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.'))
    throw new EarshotError('MODEL_MISSING', `"${id}" is not a valid model id.`);
  return id;
}

/** Bytes on disk under `path` (files only; follows no links). */
export async function diskUsage(path: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += await diskUsage(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}
