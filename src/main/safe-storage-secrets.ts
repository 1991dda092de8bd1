import { safeStorage } from 'electron';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretStore } from '../core/app/types.ts';
import { createLogger } from '../platform/log/logger.ts';
import { assertSecretName } from '../core/secrets/secret-name.ts';
import { isErrno, writeFileAtomic } from '../platform/fs/atomic-file.ts';
import { EarshotError } from '../shared/errors.ts';

const log = createLogger('secrets');

/**
 * API keys encrypted with the OS keychain through Electron's safeStorage (Keychain on
 * macOS, DPAPI on Windows, libsecret/KWallet on Linux), one encrypted blob per key in
 * `<userData>/secrets/<name>.bin`. Keys never leave main: the renderer can only set,
 * clear and ask whether one is set.
 *
 * On Linux without a keyring, safeStorage falls back to a hard-coded password
 * ("basic_text"), which is obfuscation, not encryption: we refuse it and say so, and the
 * person can use an environment variable instead (see core/secrets/env-secrets.ts).
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async set(name: string, value: string): Promise<void> {
    const path = this.#path(name);
    this.#assertAvailable();
    const key = value.trim();
    if (key === '') throw new EarshotError('SECRETS_FAILED', 'An empty API key cannot be saved.');
    const blob = safeStorage.encryptString(key);
    try {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, blob, { mode: 0o600 });
    } catch (error) {
      throw new EarshotError('SECRETS_FAILED', `The API key could not be saved to ${path}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  async get(name: string): Promise<string | null> {
    const path = this.#path(name);
    let blob: Buffer;
    try {
      blob = await readFile(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw new EarshotError('SECRETS_FAILED', `The API key file ${path} could not be read: ${describe(error)}`, {
        cause: error,
      });
    }
    this.#assertAvailable();
    try {
      return safeStorage.decryptString(blob);
    } catch (error) {
      // Typically the keychain entry was reset or the data moved to another machine/user.
      log.error(`could not decrypt the ${name} key`, error);
      throw new EarshotError(
        'SECRETS_FAILED',
        `The saved ${name} API key can no longer be decrypted (the system keychain may have been reset). Set the key again in Settings.`,
        { cause: error },
      );
    }
  }

  /** Answers without decrypting, so Settings can show "key set" even while the keychain is locked. */
  async has(name: string): Promise<boolean> {
    try {
      return (await stat(this.#path(name))).isFile();
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw new EarshotError('SECRETS_FAILED', `The API key file could not be checked: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await rm(this.#path(name), { force: true });
    } catch (error) {
      throw new EarshotError('SECRETS_FAILED', `The API key could not be removed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  #path(name: string): string {
    assertSecretName(name);
    return join(this.#dir, `${name}.bin`);
  }

  #assertAvailable(): void {
    if (!safeStorage.isEncryptionAvailable()) {
      throw new EarshotError(
        'SECRETS_UNAVAILABLE',
        'The system keychain is not available, so the API key cannot be stored securely. Unlock or set up your keychain, or set the key as an environment variable (for example EARSHOT_OPENAI_API_KEY).',
      );
    }
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
      throw new EarshotError(
        'SECRETS_UNAVAILABLE',
        'No system keyring (GNOME Keyring or KWallet) is running, so the API key cannot be stored securely. Install or unlock one, or set the key as an environment variable (for example EARSHOT_OPENAI_API_KEY).',
      );
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
