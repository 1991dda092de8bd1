import type { CaptionsStatus } from '../../../shared/captions.ts';
import type { EarshotApi } from '../../../shared/ipc/api.ts';
import { keyedProviders, type KeyedProvider } from '../../../shared/session.ts';
import { defaultSettings, type Settings, type SettingsPatch } from '../../../shared/settings.ts';
import { succeeded, valueOr, type Reporter } from './report.ts';

/**
 * Settings as main holds them, whether each provider has a key (never the key itself), and
 * the captions server's status. Every change goes to main, and the view shows what main
 * says it stored.
 */
export class SettingsStore {
  value = $state.raw<Settings>(defaultSettings());
  keys = $state.raw<Record<KeyedProvider, boolean>>(
    Object.fromEntries(keyedProviders.map((p) => [p, false])) as Record<KeyedProvider, boolean>,
  );
  captions = $state.raw<CaptionsStatus | null>(null);
  saving = $state(false);

  #api: EarshotApi;
  #report: Reporter;

  constructor(api: EarshotApi, report: Reporter) {
    this.#api = api;
    this.#report = report;
  }

  applySettings(settings: Settings): void {
    this.value = settings;
  }

  applyCaptions(status: CaptionsStatus): void {
    this.captions = status;
  }

  async load(): Promise<void> {
    const [settings, keys, captions] = await Promise.all([
      this.#api.settings.get(),
      this.#api.secrets.status(),
      this.#api.captions.status(),
    ]);
    const s = valueOr(settings, this.#report, 'Loading settings');
    if (s) this.value = s;
    const k = valueOr(keys, this.#report, 'Reading which keys are set');
    if (k) this.keys = { ...this.keys, ...k };
    const c = valueOr(captions, this.#report, 'Reading the captions server status');
    if (c) this.captions = c;
  }

  async update(patch: SettingsPatch): Promise<boolean> {
    this.saving = true;
    try {
      const saved = valueOr(await this.#api.settings.update(patch), this.#report, 'Saving settings');
      if (saved) this.value = saved;
      return saved !== null;
    } finally {
      this.saving = false;
    }
  }

  /** The key goes to main's keychain; nothing here keeps it after the call. */
  async setKey(provider: KeyedProvider, key: string): Promise<boolean> {
    if (!succeeded(await this.#api.secrets.set({ provider, key }), this.#report, 'Saving the API key')) return false;
    this.keys = { ...this.keys, [provider]: true };
    return true;
  }

  async clearKey(provider: KeyedProvider): Promise<boolean> {
    if (!succeeded(await this.#api.secrets.clear({ provider }), this.#report, 'Removing the API key')) return false;
    this.keys = { ...this.keys, [provider]: false };
    return true;
  }

  async setCaptionsEnabled(enabled: boolean): Promise<void> {
    const status = valueOr(
      await this.#api.captions.setEnabled({ enabled }),
      this.#report,
      enabled ? 'Starting the captions server' : 'Stopping the captions server',
    );
    if (status) this.captions = status;
  }
}
