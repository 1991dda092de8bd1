import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { generateToken } from '../../platform/net/tokens.ts';
import {
  ENGINE_CONFIG_ENV,
  engineChildMessageSchema,
  serializeEngineConfig,
  type EngineChildMessage,
  type ModelInfo,
} from '../../shared/engine-process.ts';
import { EarshotError, isErrorCode } from '../../shared/errors.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { ProcessHost, type CrashReport } from '../../platform/process/process-host.ts';
import type { SpawnChild } from '../../platform/process/types.ts';
import { ENGINE_ENTRY } from './entry.ts';

const log = createLogger('engine-launcher');

export interface StartLocalEngineOptions {
  readonly spawn: SpawnChild;
  /** The engine entry; defaults to src/engine/main.ts (the app passes its bundled file). */
  readonly modulePath?: string;
  readonly modelDir: string;
  readonly vadModelPath?: string;
  readonly host?: string;
  /** 0 or absent: a free port is chosen once and kept across restarts. */
  readonly port?: number;
  readonly token?: string;
  readonly workers?: number;
  /** The decode worker module, where a bundler moved it. */
  readonly workerPath?: string;
  /** Restart policy (ENGINE_RESTART_POLICY unless given; tests shorten it). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Restarts after the engine has been up once; unlimited by default. */
  readonly maxRestarts?: number;
  /** Crashes before its first `ready` that end the start (a model that crashes on load always will). */
  readonly startAttempts?: number;
}

/**
 * How the engine comes back after a crash. Once it has run, it is restarted for as long as
 * the app runs: a crash loop slows to one attempt per `backoffMaxMs` but never stops, so
 * local transcription recovers by itself when whatever killed it (memory pressure, a driver,
 * a bad input) goes away. Before it has ever been ready, a few crashes end the start with
 * ENGINE_START_FAILED instead: that engine would only crash again.
 */
export const ENGINE_RESTART_POLICY = {
  backoffBaseMs: 250,
  backoffMaxMs: 15_000,
  maxRestarts: Number.POSITIVE_INFINITY,
  startAttempts: 3,
} as const;

export type { ModelInfo };

interface LocalEngineEvents {
  /** The process died; `attempt` counts crashes since it was last stable, `willRestart` says if it comes back. */
  crash: [reason: string, attempt: number, willRestart: boolean];
  restarted: [];
}

/**
 * The embedded engine as seen from main: a child process listening on loopback with a
 * random token. When the process crashes it is restarted on the same port with the same
 * token, so a client only has to reconnect.
 */
export class LocalEngine extends EventEmitter<LocalEngineEvents> {
  readonly url: string;
  readonly token: string;
  readonly modelInfo: ModelInfo;
  readonly #host: ProcessHost<unknown, never>;

  constructor(url: string, token: string, modelInfo: ModelInfo, host: ProcessHost<unknown, never>) {
    super();
    this.url = url;
    this.token = token;
    this.modelInfo = modelInfo;
    this.#host = host;
  }

  get pid(): number | undefined {
    return this.#host.pid;
  }

  async stop(): Promise<void> {
    await this.#host.stop();
  }
}

export async function startLocalEngine(options: StartLocalEngineOptions): Promise<LocalEngine> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ? options.port : await freePort(host);
  const token = options.token ?? generateToken();
  const config = serializeEngineConfig({
    modelDir: options.modelDir,
    vadModelPath: options.vadModelPath ?? null,
    host,
    port,
    token,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.workerPath ? { workerPath: options.workerPath } : {}),
  });
  const processHost = new ProcessHost<unknown, never>({
    spawn: options.spawn,
    modulePath: options.modulePath ?? ENGINE_ENTRY,
    name: 'engine',
    env: { [ENGINE_CONFIG_ENV]: config },
    backoffBaseMs: options.backoffBaseMs ?? ENGINE_RESTART_POLICY.backoffBaseMs,
    backoffMaxMs: options.backoffMaxMs ?? ENGINE_RESTART_POLICY.backoffMaxMs,
    maxRestarts: options.maxRestarts ?? ENGINE_RESTART_POLICY.maxRestarts,
  });
  const startAttempts = options.startAttempts ?? ENGINE_RESTART_POLICY.startAttempts;
  let startCrashes = 0;
  let lastStartCrash = '';
  const countStartCrash = (report: CrashReport): void => {
    startCrashes += 1;
    lastStartCrash = report.reason;
    // Stopping makes start() reject; the unlimited restarts are for an engine that once ran.
    // After the host has finished handling this crash (it schedules the restart we cancel).
    if (startCrashes >= startAttempts) queueMicrotask(() => void processHost.stop());
  };
  processHost.on('crash', countStartCrash);
  let listening: Extract<EngineChildMessage, { type: 'listening' }> | null = null;
  let startFailure: EarshotError | null = null;
  processHost.on('message', (raw) => {
    const parsed = engineChildMessageSchema.safeParse(raw);
    if (!parsed.success) {
      log.warn('dropped a message the engine process protocol does not allow', raw);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'listening':
        listening = message;
        return;
      case 'start_failed':
        startFailure = new EarshotError(
          isErrorCode(message.code) ? message.code : 'ENGINE_START_FAILED',
          message.message,
        );
        // A model that cannot load will not load on a restart either.
        void processHost.stop();
        return;
    }
  });
  try {
    await processHost.start();
  } catch (error) {
    await processHost.stop();
    const why =
      startCrashes >= startAttempts
        ? `it crashed ${startCrashes} times while starting (${lastStartCrash})`
        : (error as Error).message;
    throw startFailure ?? new EarshotError('ENGINE_START_FAILED', `The engine process did not start: ${why}`);
  } finally {
    processHost.off('crash', countStartCrash);
  }
  const ready = listening as Extract<EngineChildMessage, { type: 'listening' }> | null;
  if (!ready)
    throw new EarshotError('ENGINE_START_FAILED', 'The engine process said ready without reporting its address.');
  const engine = new LocalEngine(ready.url, token, ready.model, processHost);
  let crashed = false;
  processHost.on('crash', (report) => {
    crashed = true;
    log.error(`engine crashed: ${report.reason} (attempt ${report.attempt})`);
    engine.emit('crash', report.reason, report.attempt, report.willRestart);
  });
  processHost.on('ready', () => {
    if (!crashed) return;
    crashed = false;
    engine.emit('restarted');
  });
  return engine;
}

/** Asks the OS for a free loopback port; the engine keeps it across restarts. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
