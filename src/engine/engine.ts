import { findVadModel } from '../platform/models/vad-model.ts';
import { EarshotError } from '../shared/errors.ts';
import { generateToken } from '../platform/net/tokens.ts';
import { readTlsFiles } from '../platform/net/tls-files.ts';
import { DecoderPool } from './decoder-pool.ts';
import type { ModelInfo } from './decoder-protocol.ts';
import { loadModelManifest } from '../platform/models/manifest-file.ts';
import { startEngineServer } from './server.ts';

export interface EngineOptions {
  readonly modelDir: string;
  /** Explicit Silero VAD path; otherwise found beside the model (see findVadModel). */
  readonly vadModelPath?: string | null;
  readonly host?: string;
  readonly port?: number;
  /** Random when not given. */
  readonly token?: string;
  /** Binding a non-loopback address must be asked for explicitly (and needs a token). */
  readonly allowRemote?: boolean;
  readonly tls?: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly workers?: number;
  /** The decode worker module, where a bundler moved it. */
  readonly workerPath?: string;
  readonly idleTimeoutMs?: number;
  readonly maxBacklogS?: number;
  readonly maxPayload?: number;
  /** Web page origins allowed to connect from a browser (none by default). */
  readonly allowedOrigins?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningEngine {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly model: ModelInfo;
  readonly vadModelPath: string | null;
  close(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Loads the model (failing early with MODEL_MISSING, MODEL_INVALID or VAD_MISSING), starts the decode workers and the server. */
export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && (!options.allowRemote || !options.token)) {
    throw new EarshotError(
      'USAGE',
      `Binding ${host} exposes the engine to the network: pass --allow-remote and --token (use --tls-cert/--tls-key too).`,
    );
  }
  const model = loadModelManifest(options.modelDir);
  const vadModelPath = findVadModel({
    explicit: options.vadModelPath ?? null,
    modelDir: options.modelDir,
    env: options.env ?? process.env,
  });
  if (model.manifest.kind === 'offline' && !vadModelPath) {
    throw new EarshotError(
      'VAD_MISSING',
      `The model ${model.manifest.name} needs the Silero VAD (silero_vad.onnx): put it beside the model folder or pass --vad-model.`,
    );
  }
  const tls = options.tls ? readTlsFiles(options.tls) : undefined;
  const pool = await DecoderPool.start({
    modelDir: options.modelDir,
    vadModelPath,
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.workerPath ? { workerPath: options.workerPath } : {}),
  });
  const token = options.token ?? generateToken();
  try {
    const server = await startEngineServer({
      pool,
      token,
      host,
      port: options.port ?? 0,
      tls,
      ...(options.maxPayload ? { maxPayload: options.maxPayload } : {}),
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.maxBacklogS ? { maxBacklogS: options.maxBacklogS } : {}),
      ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
    });
    return {
      url: server.url,
      port: server.port,
      token,
      model: pool.model,
      vadModelPath,
      close: async () => {
        await server.close();
        await pool.close();
      },
    };
  } catch (error) {
    await pool.close();
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE')
      throw new EarshotError(
        'ENGINE_START_FAILED',
        `Port ${options.port} is already in use; choose another with --port.`,
      );
    throw error;
  }
}
