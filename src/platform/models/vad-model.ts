import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EarshotError } from '../../shared/errors.ts';

export const VAD_FILE = 'silero_vad.onnx';

export interface FindVadOptions {
  /** A path the person gave (--vad-model): used as is, and an error when missing. */
  readonly explicit?: string | null;
  readonly modelDir?: string | null;
  /** The user's model folder (the model manager's). */
  readonly modelsDir?: string | null;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Finds the Silero VAD model: an explicit path, then EARSHOT_VAD_MODEL, then inside or beside
 * the model folder (a sibling folder such as `silero-vad-v5/`), then the models folder.
 * Returns null when none is found; an explicit path that does not exist throws VAD_MISSING.
 */
export function findVadModel(options: FindVadOptions = {}): string | null {
  const env = options.env ?? process.env;
  for (const given of [options.explicit, env['EARSHOT_VAD_MODEL']]) {
    if (!given) continue;
    const path = resolve(given);
    if (isFile(path)) return path;
    if (isFile(join(path, VAD_FILE))) return join(path, VAD_FILE);
    throw new EarshotError(
      'VAD_MISSING',
      `The voice activity model ${path} does not exist. Pass --vad-model with the path of ${VAD_FILE}.`,
    );
  }
  const candidates: string[] = [];
  if (options.modelDir) {
    const dir = resolve(options.modelDir);
    candidates.push(join(dir, VAD_FILE), join(dirname(dir), VAD_FILE), ...siblings(dirname(dir)));
  }
  if (options.modelsDir) {
    const dir = resolve(options.modelsDir);
    candidates.push(join(dir, VAD_FILE), ...siblings(dir).map((p) => p), join(dir, 'silero-vad', VAD_FILE));
  }
  return candidates.find(isFile) ?? null;
}

function siblings(parent: string): string[] {
  if (!isDir(parent)) return [];
  return readdirSync(parent)
    .filter((name) => name.toLowerCase().includes('vad'))
    .sort()
    .map((name) => join(parent, name, VAD_FILE));
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
