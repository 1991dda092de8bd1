/** 20 ms of mono PCM16 at the session rate: what capture produces and the session sends. */
export interface AudioFrame {
  /** Increments by one per frame from the start of capture; gaps mean dropped frames. */
  readonly seq: number;
  /** `performance.timeOrigin + performance.now()` in ms when the first sample was captured. */
  readonly captureTimeMs: number;
  readonly sampleRate: number;
  readonly samples: Int16Array;
}

export const FRAME_MS = 20;

export function samplesPerFrame(sampleRate: number): number {
  return (sampleRate * FRAME_MS) / 1000;
}

/**
 * Anything that yields frames: the capture process (microphone) or a WAV file reader.
 * The session consumes this and never knows which.
 */
export interface FrameSource {
  readonly sampleRate: number;
  /** Starts producing; resolves once the first frame can flow. */
  start(onFrame: (frame: AudioFrame) => void): Promise<void>;
  /** Stops producing; resolves after the last frame was delivered. */
  stop(): Promise<void>;
  /** Resolves when the source ends by itself (end of file); never for a live microphone. */
  readonly ended: Promise<void>;
}

/** Wall-clock ms with sub-ms resolution, comparable across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
