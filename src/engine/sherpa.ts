import { createRequire } from 'node:module';

/**
 * The slice of `sherpa-onnx-node` the engine uses, typed. The package is CommonJS with a
 * prebuilt N-API addon (context-aware, so it also loads inside worker threads).
 */
export interface SherpaWave {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

export interface OnlineResult {
  readonly text: string;
  readonly tokens: readonly string[];
  readonly timestamps: readonly number[];
  /** Output frames since the last non-blank token: sherpa's own endpoint input. */
  readonly num_trailing_blanks?: number;
}

export interface OfflineResult {
  readonly text: string;
  readonly tokens: readonly string[];
  readonly timestamps: readonly number[];
  readonly durations?: readonly number[];
}

export interface SherpaOnlineStream {
  acceptWaveform(wave: SherpaWave): void;
  inputFinished(): void;
}

export interface SherpaOnlineRecognizer {
  createStream(): SherpaOnlineStream;
  isReady(stream: SherpaOnlineStream): boolean;
  decode(stream: SherpaOnlineStream): void;
  decodeStreams(streams: SherpaOnlineStream[]): void;
  reset(stream: SherpaOnlineStream): void;
  getResult(stream: SherpaOnlineStream): OnlineResult;
}

export interface SherpaOfflineStream {
  acceptWaveform(wave: SherpaWave): void;
}

export interface SherpaOfflineRecognizer {
  createStream(): SherpaOfflineStream;
  decode(stream: SherpaOfflineStream): void;
  getResult(stream: SherpaOfflineStream): OfflineResult;
}

export interface SherpaSpeechSegment {
  readonly start: number;
  readonly samples: Float32Array;
}

export interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  pop(): void;
  front(enableExternalBuffer?: boolean): SherpaSpeechSegment;
  reset(): void;
  flush(): void;
}

export interface SherpaVadConfig {
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

export interface SherpaResampler {
  resample(samples: Float32Array): Float32Array;
  flush(samples: Float32Array): Float32Array;
}

export interface SherpaModule {
  readonly OnlineRecognizer: new (config: unknown) => SherpaOnlineRecognizer;
  readonly OfflineRecognizer: new (config: unknown) => SherpaOfflineRecognizer;
  readonly Vad: new (config: SherpaVadConfig, bufferSizeInSeconds: number) => SherpaVad;
  readonly LinearResampler: new (inputRate: number, outputRate: number) => SherpaResampler;
  readonly version: string;
}

let cached: SherpaModule | null = null;

/** Loads the addon once per thread; lazy so that importing the engine costs nothing until a model loads. */
export function loadSherpa(): SherpaModule {
  if (!cached) {
    const require = createRequire(import.meta.url);
    cached = require('sherpa-onnx-node') as SherpaModule;
  }
  return cached;
}
