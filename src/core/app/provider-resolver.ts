import { EarshotError } from '../../shared/errors.ts';
import { modelProblem, PROVIDER_PRESETS, type ServerProvider } from '../../shared/provider-presets.ts';
import { checkProviderUrl, realtimeEndpoint } from '../../shared/provider-url.ts';
import { serverModel, serverUrl } from '../../shared/settings.ts';
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
      case 'openai-compatible':
      case 'vllm':
      case 'speaches':
      case 'riva':
        return this.#server(id);
      case 'deepgram':
        return settings.deepgramUrl === ''
          ? { id, apiKey: await this.#key(id), model: settings.deepgramModel, language: settings.language }
          : this.#selfHostedDeepgram(settings.deepgramUrl, settings.deepgramModel, settings.language);
      case 'assemblyai':
        return { id, apiKey: await this.#key(id), language: settings.language };
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

  /**
   * A team's own server: its address mapped to the realtime endpoint, its model checked, its
   * key (optional) only if it was saved for this very origin.
   */
  async #server(id: ServerProvider): Promise<ProviderConfig> {
    const settings = this.#deps.settings.get();
    const name = PROVIDER_PRESETS[id].name;
    const raw = serverUrl(settings, id);
    if (raw === '') throw new EarshotError('PROVIDER_URL_INVALID', `Set the ${name} address in Settings first.`);
    const address = realtimeEndpoint(raw);
    if (!address.ok) throw new EarshotError('PROVIDER_URL_INVALID', `${address.problem}.`);
    const model = serverModel(settings, id);
    const missing = modelProblem(id, model);
    if (missing !== null) throw new EarshotError('PROVIDER_MODEL_MISSING', `${missing}: enter it in Settings.`);
    // The store refuses (PROVIDER_KEY_ORIGIN_CHANGED) a key saved for another origin.
    const apiKey = await this.#deps.secrets.get(id);
    const options =
      id === 'openai-compatible'
        ? {
            turnDetection: settings.compatibleTurnDetection,
            sampleRate: settings.compatibleSampleRate,
            maxSessionMs: settings.compatibleSessionMinutes === 0 ? null : settings.compatibleSessionMinutes * 60_000,
          }
        : {};
    return {
      id,
      url: address.url,
      ...(apiKey ? { apiKey } : {}),
      ...(model ? { model } : {}),
      language: settings.language,
      ...options,
    };
  }

  /**
   * Self-hosted Deepgram authorizes at the container, not per request
   * (developers.deepgram.com/docs/deepgram-unimrcp-plugin, "Deepgram License Key"), so no key
   * goes there: the one saved is Deepgram's cloud key, bound to api.deepgram.com.
   */
  #selfHostedDeepgram(raw: string, model: string, language: string): ProviderConfig {
    const address = checkProviderUrl(raw);
    if (!address.ok) throw new EarshotError('PROVIDER_URL_INVALID', `${address.problem}.`);
    return { id: 'deepgram', url: address.url, model, language };
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
