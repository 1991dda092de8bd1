import type { FrameSource } from '../../shared/audio-frame.ts';
import { DEFAULT_DEVICE_KEY } from '../../shared/devices.ts';
import { EarshotError } from '../../shared/errors.ts';
import { idleSnapshot, type SessionSnapshot, type StartOptions } from '../../shared/session.ts';
import type { Segment, TranscriptEvent, TranscriptSnapshot } from '../../shared/transcript.ts';
import { createMicrophoneSource } from '../sources/microphone-source.ts';
import { beforeDeadline } from '../../platform/deadline.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { createProvider, type ProviderAdapter } from '../providers/index.ts';
import { MeetingSession } from '../session/meeting/meeting-session.ts';
import { Session } from '../session/session.ts';
import type { SettingsStore } from '../settings/settings-store.ts';
import type { EventHub } from './event-hub.ts';
import type { ProviderResolver } from './provider-resolver.ts';
import type { CaptureHandle, SystemAudioSupply } from './types.ts';

const log = createLogger('session-controller');

export interface SessionControllerDeps {
  readonly hub: EventHub;
  readonly capture: CaptureHandle;
  /**
   * Meeting mode's second capture (system audio), launched on first use: a capture process of
   * its own, so each source keeps its own stream, device-loss handling and levels.
   */
  readonly systemCapture?: () => CaptureHandle;
  /** System audio from outside the capture processes (macOS, Windows); its device key picks it. */
  readonly systemAudio?: SystemAudioSupply;
  readonly settings: SettingsStore;
  readonly providers: ProviderResolver;
  readonly journalDir: string;
  /** Called after every session ends, with its journal, so history can index it. */
  readonly onSessionEnded: (journalPath: string) => Promise<void>;
  /** Transcript events also go to the captions server, when it runs. */
  readonly onTranscript?: (event: TranscriptEvent) => void;
  readonly onSnapshot?: (snapshot: SessionSnapshot) => void;
  /** Problems found while the app started (a corrupt settings file), shown until the first session. */
  readonly startupNotices?: readonly { code: string; message: string }[];
}

/**
 * The app's one live session at a time: builds it from settings (device, provider, model),
 * relays its snapshots and transcript to every front end, keeps the last transcript after
 * Stop so it can still be copied and exported, and hands finished sessions to history.
 */
export class SessionController {
  readonly #deps: SessionControllerDeps;
  #session: Session | MeetingSession | null = null;
  #starting: Promise<SessionSnapshot> | null = null;
  #snapshot: SessionSnapshot;
  /** The device really capturing (after a fallback it differs from the chosen one). */
  #deviceName: string | null = null;
  /** Segments hidden by "clear": the view starts after this many finals. */
  #clearedCount = 0;
  #lastTranscript: TranscriptSnapshot = { sessionId: null, segments: [], partial: null };

  constructor(deps: SessionControllerDeps) {
    this.#deps = deps;
    this.#snapshot = { ...idleSnapshot(deps.settings.get().provider), warnings: [...(deps.startupNotices ?? [])] };
    deps.capture.on('streamOpened', (opened) => {
      // ALSA's routing device is literally called "default"; people know it as the system default.
      const followsOs = opened.device.key === DEFAULT_DEVICE_KEY || opened.device.name === 'default';
      this.#deviceName = followsOs ? 'System default' : opened.device.name;
      if (this.#session) this.#publish(this.#session.snapshot);
    });
  }

  get snapshot(): SessionSnapshot {
    return this.#snapshot;
  }

  get active(): boolean {
    const state = this.#snapshot.state;
    return state === 'starting' || state === 'streaming' || state === 'reconnecting' || state === 'stopping';
  }

  async start(options: StartOptions = {}): Promise<SessionSnapshot> {
    if (this.#starting) return this.#starting;
    if (this.active) return this.#snapshot;
    this.#starting = this.#start(options).finally(() => (this.#starting = null));
    return this.#starting;
  }

  async stop(): Promise<SessionSnapshot> {
    if (this.#starting) await this.#starting.catch(() => undefined);
    const session = this.#session;
    if (!session) {
      if (this.#snapshot.state === 'error') this.#publish({ ...this.#snapshot, state: 'idle', error: null });
      return this.#snapshot;
    }
    const snapshot = await session.stop();
    await this.#finish(session);
    return snapshot;
  }

  /**
   * Remembers the choice; while capturing, switches the running capture to it. The session
   * and its WebSocket never notice: frames keep flowing, from the new microphone.
   */
  async selectDevice(key: string): Promise<void> {
    if (this.#session && this.active) await this.#deps.capture.setDevice(key);
    if (this.#deps.settings.get().deviceKey !== key) await this.#deps.settings.update({ deviceKey: key });
  }

  /** Network up or wake from sleep: the running session, if it waits to reconnect, tries at once. */
  retryNow(): void {
    this.#session?.retryNow();
  }

  toggle(): Promise<SessionSnapshot> {
    return this.active ? this.stop() : this.start();
  }

  /** What the transcript view shows: the running session's, else the last one's, minus cleared lines. */
  transcript(): TranscriptSnapshot {
    const current = this.#session ? this.#session.transcript : this.#lastTranscript;
    return { ...current, segments: current.segments.slice(this.#clearedCount) };
  }

  visibleSegments(): readonly Segment[] {
    return this.transcript().segments;
  }

  clear(): void {
    const current = this.#session ? this.#session.transcript : this.#lastTranscript;
    this.#clearedCount = current.segments.length;
    this.#deps.hub.emit('transcriptCleared', null);
  }

  /**
   * Quitting: the session is over by `deadline` (a Date.now() time), its journal sealed and handed
   * to History, even if the service is slow to drain or a start is still connecting.
   */
  async dispose(deadline: number): Promise<void> {
    try {
      // A session that exists is stopped where it is; only one still being set up is waited for
      // (a start that fails has published its error already).
      if (this.#starting && !this.#session)
        await beforeDeadline(this.#starting, deadline, null).catch((error: unknown) =>
          log.debug('the session being started on quit did not start', error),
        );
      const session = this.#session;
      if (!session) return;
      await session.finishBy(deadline);
      await this.#finish(session);
    } catch (error) {
      log.error('stop on quit failed', error);
    }
  }

  async #start(options: StartOptions): Promise<SessionSnapshot> {
    const { settings, capture, providers, hub } = this.#deps;
    const current = settings.get();
    const deviceKey = options.deviceKey ?? current.deviceKey ?? DEFAULT_DEVICE_KEY;
    const providerId = options.provider ?? current.provider;
    const systemDeviceKey = options.systemDeviceKey === undefined ? current.systemDeviceKey : options.systemDeviceKey;
    if (options.deviceKey && options.deviceKey !== current.deviceKey) await settings.update({ deviceKey });
    if (options.provider && options.provider !== current.provider) await settings.update({ provider: providerId });
    if (options.systemDeviceKey !== undefined && options.systemDeviceKey !== current.systemDeviceKey)
      await settings.update({ systemDeviceKey });

    this.#publish({ ...idleSnapshot(providerId), state: 'starting', deviceKey });
    let adapter: ProviderAdapter;
    try {
      adapter = createProvider(await providers.resolve(providerId, options.modelId));
    } catch (error) {
      return this.#failStart(providerId, deviceKey, error);
    }
    const devices = await capture.listDevices().catch(() => []);
    this.#deviceName =
      devices.find((d) => d.key === deviceKey)?.name ?? (deviceKey === DEFAULT_DEVICE_KEY ? 'System default' : null);
    const source = createMicrophoneSource(capture, {
      deviceKey,
      sampleRate: adapter.sampleRate,
      preRollMs: current.preRollMs,
      fallbackToDefault: current.fallbackToDefaultDevice,
    });
    const common = {
      provider: adapter,
      journalDir: this.#deps.journalDir,
      ...(providerId !== 'local' && current.failoverAfterSeconds > 0
        ? {
            failover: {
              // The embedded engine at the cloud's rate; MODEL_MISSING when no offline model is installed.
              resolve: async () =>
                createProvider({ ...(await providers.resolve('local')), sampleRate: adapter.sampleRate }),
              afterMs: current.failoverAfterSeconds * 1000,
              switchBack: current.failoverSwitchBack,
            },
          }
        : {}),
    };
    const system = systemDeviceKey
      ? await this.#systemSource(systemDeviceKey, adapter.sampleRate, current.preRollMs)
      : null;
    const session = system
      ? new MeetingSession({ ...common, mic: { source, deviceKey, deviceName: this.#deviceName }, system })
      : new Session({ ...common, source, deviceKey, deviceName: this.#deviceName });
    this.#session = session;
    this.#clearedCount = 0;
    hub.emit('transcriptCleared', null);
    session.on('snapshot', (snapshot) => {
      if (this.#session === session) this.#publish(snapshot);
    });
    session.on('transcript', (event) => {
      hub.emit('transcript', event);
      this.#deps.onTranscript?.(event);
    });
    try {
      return await session.start();
    } catch (error) {
      const failed = session.snapshot;
      await session.stop().catch(() => undefined);
      this.#lastTranscript = session.transcript;
      this.#session = null;
      return this.#failStart(providerId, deviceKey, error, failed.sessionId);
    }
  }

  /** A session that could not start leaves the app idle-with-an-error, and the reason on screen. */
  /**
   * Meeting mode's second source: the built-in system audio of macOS/Windows when its key is
   * chosen, else a device of the second capture process (on Linux, an output's monitor).
   */
  async #systemSource(
    deviceKey: string,
    sampleRate: number,
    preRollMs: number,
  ): Promise<{ source: FrameSource; deviceKey: string; deviceName: string } | null> {
    const builtIn = this.#deps.systemAudio;
    if (builtIn && builtIn.device.key === deviceKey) {
      const source = builtIn.createSource(sampleRate, (error) =>
        log.warn(`system audio: ${error.code} ${error.message}`),
      );
      return source ? { source, deviceKey, deviceName: builtIn.device.name } : null;
    }
    const systemCapture = this.#deps.systemCapture?.();
    if (!systemCapture) return null;
    const devices = await systemCapture.listDevices().catch(() => []);
    return {
      source: createMicrophoneSource(systemCapture, {
        deviceKey,
        sampleRate,
        preRollMs,
        // Never the default microphone instead: it would transcribe you a second time as "Others".
        fallbackToDefault: false,
      }),
      deviceKey,
      deviceName: devices.find((d) => d.key === deviceKey)?.name ?? deviceKey,
    };
  }

  #failStart(
    provider: SessionSnapshot['provider'],
    deviceKey: string,
    error: unknown,
    sessionId: string | null = null,
  ): never {
    const payload =
      error instanceof EarshotError
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL', message: String(error) };
    if (!(error instanceof EarshotError)) log.error('session failed to start', error);
    this.#publish({ ...idleSnapshot(provider), state: 'error', deviceKey, sessionId, error: payload });
    throw error instanceof EarshotError ? error : new EarshotError('INTERNAL', undefined, { cause: error });
  }

  async #finish(session: Session | MeetingSession): Promise<void> {
    if (this.#session !== session) return;
    this.#lastTranscript = session.transcript;
    this.#session = null;
    const journal = session.journalPath;
    if (journal)
      await this.#deps
        .onSessionEnded(journal)
        .catch((error: unknown) => log.error(`indexing ${journal} failed`, error));
  }

  #publish(snapshot: SessionSnapshot): void {
    const withDevice = this.#session && this.#deviceName ? { ...snapshot, deviceName: this.#deviceName } : snapshot;
    this.#snapshot = withDevice;
    this.#deps.hub.emit('status', withDevice);
    this.#deps.onSnapshot?.(withDevice);
    // A session that failed on its own (gave up reconnecting) is finished here, not in stop().
    const session = this.#session;
    if (session && snapshot.state === 'error') void this.#finish(session);
  }
}
