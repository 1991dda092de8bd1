/**
 * The engine child process's contract with the process that starts it (core's launcher):
 * its configuration (JSON in EARSHOT_ENGINE_CONFIG) and the messages it sends once.
 */

/** What the engine tells about its model (also handed to the app's main process). */
export interface ModelInfo {
  readonly name: string;
  readonly kind: 'online' | 'offline';
  readonly sampleRate: number;
  readonly language: string;
}

export interface EngineChildConfig {
  readonly modelDir: string;
  readonly vadModelPath?: string | null;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly workers?: number;
  /** The decode worker module when a bundler moved it (the app's out/main/decode-worker.js). */
  readonly workerPath?: string;
}

export type EngineChildMessage =
  | {
      readonly type: 'listening';
      readonly url: string;
      readonly port: number;
      readonly token: string;
      readonly model: ModelInfo;
    }
  | { readonly type: 'start_failed'; readonly code: string; readonly message: string };
