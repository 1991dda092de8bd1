import type { AudioFrame, FrameSource } from '../../shared/audio-frame.ts';
import type { CaptureStartOptions } from '../capture-host/capture-host.ts';

/** What the source needs of the capture host (CaptureHost is one; app-core tests pass a fake). */
export interface FrameHost {
  on(event: 'frame', listener: (frame: AudioFrame) => void): unknown;
  off(event: 'frame', listener: (frame: AudioFrame) => void): unknown;
  start(options: CaptureStartOptions): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The microphone as a FrameSource, so the session consumes it exactly like a WAV file.
 * Frames flow between `start` and `stop`; `ended` never resolves (a live microphone does
 * not end by itself — device loss is reported by the host's events, not by ending).
 */
export function createMicrophoneSource(host: FrameHost, opts: CaptureStartOptions): FrameSource {
  let listener: ((frame: AudioFrame) => void) | null = null;
  return {
    sampleRate: opts.sampleRate,
    ended: new Promise<void>(() => {}),
    async start(onFrame) {
      if (listener) throw new Error('The microphone source is already started.');
      listener = onFrame;
      host.on('frame', onFrame);
      try {
        await host.start(opts);
      } catch (error) {
        host.off('frame', onFrame);
        listener = null;
        throw error;
      }
    },
    async stop() {
      if (!listener) return;
      try {
        await host.stop();
      } finally {
        host.off('frame', listener);
        listener = null;
      }
    },
  };
}
