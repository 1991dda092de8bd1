import { z } from 'zod';

/**
 * The envelope every message between a parent and one of its child processes travels in.
 * The process host's own words (a child's `ready`, `log` and `fatal`; the parent's `shutdown`)
 * ride in `{control}`; the child's protocol (capture, engine, helpers, test fixtures) rides
 * untouched in `{message}`. So a protocol may use any `type` it likes — a capture message
 * named `ready` or `log` can never be taken for the handshake or a log line, and the reverse.
 *
 * The parent side (ProcessHost, the capture HelperPool) parses with these schemas. The child
 * side (src/platform/process/parent-port.ts) builds with the inferred types and reads only the
 * tag, without zod: device probes must start in tens of milliseconds and zod alone takes ~80.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An error as data: what crosses the process boundary instead of a thrown object. */
export const errorDataSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
});

// ── Child → parent ───────────────────────────────────────────────────────────

export const childControlSchema = z.discriminatedUnion('type', [
  /** The child finished starting and serves its protocol. */
  z.object({ type: z.literal('ready') }),
  /** A line for the parent's logger, prefixed there with the child's pid. */
  z.object({ type: z.literal('log'), level: z.enum(LOG_LEVELS), message: z.string(), data: z.unknown().optional() }),
  /** Why the child is about to exit 1: reported as the crash reason. */
  z.object({ type: z.literal('fatal'), error: errorDataSchema }),
]);
export type ChildControl = z.infer<typeof childControlSchema>;

export const childEnvelopeSchema = z.union([
  z.object({ control: childControlSchema }).strict(),
  z.object({ message: z.unknown() }).strict(),
]);
export type ChildEnvelope = z.infer<typeof childEnvelopeSchema>;

// ── Parent → child ───────────────────────────────────────────────────────────

export const parentControlSchema = z.discriminatedUnion('type', [
  /** Exit cleanly now (release the device, close the server); the parent kills after a grace period. */
  z.object({ type: z.literal('shutdown') }),
]);
export type ParentControl = z.infer<typeof parentControlSchema>;

export const parentEnvelopeSchema = z.union([
  z.object({ control: parentControlSchema }).strict(),
  z.object({ message: z.unknown() }).strict(),
]);
export type ParentEnvelope = z.infer<typeof parentEnvelopeSchema>;

/** Sent by the parent to ask for a clean exit. */
export const SHUTDOWN_ENVELOPE = { control: { type: 'shutdown' } } as const satisfies ParentEnvelope;

/** Wraps one message of the child's own protocol, from the parent. */
export function toChild(message: unknown): ParentEnvelope {
  return { message };
}

/**
 * Parses what a child sent. Null when it is no envelope (an old build, a stray `process.send`);
 * the caller logs and drops it.
 */
export function parseChildEnvelope(raw: unknown): ChildEnvelope | null {
  // The protocol's own messages (audio frames, 25 to 50 a second) are checked by hand: exactly
  // one key, `message`, is all the strict schema would check, and zod's union costs per message.
  if (isMessageOnly(raw)) return { message: raw.message };
  const parsed = childEnvelopeSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

function isMessageOnly(raw: unknown): raw is { message: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  let keys = 0;
  for (const key in raw) {
    if (key !== 'message' || ++keys > 1) return false;
  }
  return keys === 1;
}
