import { EarshotError } from '../../shared/errors.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { SecretStore } from '../app/types.ts';
import type { KeyDestination } from './key-destinations.ts';

const log = createLogger('secrets');

/**
 * A provider key is saved together with the origin it was saved for (`wss://host:port`), inside
 * the stored value, so both stores (the keychain blob, the 0600 file) keep the two as one.
 * A key whose origin no longer matches the provider's address is not handed out: the address
 * changed (by the person, or by whoever edited the settings file), and the key was never meant
 * for the new one.
 */
const BOUND_PREFIX = 'earshot-bound-key:v1:';

interface BoundKey {
  readonly origin: string;
  readonly key: string;
}

export function encodeBoundKey(key: string, origin: string): string {
  return `${BOUND_PREFIX}${JSON.stringify({ origin, key } satisfies BoundKey)}`;
}

/** The bound form, or null for a plain value (a key saved before binding existed, or an environment variable). */
export function decodeBoundKey(value: string): BoundKey | null {
  if (!value.startsWith(BOUND_PREFIX)) return null;
  try {
    const parsed = JSON.parse(value.slice(BOUND_PREFIX.length)) as Partial<BoundKey>;
    if (typeof parsed.origin === 'string' && typeof parsed.key === 'string')
      return { origin: parsed.origin, key: parsed.key };
  } catch (error) {
    log.warn('a stored key has a damaged origin binding', error);
  }
  // Damaged: better asked for again than sent somewhere unknown.
  return { origin: '', key: '' };
}

/**
 * Wraps a key store so provider keys are bound to their origin: `set` records where the
 * provider points now, `get` refuses (PROVIDER_KEY_ORIGIN_CHANGED) when it points elsewhere,
 * `has` answers false then, so Settings asks for the key again.
 *
 * Plain values (saved before this existed, or from an environment variable the person set for
 * this provider) are passed through: they carry no origin to compare.
 */
export function bindKeysToOrigins(store: SecretStore, destination: (name: string) => KeyDestination): SecretStore {
  const read = async (name: string): Promise<string | null> => {
    const value = await store.get(name);
    const where = destination(name);
    if (value === null || where === null) return value;
    const bound = decodeBoundKey(value);
    if (bound === null) return value;
    if (where.origin === null || bound.origin !== where.origin) {
      throw new EarshotError(
        'PROVIDER_KEY_ORIGIN_CHANGED',
        `The ${name} API key was saved for ${bound.origin || 'another address'}, but the service address is now ${where.origin ?? 'not set'}, so the key was not sent. Enter the key again in Settings if you trust the new address.`,
      );
    }
    return bound.key;
  };

  return {
    set: async (name, value) => {
      const where = destination(name);
      if (where === null) return store.set(name, value);
      if (where.origin === null) {
        throw new EarshotError(
          'PROVIDER_URL_INVALID',
          'Enter the server URL before its API key: a key is only ever sent to the address it was saved for.',
        );
      }
      const key = value.trim();
      if (key === '') throw new EarshotError('SECRETS_FAILED', 'An empty API key cannot be saved.');
      await store.set(name, encodeBoundKey(key, where.origin));
    },
    get: read,
    delete: (name) => store.delete(name),
    has: async (name) => {
      if (destination(name) === null) return store.has(name);
      try {
        return (await read(name)) !== null;
      } catch (error) {
        if (error instanceof EarshotError && error.code === 'PROVIDER_KEY_ORIGIN_CHANGED') return false;
        // The keychain is locked or unreadable: say what the store knows without decrypting.
        log.debug(`could not check the origin of the ${name} key`, error);
        return store.has(name);
      }
    },
  };
}
