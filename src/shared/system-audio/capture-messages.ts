import { z } from 'zod';

export { CAPTURE_PORT_CHANNEL } from './capture-port.ts';

/**
 * What the hidden capture page (src/renderer/system-audio) tells main over its MessagePort.
 * Main parses every message: the page is ours, but it is still a renderer, and a message that
 * does not parse is dropped and logged, never acted on.
 */
export const captureMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    /** The audio context's rate: the rate of every chunk that follows. */
    sampleRate: z.number().int().min(8_000).max(384_000),
    channels: z.number().int().min(1).max(32),
    /** The track's label as Chromium names it ("System Audio", "Screen 1" …), for the log. */
    trackLabel: z.string().max(200),
  }),
  z.object({
    type: z.literal('chunk'),
    /** Wall-clock ms (performance.timeOrigin + performance.now() scale) of the first sample. */
    captureTimeMs: z.number().finite(),
    samples: z.instanceof(Float32Array),
  }),
  z.object({
    type: z.literal('failed'),
    /** Which step failed: asking for the stream, or building the audio graph. */
    stage: z.enum(['get-display-media', 'no-audio-track', 'audio-graph']),
    /** The DOMException name (NotAllowedError, NotFoundError, NotReadableError …). */
    name: z.string().max(100),
    message: z.string().max(1_000),
  }),
  z.object({
    type: z.literal('ended'),
    /** Whether any chunk was posted before the track ended. */
    hadAudio: z.boolean(),
  }),
]);
export type CaptureMessage = z.infer<typeof captureMessageSchema>;
export type CaptureFailure = Extract<CaptureMessage, { type: 'failed' }>;

/**
 * What the capture page's preload exposes as `window.earshotCapture`: one verb, no IPC. The
 * message crosses the context bridge as a copy (a Float32Array stays a Float32Array).
 */
export interface CaptureBridge {
  post(message: CaptureMessage): void;
}
