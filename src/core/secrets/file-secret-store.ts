import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EarshotError } from '../../shared/errors.ts';
import type { SecretStore } from '../app/types.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { isErrno, setAside, writeFileAtomic } from '../../platform/fs/atomic-file.ts';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../platform/fs/private-files.ts';
import { assertSecretName } from './secret-name.ts';
import { SerialQueue } from '../../platform/serial-queue.ts';

const log = createLogger('file-secrets');

export const SECRETS_FILE_NAME = 'secrets.json';
const OWNER_ONLY = PRIVATE_FILE_MODE;

const fileSchema = z.object({ version: z.literal(1), secrets: z.record(z.string(), z.string()) });
type SecretsFile = z.infer<typeof fileSchema>;

/**
 * API keys for the headless front ends (CLI, web bridge), where no OS keychain is at hand:
 * a JSON file readable by its owner only (mode 0600) in the user-data folder.
 *
 * This is LESS SECURE than the desktop app's keychain store (src/main/safe-storage-secrets.ts):
 * the keys are plain text on disk, protected only by file permissions, so any process running
 * as the same user (and any backup of the folder) can read them. On Windows the mode bits do
 * not apply; the file inherits the folder's ACL. Prefer environment variables
 * (see env-secrets.ts) on shared machines.
 */
export class FileSecretStore implements SecretStore {
  readonly path: string;
  readonly #dir: string;
  readonly #queue = new SerialQueue();

  constructor(dir: string) {
    this.#dir = dir;
    this.path = join(dir, SECRETS_FILE_NAME);
  }

  async get(name: string): Promise<string | null> {
    assertSecretName(name);
    await this.#queue.idle();
    return (await this.#read()).secrets[name] ?? null;
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== null;
  }

  async set(name: string, value: string): Promise<void> {
    assertSecretName(name);
    if (value.trim() === '') throw new EarshotError('SECRETS_FAILED', 'An empty API key cannot be saved.');
    await this.#mutate((file) => {
      file.secrets[name] = value.trim();
    });
  }

  async delete(name: string): Promise<void> {
    assertSecretName(name);
    await this.#mutate((file) => {
      delete file.secrets[name];
    });
  }

  #mutate(change: (file: SecretsFile) => void): Promise<void> {
    const task = async (): Promise<void> => {
      const file = await this.#read();
      change(file);
      ensurePrivateDir(this.#dir);
      try {
        // The temp file is created 0600 and renamed over, so the key is never readable by others.
        await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, { mode: OWNER_ONLY });
      } catch (error) {
        throw new EarshotError(
          'SECRETS_FAILED',
          `The API key file ${this.path} could not be written: ${describe(error)}`,
          {
            cause: error,
          },
        );
      }
    };
    const run = this.#queue.run(task);
    void run.catch((error: unknown) => log.debug('secret update failed', error));
    return run;
  }

  async #read(): Promise<SecretsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { version: 1, secrets: {} };
      throw new EarshotError('SECRETS_FAILED', `The API key file ${this.path} could not be read: ${describe(error)}`, {
        cause: error,
      });
    }
    await this.#tightenPermissions();
    const parsed = safeJson(text);
    const valid = fileSchema.safeParse(parsed);
    if (valid.success) return valid.data;
    // Keep the damaged file for the person to inspect; start over without it.
    const aside = await setAside(this.path);
    log.error(`the API key file was damaged; it was kept as ${aside} and the keys must be set again`);
    return { version: 1, secrets: {} };
  }

  /** A key file someone else can read is a leak waiting to happen: fix it and say so. */
  async #tightenPermissions(): Promise<void> {
    if (process.platform === 'win32') return;
    const mode = (await stat(this.path)).mode & 0o777;
    if ((mode & 0o077) === 0) return;
    log.warn(`the API key file ${this.path} was readable by others (mode ${mode.toString(8)}); restricted it to 600`);
    await chmod(this.path, OWNER_ONLY);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    log.debug('API key file is not JSON', error);
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
