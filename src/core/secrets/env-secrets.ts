import type { SecretStore } from '../app/types.ts';
import { assertSecretName } from './secret-name.ts';

/** Variables each provider's own tools already use, so an existing setup just works. */
const WELL_KNOWN: Readonly<Record<string, readonly string[]>> = {
  openai: ['OPENAI_API_KEY'],
  deepgram: ['DEEPGRAM_API_KEY'],
  assemblyai: ['ASSEMBLYAI_API_KEY'],
};

/** `EARSHOT_<NAME>_API_KEY` first (openai-compatible → EARSHOT_OPENAI_COMPATIBLE_API_KEY), then the well-known ones. */
export function secretEnvNames(name: string): readonly string[] {
  assertSecretName(name);
  return [`EARSHOT_${name.toUpperCase().replace(/-/g, '_')}_API_KEY`, ...(WELL_KNOWN[name] ?? [])];
}

export function readSecretFromEnv(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const variable of secretEnvNames(name)) {
    const value = env[variable]?.trim();
    if (value) return value;
  }
  return null;
}

export interface EnvSecretsOptions {
  /**
   * `env`: a variable wins over the stored key (the CLI: what you export is what runs).
   * `store`: the stored key wins and the variable is a fallback (the app: what you typed in
   * Settings is what runs, whatever the login shell exported).
   */
  readonly prefer: 'env' | 'store';
}

/**
 * Adds environment variables to a key store. Keys are still only written to the store;
 * a key that comes from the environment cannot be cleared from inside Earshot.
 */
export function withEnvSecrets(store: SecretStore, env: NodeJS.ProcessEnv, options: EnvSecretsOptions): SecretStore {
  return {
    set: (name, value) => store.set(name, value),
    delete: (name) => store.delete(name),
    get: async (name) => {
      const fromEnv = readSecretFromEnv(name, env);
      if (options.prefer === 'env' && fromEnv !== null) return fromEnv;
      return (await store.get(name)) ?? fromEnv;
    },
    has: async (name) => readSecretFromEnv(name, env) !== null || (await store.has(name)),
  };
}
