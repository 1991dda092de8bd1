import { z } from 'zod';
import { deviceInfoSchema, deviceLostSchema, healthSchema, levelSchema, type Level } from './devices.ts';
import { isErrorCode, type ErrorCode } from './errors.ts';

/**
 * The messages between main (CaptureHost) and the capture process, both ways. Every message
 * carries the protocol version `v`, so a stale child built from another release is refused
 * instead of misread. Requests carry an `id` answered by exactly one `reply`; everything else
 * the child sends is an event. Frames travel as typed arrays (structured clone), never base64.
 *
 * Exhaustive switches over `type` on both sides keep the two in step.
 *
 * Version 2 added helper processes (below): the capture process asks its parent to start them.
 */
export const CAPTURE_PROTOCOL_VERSION = 2;

const v = z.literal(CAPTURE_PROTOCOL_VERSION);
const requestId = z.number().int().nonnegative();
const helperId = z.number().int().nonnegative();
/** A process's own CPU time (user + system) since it started, in ms. */
const cpuMs = z.number().nonnegative();
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

/**
 * Consecutive frames in one message (oldest first), exactly as each would have gone alone:
 * every IPC message costs a write, a read and a wake-up in two processes, so the capture
 * process sends a few frames at a time (src/capture/frame-batcher.ts). Parsed by hand
 * (`parseFrameBatch`): zod per frame was a visible share of the parent's listening CPU.
 */
export interface CaptureFramesMessage {
  readonly v: typeof CAPTURE_PROTOCOL_VERSION;
  readonly type: 'frames';
  readonly frames: readonly CaptureFrameMessage[];
  /** Level readings taken while these frames were held (they go to a meter; order with frames does not matter). */
  readonly levels?: readonly Level[];
}

function isLevel(value: unknown): value is Level {
  const l = value as Partial<Level> | null;
  return typeof l?.rmsDb === 'number' && typeof l.peakDb === 'number';
}

function isFrame(value: unknown): value is CaptureFrameMessage {
  const f = value as Partial<CaptureFrameMessage> | null;
  return (
    f?.v === CAPTURE_PROTOCOL_VERSION &&
    f.type === 'frame' &&
    Number.isInteger(f.seq) &&
    (f.seq as number) >= 0 &&
    typeof f.captureTimeMs === 'number' &&
    typeof f.sampleRate === 'number' &&
    f.samples instanceof Int16Array &&
    typeof f.preRoll === 'boolean' &&
    typeof f.timing?.callbackMs === 'number' &&
    typeof f.timing.sentMs === 'number'
  );
}

/** A batch of frames, or null when it or any frame in it is malformed (the whole batch is dropped). */
export function parseFrameBatch(raw: unknown): CaptureFramesMessage | null {
  const { frames, levels } = (raw ?? {}) as { frames?: unknown; levels?: unknown };
  if (!Array.isArray(frames) || frames.length === 0 || !frames.every(isFrame)) return null;
  if (levels === undefined) return { v: CAPTURE_PROTOCOL_VERSION, type: 'frames', frames };
  if (!Array.isArray(levels) || !levels.every(isLevel)) return null;
  return { v: CAPTURE_PROTOCOL_VERSION, type: 'frames', frames, levels };
}

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

// ── Helper processes ─────────────────────────────────────────────────────────
//
// PortAudio enumerates devices only when it initialises, and stays initialised while a stream
// is open, so a capturing process needs a fresh process to see what is plugged in now (a probe)
// or to notice that its device vanished (a presence watcher). The capture process cannot start
// those itself: in the app it is an Electron utility process, which cannot fork, and the
// packaged binary cannot run as plain Node (the RunAsNode fuse is off). So it asks its parent:
//
//   capture ──spawn-helper──▶ CaptureHost ──spawn(entry, --probe|--watch)──▶ helper
//   capture ◀──helper-message── CaptureHost ◀──probe-result|watch-*── helper (its own IPC channel)
//   capture ◀──helper-exit── CaptureHost (once, when the helper is gone)
//
// CaptureHost stops a helper when asked (stop-helper), after its last message, and — always —
// when the capture process that asked for it exits: helpers never outlive it.

export type HelperMode = 'probe' | 'watch';

/** What a helper process says to its parent. Helpers build these without zod (see probe-main.ts). */
export const helperMessageSchema = z.discriminatedUnion('type', [
  /** A fresh enumeration, and whether the asked-for device opened (null when none was asked). */
  z.object({
    v,
    type: z.literal('probe-result'),
    devices: z.array(deviceInfoSchema),
    openable: z.boolean().nullable(),
    cpuMs,
  }),
  /** The watcher holds the device and checks it about twice a second. */
  z.object({ v, type: z.literal('watch-present') }),
  /** The watched device no longer opens. */
  z.object({ v, type: z.literal('watch-gone'), cpuMs }),
]);
export type HelperMessage = z.infer<typeof helperMessageSchema>;

/** After this message a helper has nothing more to say: its parent stops it. */
export function endsHelper(message: HelperMessage): boolean {
  switch (message.type) {
    case 'probe-result':
    case 'watch-gone':
      return true;
    case 'watch-present':
      return false;
  }
}

/** Capture process → parent: start a helper (`id` chosen by the capture process) or stop one. */
export const helperRequestSchema = z.discriminatedUnion('type', [
  z.discriminatedUnion('mode', [
    /** Enumerate afresh; with a key, also check that the device opens. */
    z.object({
      v,
      type: z.literal('spawn-helper'),
      id: helperId,
      mode: z.literal('probe'),
      key: z.string().nullable(),
    }),
    /** Watch one device's presence until stopped or gone. */
    z.object({ v, type: z.literal('spawn-helper'), id: helperId, mode: z.literal('watch'), key: z.string() }),
  ]),
  z.object({ v, type: z.literal('stop-helper'), id: helperId }),
]);
export type HelperRequest = z.infer<typeof helperRequestSchema>;
export type SpawnHelperRequest = Extract<HelperRequest, { type: 'spawn-helper' }>;

/** Parent → capture process: what helper `id` said, and (last) that it is gone and why. */
export const helperNoticeSchema = z.discriminatedUnion('type', [
  z.object({ v, type: z.literal('helper-message'), id: helperId, message: helperMessageSchema }),
  z.object({
    v,
    type: z.literal('helper-exit'),
    id: helperId,
    code: z.number().int().nullable(),
    signal: z.string().nullable(),
    /** For logs: "stopped", the helper's fatal error or last stderr line, or its exit status. */
    detail: z.string(),
  }),
]);
export type HelperNotice = z.infer<typeof helperNoticeSchema>;

export type CaptureMessage = CaptureEvent | CaptureFramesMessage | z.infer<typeof captureReplySchema> | HelperRequest;

const HELPER_REQUEST_TYPES: ReadonlySet<unknown> = new Set(['spawn-helper', 'stop-helper']);
const HELPER_NOTICE_TYPES: ReadonlySet<unknown> = new Set(['helper-message', 'helper-exit']);

/** Parses anything the child sent; frames take a hand-written fast path (50 per second, typed arrays). */
export function parseCaptureMessage(raw: unknown): CaptureMessage | null {
  const candidate = raw as { type?: unknown; v?: unknown; samples?: unknown } | null;
  if (candidate?.v !== CAPTURE_PROTOCOL_VERSION) return null;
  if (candidate.type === 'frames') return parseFrameBatch(raw);
  if (candidate.type === 'frame') return isFrame(raw) ? raw : null;
  if (candidate.type === 'reply') return captureReplySchema.safeParse(raw).data ?? null;
  if (HELPER_REQUEST_TYPES.has(candidate.type)) return helperRequestSchema.safeParse(raw).data ?? null;
  return captureEventSchema.safeParse(raw).data ?? null;
}

/** What the capture process accepts from its parent: a request (answered by a reply) or a helper notice. */
export type CaptureParentMessage = CaptureRequest | HelperNotice;

/** Parses a message from the parent; the zod error says what was wrong. */
export function parseParentMessage(
  raw: unknown,
): { ok: true; message: CaptureParentMessage } | { ok: false; error: string } {
  const type = (raw as { type?: unknown } | null)?.type;
  const parsed = HELPER_NOTICE_TYPES.has(type)
    ? helperNoticeSchema.safeParse(raw)
    : captureRequestSchema.safeParse(raw);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, error: parsed.error.message };
}

/** Distributes `Omit` over a union so each request keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type CaptureRequestBody = DistributiveOmit<CaptureRequest, 'v' | 'id'>;
export type HelperRequestBody = DistributiveOmit<HelperRequest, 'v'>;
export type HelperNoticeBody = DistributiveOmit<HelperNotice, 'v'>;
