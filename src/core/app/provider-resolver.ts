import { EarshotError } from '../../shared/errors.ts';
import { checkProviderUrl } from '../../shared/provider-url.ts';
import type { ProviderId } from '../../shared/session.ts';
import { startLocalEngine } from '../engine-host/launcher.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { findVadModel } from '../../platform/models/vad-model.ts';
import type { SpawnChild } from '../../platform/process/types.ts';
import type { ProviderConfig } from '../providers/index.ts';
import type { SettingsStore } from '../settings/settings-store.ts';
import type { EngineHandle, LaunchEngine, SecretStore } from './types.ts';

const log = createLogger('providers');

export interface ProviderResolverDeps {
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly spawn: SpawnChild;
  /** Starts the engine process (default: startLocalEngine; tests pass a fake). */
  readonly launchEngine?: LaunchEngine;
  readonly engineEntry: string;
  /** The engine's decode worker, where a bundler moved it. */
  readonly decodeWorker?: string;
  /** Where the model for an id lives; throws MODEL_MISSING when it is not installed. */
  readonly resolveModelDir: (modelId: string | null) => Promise<string>;
  readonly modelsDir: string;
  readonly vadModelPath?: string;
}

/**
 * Turns "provider X" into what a session connects to: for the embedded engine, a running
 * engine process (started on first use, kept warm between sessions, restarted when the
 * model changes); for a cloud service, its key from the keychain and its settings.
 */
export class ProviderResolver {
  readonly #deps: ProviderResolverDeps;
  #engine: { modelDir: string; engine: EngineHandle } | null = null;
  #engineStarting: Promise<EngineHandle> | null = null;

  constructor(deps: ProviderResolverDeps) {
    this.#deps = deps;
  }

  async resolve(id: ProviderId, modelId?: string): Promise<ProviderConfig> {
    const settings = this.#deps.settings.get();
    switch (id) {
      case 'local': {
        const engine = await this.#ensureEngine(await this.#deps.resolveModelDir(modelId ?? settings.modelId));
        return { id, url: engine.url, apiKey: engine.token, language: settings.language };
      }
      case 'openai':
        return { id, apiKey: await this.#key(id), model: settings.openaiModel, language: settings.language };
      case 'openai-compatible': {
        if (!settings.compatibleUrl) {
          throw new EarshotError('USAGE', 'Set the URL of the OpenAI-compatible server in Settings first.');
        }
        const address = checkProviderUrl(settings.compatibleUrl);
        if (!address.ok) throw new EarshotError('PROVIDER_URL_INVALID', `${address.problem}.`);
        // The store refuses (PROVIDER_KEY_ORIGIN_CHANGED) a key saved for another origin.
        const apiKey = await this.#deps.secrets.get(id);
        return { id, url: settings.compatibleUrl, ...(apiKey ? { apiKey } : {}), language: settings.language };
      }
      case 'deepgram':
        return { id, apiKey: await this.#key(id), model: settings.deepgramModel, language: settings.language };
      case 'assemblyai':
        return { id, apiKey: await this.#key(id), language: settings.language };
      case 'speaches':
      case 'riva':
        // Their Settings presets (URL, served model) come with issue 12's presets work.
        throw new EarshotError(
          'USAGE',
          `Settings cannot hold a ${id === 'riva' ? 'Riva' : 'Speaches'} server yet: use \`earshot transcribe --provider ${id} --url … --model …\`.`,
        );
    }
  }

  /** The running engine, if any (for status and benchmarks). */
  get engine(): EngineHandle | null {
    return this.#engine?.engine ?? null;
  }

  async dispose(): Promise<void> {
    await this.#engineStarting?.catch(() => undefined);
    const running = this.#engine;
    this.#engine = null;
    await running?.engine.stop();
  }

  async #key(id: ProviderId): Promise<string> {
    const key = await this.#deps.secrets.get(id);
    if (!key) throw new EarshotError('PROVIDER_KEY_MISSING');
    return key;
  }

  async #ensureEngine(modelDir: string): Promise<EngineHandle> {
    if (this.#engineStarting) await this.#engineStarting.catch(() => undefined);
    if (this.#engine?.modelDir === modelDir) return this.#engine.engine;
    if (this.#engine) {
      log.info(`model changed to ${modelDir}; restarting the engine`);
      await this.#engine.engine.stop();
      this.#engine = null;
    }
    const vadModelPath =
      this.#deps.vadModelPath ?? findVadModel({ modelDir, modelsDir: this.#deps.modelsDir }) ?? undefined;
    const launch = this.#deps.launchEngine ?? startLocalEngine;
    this.#engineStarting = launch({
      spawn: this.#deps.spawn,
      modulePath: this.#deps.engineEntry,
      ...(this.#deps.decodeWorker ? { workerPath: this.#deps.decodeWorker } : {}),
      modelDir,
      ...(vadModelPath ? { vadModelPath } : {}),
    });
    try {
      const engine = await this.#engineStarting;
      engine.on('crash', (reason) => log.error(`engine crashed (${reason}); it restarts on the same port`));
      this.#engine = { modelDir, engine };
      return engine;
    } finally {
      this.#engineStarting = null;
    }
  }
}
