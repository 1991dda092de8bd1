import type { AudioFrame, FrameSource } from '../../shared/audio-frame.ts';
import { resolveDeviceSelector } from '../../shared/device-list.ts';
import { createMicrophoneSource } from '../../core/sources/microphone-source.ts';
import { createNodeCaptureHost } from '../../core/capture-host/node-capture-host.ts';
import { startCaptionsServer, type CaptionsServer } from '../../core/captions/server.ts';
import { startLocalEngine, type LocalEngine } from '../../core/engine-host/launcher.ts';
import { acquireDirLock } from '../../platform/fs/dir-lock.ts';
import { spawnNodeChild } from '../../platform/process/node-spawn.ts';
import { EarshotError } from '../../shared/errors.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { CliIo } from '../command.ts';
import type { DeviceNotice } from './transcribe-output.ts';

const log = createLogger('transcribe');

/** Something `transcribe` started and must close on the way out, in reverse order. */
export interface Resource {
  close(): Promise<void>;
}

/**
 * Takes the journal folder for this run, before interrupted sessions in it are sealed: a
 * second Earshot writing there would seal this run's open journal as "recovered". Released
 * when the run ends (the resource), or by the process exiting.
 *
 * A folder that cannot be written at all (read-only, disk full) is not a reason to refuse
 * the run: the live transcript still matters, and the journal writer tells the person its
 * own STORAGE_* warning. Nothing can be written there, so there is nothing to protect.
 */
export function lockJournalDir(journalDir: string): Resource {
  try {
    const lock = acquireDirLock(journalDir, {
      kind: 'earshot transcribe',
      folder: 'journal folder',
      stopHint: 'let it finish, or stop it with Ctrl+C',
      alternative: 'give this one another folder with --journal-dir DIR',
    });
    return { close: () => Promise.resolve(lock.release()) };
  } catch (error) {
    if (!(error instanceof EarshotError) || !UNWRITABLE.has(error.code)) throw error;
    log.warn(`running without a lock on the journal folder ${journalDir}: ${error.message}`);
    return { close: () => Promise.resolve() };
  }
}

const UNWRITABLE: ReadonlySet<string> = new Set(['STORAGE_READ_ONLY', 'STORAGE_FULL']);

/** Starts the embedded engine as a child process (model from --model-dir or EARSHOT_MODEL_DIR). */
export async function startEmbeddedEngine(
  io: CliIo,
  modelDir: string | undefined,
  vadModelPath: string | undefined,
  resources: Resource[],
): Promise<LocalEngine> {
  if (!modelDir)
    throw new EarshotError(
      'MODEL_MISSING',
      'No model folder given: pass --model-dir DIR or set EARSHOT_MODEL_DIR (or choose a cloud --provider).',
    );
  const engine = await startLocalEngine({ spawn: spawnNodeChild, modelDir, ...(vadModelPath ? { vadModelPath } : {}) });
  resources.push({ close: () => engine.stop() });
  // A crashed engine restarts on the same port and token; the session just reconnects.
  engine.on('crash', (reason) =>
    io.stderr.write(`warning: the local engine crashed (${reason}); restarting it, no audio is lost.\n`),
  );
  return engine;
}

export async function openMicrophone(
  io: CliIo,
  selector: string,
  sampleRate: number,
  resources: Resource[],
  onDevice: (notice: DeviceNotice) => void,
  /** System audio must never fall back to the default microphone: it would transcribe you twice. */
  fallbackToDefault = true,
): Promise<FrameSource> {
  const host = createNodeCaptureHost(io.env);
  resources.push({ close: () => host.dispose() });
  const devices = await host.listDevices();
  const key = resolveDeviceSelector(devices, selector);
  if (key === null) {
    const names = devices.map((d) => d.key).join(', ') || 'none';
    throw new EarshotError(
      'DEVICE_NOT_FOUND',
      `No microphone matches "${selector}". Available: ${names}. Run \`earshot devices\` to list them.`,
    );
  }
  host.on('deviceLost', (lost) => onDevice({ kind: 'lost', lost }));
  host.on('deviceRestored', (device) => onDevice({ kind: 'restored', device }));
  host.on('health', (warning) => onDevice({ kind: 'health', warning }));
  return createMicrophoneSource(host, { deviceKey: key, sampleRate, fallbackToDefault });
}

export async function startCaptions(
  io: CliIo,
  options: { port: number; token: string | undefined; host: string | undefined },
  resources: Resource[],
): Promise<CaptionsServer> {
  const server = await startCaptionsServer({
    port: options.port,
    ...(options.token ? { token: options.token } : {}),
    ...(options.host ? { host: options.host } : {}),
  });
  resources.push({ close: () => server.close() });
  io.stderr.write(`Captions: overlay ${server.overlayUrl} (WebSocket ${server.url}, token ${server.token})\n`);
  return server;
}

/** A source that ends by itself after `seconds` of audio (for --seconds). */
export function limitSource(inner: FrameSource, seconds: number): FrameSource {
  const limit = Math.round(seconds * inner.sampleRate);
  let delivered = 0;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  void inner.ended.then(() => resolveEnded());
  return {
    sampleRate: inner.sampleRate,
    ended,
    start: (onFrame) =>
      inner.start((frame: AudioFrame) => {
        if (delivered >= limit) return;
        delivered += frame.samples.length;
        onFrame(frame);
        if (delivered >= limit) resolveEnded();
      }),
    stop: () => inner.stop(),
  };
}
