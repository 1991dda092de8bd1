import type { EarshotError } from '../../shared/errors.ts';
import type { FrameSource } from '../../shared/audio-frame.ts';
import type { DeviceInfo } from '../../shared/devices.ts';
import type { CaptureHostEvents, CaptureHostOptions, CaptureStartOptions } from '../capture-host/capture-host.ts';
import type { StartLocalEngineOptions } from '../engine-host/launcher.ts';
import type { EventSink, HandlerTable } from '../ipc/handlers.ts';
import type { SpawnChild } from '../../platform/process/types.ts';

/**
 * The whole app without a window: capture, engine, session, history, models, settings,
 * secrets and captions behind one handler table. Electron main, the web bridge and tests
 * all build one of these and put a front end on it.
 */
export interface AppCore {
  readonly handlers: HandlerTable;
  /** Subscribes a front end to every event; returns the unsubscribe. */
  subscribe(sink: EventSink): () => void;
  /**
   * Stops the session (draining), the child processes and the servers, all by `deadline` (a
   * Date.now() time; default: QUIT_BUDGET_MS from now). A drain still running near the deadline
   * is cut short: the partials on screen are journaled as promoted finals and the journal sealed.
   */
  dispose(options?: { readonly deadline?: number }): Promise<void>;
  /** The network came back or the computer woke: a session waiting to reconnect tries at once. */
  retryNow?(): void;
}

/** What a key store must do: keys go in, are used by providers, and never go back out to a UI. */
export interface SecretStore {
  set(name: string, value: string): Promise<void>;
  get(name: string): Promise<string | null>;
  delete(name: string): Promise<void>;
  has(name: string): Promise<boolean>;
}

export interface AppCoreOptions {
  /** Where settings, journals, history and models live (Electron's userData, or a CLI dir). */
  readonly userDataDir: string;
  /** How child processes start: utilityProcess in the app, child_process.fork elsewhere. */
  readonly spawn: SpawnChild;
  /** Entry modules of the child processes (built .js in the app, .ts sources in Node). */
  readonly entries: { readonly capture: string; readonly engine: string; readonly decodeWorker?: string };
  readonly secrets: SecretStore;
  /** Clipboard writer: Electron's clipboard in the app; absent where the front end copies itself. */
  readonly writeClipboard?: (text: string) => void;
  /** Extra environment for the capture process (tests point it at their virtual microphone). */
  readonly captureEnv?: Readonly<Record<string, string>>;
  /** Overrides for tests and headless use. */
  readonly modelDir?: string;
  /** Models shipped inside the installer (read-only), used when the person has none of their own. */
  readonly bundledModelsDir?: string;
  readonly vadModelPath?: string;
  readonly appVersion: string;
  readonly transport: 'ipc' | 'web';
  /**
   * How the capture host and the embedded engine come to life. Absent: real child processes
   * started with `spawn` (CaptureHost, startLocalEngine). Unit tests pass fakes, so the
   * controllers are tested where no sound system runs.
   */
  readonly launch?: {
    readonly capture?: (options: CaptureHostOptions) => CaptureHandle;
    readonly engine?: LaunchEngine;
  };
  /**
   * System audio that does not come from a capture process: macOS and Windows, through
   * Electron's display-media loopback (src/main/system-audio). On Linux the capture process
   * lists each output's monitor instead, and this is absent.
   */
  readonly systemAudio?: SystemAudioSupply;
}

/** One extra `kind: 'system'` device and how to capture it as a FrameSource. */
export interface SystemAudioSupply {
  readonly device: DeviceInfo;
  /** System audio at `sampleRate` in 20 ms frames; `onTrouble` hears of a lost track. */
  createSource(sampleRate: number, onTrouble?: (error: EarshotError) => void): FrameSource | null;
}

/** What the app core uses of the capture host (CaptureHost is one). */
export interface CaptureHandle {
  on<E extends keyof CaptureHostEvents>(event: E, listener: (...args: CaptureHostEvents[E]) => void): unknown;
  off<E extends keyof CaptureHostEvents>(event: E, listener: (...args: CaptureHostEvents[E]) => void): unknown;
  listDevices(): Promise<DeviceInfo[]>;
  refreshDevices(): Promise<DeviceInfo[]>;
  start(options: CaptureStartOptions): Promise<{ device: DeviceInfo }>;
  stop(): Promise<void>;
  setDevice(key: string): Promise<void>;
  dispose(): Promise<void>;
}

/** What the app core uses of a running embedded engine (LocalEngine is one). */
export interface EngineHandle {
  readonly url: string;
  readonly token: string;
  on(event: 'crash', listener: (reason: string) => void): unknown;
  stop(): Promise<void>;
}

/** Starts the embedded engine; rejects with an EarshotError (ENGINE_START_FAILED, MODEL_INVALID …). */
export type LaunchEngine = (options: StartLocalEngineOptions) => Promise<EngineHandle>;
