import { createRequire } from 'node:module';

/**
 * The slice of `sherpa-onnx-node`'s Silero VAD that client-side turns use, typed. The engine
 * has its own loader (src/engine/sherpa.ts); core may not import the engine, and needs only this.
 */
export interface SileroVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  pop(): void;
  front(enableExternalBuffer?: boolean): { readonly start: number; readonly samples: Float32Array };
  flush(): void;
}

interface SileroVadConfig {
  readonly sileroVad: {
    readonly model: string;
    readonly threshold: number;
    readonly minSilenceDuration: number;
    readonly minSpeechDuration: number;
    readonly windowSize: number;
    readonly maxSpeechDuration: number;
  };
  readonly sampleRate: number;
  readonly numThreads: number;
  readonly provider: string;
  readonly debug: number;
}

interface SherpaVadModule {
  readonly Vad: new (config: SileroVadConfig, bufferSizeInSeconds: number) => SileroVad;
}

/** Silero's own rate and window (sherpa-onnx accepts only these for Silero v5). */
export const SILERO_RATE = 16_000;
export const SILERO_WINDOW = 512;

let cached: SherpaVadModule | null = null;

export interface SileroOptions {
  readonly modelPath: string;
  readonly threshold: number;
  readonly minSilenceMs: number;
  readonly minSpeechMs: number;
  /** Longest speech segment sherpa keeps before splitting it. */
  readonly maxSpeechS: number;
}

/** Loads the addon lazily (a session that needs no client-side turns never pays for it). */
export function createSileroVad(o: SileroOptions): SileroVad {
  if (!cached) cached = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaVadModule;
  return new cached.Vad(
    {
      sileroVad: {
        model: o.modelPath,
        threshold: o.threshold,
        minSilenceDuration: o.minSilenceMs / 1000,
        minSpeechDuration: o.minSpeechMs / 1000,
        windowSize: SILERO_WINDOW,
        maxSpeechDuration: o.maxSpeechS,
      },
      sampleRate: SILERO_RATE,
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
    },
    o.maxSpeechS + 10,
  );
}
