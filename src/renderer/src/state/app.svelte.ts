import type { EarshotApi } from '../../../shared/ipc/api.ts';
import type { InvokeResponse } from '../../../shared/ipc/contract.ts';
import type { ErrorPayload } from '../../../shared/result.ts';
import type { ProviderId } from '../../../shared/session.ts';
import type { BridgeState } from '../lib/web-transport.ts';
import { DevicesStore } from './devices.svelte.ts';
import { HistoryStore } from './history.svelte.ts';
import { ModelsStore } from './models.svelte.ts';
import { valueOr } from './report.ts';
import { SessionStore } from './session.svelte.ts';
import { SettingsStore } from './settings.svelte.ts';
import { TranscriptStore } from './transcript.svelte.ts';

export type ViewName = 'live' | 'history' | 'models' | 'settings';

export interface Notice {
  readonly id: number;
  readonly tone: 'error' | 'info';
  readonly message: string;
  readonly code?: string;
}

/** The link to main when the page runs in a browser over the web bridge. */
export interface BridgeLink {
  readonly state: BridgeState;
  onState(listener: (state: BridgeState, info: { attempt: number; reconnected: boolean }) => void): () => void;
}

/**
 * The whole window's state: one store per concern, fed by main's events. Components get the
 * store they render; this class wires events to stores and holds what spans views (the
 * current view, notices, the first-run "download then start").
 */
export class AppState {
  readonly session: SessionStore;
  readonly devices: DevicesStore;
  readonly transcript: TranscriptStore;
  readonly history: HistoryStore;
  readonly models: ModelsStore;
  readonly settings: SettingsStore;

  view = $state<ViewName>('live');
  info = $state.raw<InvokeResponse<'app.info'> | null>(null);
  notices = $state.raw<Notice[]>([]);
  /** null in Electron (IPC does not drop); the bridge's state in a browser. */
  bridge = $state<BridgeState | null>(null);
  /** A model the person asked to download so that a session can start once it is installed. */
  startAfterModel = $state<string | null>(null);
  ready = $state(false);

  readonly api: EarshotApi;
  #offs: (() => void)[] = [];
  #noticeSeq = 0;

  constructor(api: EarshotApi, link?: BridgeLink) {
    this.api = api;
    const report = (error: ErrorPayload, context: string): void =>
      this.notify('error', `${context} failed: ${error.message}`, error.code);
    this.session = new SessionStore(api);
    this.devices = new DevicesStore(api, report);
    this.transcript = new TranscriptStore(api, report);
    this.history = new HistoryStore(api, report);
    this.models = new ModelsStore(api, report);
    this.settings = new SettingsStore(api, report);
    if (link) {
      this.bridge = link.state;
      this.#offs.push(
        link.onState((state, { reconnected }) => {
          this.bridge = state;
          // Events sent while the link was down are gone: fetch fresh snapshots instead.
          if (state === 'open' && reconnected) void this.#loadAll();
        }),
      );
    }
  }

  /** Subscribes to every event, loads the first snapshots, then tells main it may flush. */
  async connect(): Promise<void> {
    const api = this.api;
    this.#offs.push(
      api.onStatus((s) => {
        this.session.applyStatus(s);
        this.devices.applyStatus(s);
        void this.transcript.noteSession(s.sessionId);
      }),
      api.onTranscript((e) => this.transcript.apply(e)),
      api.onTranscriptCleared(() => this.transcript.reset()),
      api.onDevicesChanged((list) => this.devices.applyList(list)),
      api.onDeviceLost((lost) => this.devices.applyLost(lost)),
      api.onLevel((level) => this.session.applyLevel(level)),
      api.onHealth((warning) => this.session.applyHealth(warning)),
      api.onModelProgress((p) => {
        this.models.applyProgress(p);
        this.#afterModelProgress(p.id, p.phase);
      }),
      api.onModels((m) => {
        this.models.applyState(m);
        if (this.startAfterModel && m.installed.some((i) => i.id === this.startAfterModel))
          this.#afterModelProgress(this.startAfterModel, 'installed');
      }),
      api.onCaptions((c) => this.settings.applyCaptions(c)),
      api.onSettings((s) => {
        this.settings.applySettings(s);
        this.devices.applyRemembered(s.deviceKey, s.systemDeviceKey);
      }),
      api.onHistory((list) => this.history.applyList(list)),
    );
    await this.#loadAll();
    const ready = await api.renderer.ready();
    if (!ready.ok) this.notify('error', ready.error.message, ready.error.code);
    this.ready = true;
  }

  dispose(): void {
    for (const off of this.#offs.splice(0)) off();
  }

  notify(tone: Notice['tone'], message: string, code?: string): void {
    const notice: Notice = { id: ++this.#noticeSeq, tone, message, ...(code ? { code } : {}) };
    // Keep the last few: a burst of failures should not bury the window.
    this.notices = [...this.notices.slice(-3), notice];
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Start with the chosen microphone, provider and model; Stop otherwise. */
  async toggle(): Promise<void> {
    if (this.session.action === 'stop') await this.session.stop();
    else if (this.session.action === 'start') await this.start();
  }

  /** True when Start must first offer a model (local engine, nothing installed). */
  get needsModelFirst(): boolean {
    return this.settings.value.provider === 'local' && this.models.needsModel;
  }

  async start(): Promise<void> {
    if (this.needsModelFirst) return; // the view shows the offer instead
    const s = this.settings.value;
    const active = this.models.state?.activeModelId;
    await this.session.start({
      deviceKey: this.devices.selectedKey,
      systemDeviceKey: this.devices.systemKey,
      provider: s.provider,
      // Name the model only when it is one of the installed ones; otherwise main knows best.
      ...(s.provider === 'local' && active && this.models.installed.some((m) => m.id === active)
        ? { modelId: active }
        : {}),
    });
  }

  /** First run: download the default model, and start as soon as it is installed. */
  async downloadAndStart(id: string): Promise<void> {
    this.startAfterModel = id;
    if (!(await this.models.download(id))) this.startAfterModel = null;
  }

  cancelDownloadAndStart(): void {
    const id = this.startAfterModel;
    this.startAfterModel = null;
    if (id) void this.models.cancel(id);
  }

  async setProvider(provider: ProviderId): Promise<void> {
    await this.settings.update({ provider });
  }

  /** In a browser the page copies itself; in Electron main's clipboard is used (sandbox). */
  async copyText(text: string): Promise<boolean> {
    if (this.info?.transport === 'web' && typeof navigator !== 'undefined' && navigator.clipboard) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch (error) {
        // Permission denied or no focus: fall through to main's clipboard.
        console.warn('earshot: page clipboard refused, asking main', error);
      }
    }
    const result = await this.api.clipboard.write({ text });
    if (!result.ok) this.notify('error', `Copying failed: ${result.error.message}`, result.error.code);
    return result.ok;
  }

  #afterModelProgress(id: string, phase: string): void {
    if (this.startAfterModel !== id) return;
    if (phase === 'failed' || phase === 'cancelled') {
      this.startAfterModel = null;
      return;
    }
    if (phase !== 'installed') return;
    this.startAfterModel = null;
    void (async () => {
      const present = (): boolean => this.models.installed.some((m) => m.id === id);
      // The installed event may come before the models list changes: then ask for the list.
      if (!present()) await this.models.load();
      if (present()) await this.start();
      else
        this.notify(
          'error',
          'The model finished downloading but is not listed as installed. Open Models and try again.',
          'MODEL_INVALID',
        );
    })();
  }

  async #loadAll(): Promise<void> {
    const api = this.api;
    const report = (error: ErrorPayload, context: string): void =>
      this.notify('error', `${context} failed: ${error.message}`, error.code);
    const [info, snapshot, devices] = await Promise.all([api.app.info(), api.session.get(), api.devices.list()]);
    this.info = valueOr(info, report, 'Connecting to Earshot') ?? this.info;
    const s = valueOr(snapshot, report, 'Reading the session');
    if (s) this.session.applyStatus(s);
    const d = valueOr(devices, report, 'Listing microphones');
    if (d) this.devices.applyList(d);
    await Promise.all([this.settings.load(), this.transcript.load(), this.models.load(), this.history.load()]);
    this.devices.applyRemembered(this.settings.value.deviceKey, this.settings.value.systemDeviceKey);
  }
}
