import { z } from 'zod';
import { deviceInfoSchema, deviceLostSchema, healthSchema, levelSchema } from './devices.ts';
import { isErrorCode, type ErrorCode } from './errors.ts';

/**
 * The messages between main (CaptureHost) and the capture process, both ways. Every message
 * carries the protocol version `v`, so a stale child built from another release is refused
 * instead of misread. Requests carry an `id` answered by exactly one `reply`; everything else
 * the child sends is an event. Frames travel as typed arrays (structured clone), never base64.
 *
 * Exhaustive switches over `type` on both sides keep the two in step.
 */
export const CAPTURE_PROTOCOL_VERSION = 1;

const v = z.literal(CAPTURE_PROTOCOL_VERSION);
const requestId = z.number().int().nonnegative();
const sampleRate = z.number().int().min(8000).max(384_000);
const errorPayloadSchema = z.object({
  code: z.string().refine(isErrorCode, 'unknown error code') as unknown as z.ZodType<ErrorCode>,
  message: z.string(),
});

// ── Parent → child ───────────────────────────────────────────────────────────

export const captureRequestSchema = z.discriminatedUnion('type', [
  /** Lists the inputs; `refresh` forces a new enumeration instead of the cached list. */
  z.object({ v, type: z.literal('list-devices'), id: requestId, refresh: z.boolean() }),
  /**
   * Opens a device without delivering frames: levels and health flow and the pre-roll ring
   * fills, so a later `start` on the same device begins with the last `preRollMs` of audio.
   */
  z.object({ v, type: z.literal('monitor'), id: requestId, deviceKey: z.string(), sampleRate }),
  z.object({
    v,
    type: z.literal('start'),
    id: requestId,
    deviceKey: z.string(),
    sampleRate,
    preRollMs: z.number().int().min(0).max(5000),
    fallbackToDefault: z.boolean(),
    /** Opens the device at this rate instead of the session rate (tests, benchmarks). */
    captureRate: sampleRate.optional(),
  }),
  z.object({ v, type: z.literal('stop'), id: requestId }),
  /** Switches the device: live while capturing or monitoring, else remembered for the next start. */
  z.object({ v, type: z.literal('set-device'), id: requestId, deviceKey: z.string() }),
]);
export type CaptureRequest = z.infer<typeof captureRequestSchema>;
export type CaptureRequestType = CaptureRequest['type'];

// ── Child → parent ───────────────────────────────────────────────────────────

/** What a successful `start`/`monitor`/`set-device` opened: the device and the format it runs at. */
export const openedStreamSchema = z.object({
  device: deviceInfoSchema,
  /** Rate and channels the device was opened with (before downmix and resampling). */
  deviceRate: z.number(),
  deviceChannels: z.number().int(),
  sessionRate: z.number(),
});
export type OpenedStream = z.infer<typeof openedStreamSchema>;

export const captureReplySchema = z.union([
  z.object({ v, type: z.literal('reply'), id: requestId, ok: z.literal(true), value: z.unknown() }),
  z.object({ v, type: z.literal('reply'), id: requestId, ok: z.literal(false), error: errorPayloadSchema }),
]);

/** Timing stamps of one frame, all in wall-clock ms (`performance.timeOrigin + performance.now()`). */
export const frameTimingSchema = z.object({
  /** When the PortAudio data that completed this frame reached JavaScript in the child. */
  callbackMs: z.number(),
  /** When the child posted the frame. */
  sentMs: z.number(),
});
export type FrameTiming = z.infer<typeof frameTimingSchema>;

export const captureFrameSchema = z.object({
  v,
  type: z.literal('frame'),
  seq: z.number().int().nonnegative(),
  captureTimeMs: z.number(),
  sampleRate: z.number(),
  samples: z.custom<Int16Array>((value) => value instanceof Int16Array, 'samples must be an Int16Array'),
  /** True for frames replayed from the pre-roll ring at start. */
  preRoll: z.boolean(),
  timing: frameTimingSchema,
});
export type CaptureFrameMessage = z.infer<typeof captureFrameSchema>;

export const captureEventSchema = z.discriminatedUnion('type', [
  captureFrameSchema,
  z.object({ v, type: z.literal('level'), level: levelSchema }),
  z.object({ v, type: z.literal('health'), warning: healthSchema }),
  z.object({ v, type: z.literal('devices-changed'), devices: z.array(deviceInfoSchema) }),
  z.object({ v, type: z.literal('device-lost'), lost: deviceLostSchema }),
  /** The lost device came back and capture switched back to it. */
  z.object({ v, type: z.literal('device-restored'), device: deviceInfoSchema }),
  /** The stream now runs on this device and format (after a fallback, a restore or a set-device). */
  z.object({ v, type: z.literal('stream-opened'), stream: openedStreamSchema }),
  /** Something failed outside any request (the device vanished with no fallback): capture stopped. */
  z.object({ v, type: z.literal('error'), error: errorPayloadSchema }),
]);
export type CaptureEvent = z.infer<typeof captureEventSchema>;

export type CaptureMessage = CaptureEvent | z.infer<typeof captureReplySchema>;

/** Parses anything the child sent; frames take a fast path (50 per second, typed arrays). */
export function parseCaptureMessage(raw: unknown): CaptureMessage | null {
  const candidate = raw as { type?: unknown; v?: unknown; samples?: unknown } | null;
  if (candidate?.v !== CAPTURE_PROTOCOL_VERSION) return null;
  if (candidate.type === 'frame') {
    return candidate.samples instanceof Int16Array ? (captureFrameSchema.safeParse(raw).data ?? null) : null;
  }
  if (candidate.type === 'reply') return captureReplySchema.safeParse(raw).data ?? null;
  return captureEventSchema.safeParse(raw).data ?? null;
}

/** Distributes `Omit` over a union so each request keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type CaptureRequestBody = DistributiveOmit<CaptureRequest, 'v' | 'id'>;
