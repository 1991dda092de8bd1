import { z } from 'zod';
import { isErrorCode } from '../errors.ts';

/**
 * The web bridge's wire format: the same invoke/event contract as Electron IPC, carried as
 * JSON text frames over one WebSocket. The browser cannot set headers on a WebSocket, so the
 * token travels as a second subprotocol (`earshot.token.<hex>`) and is checked before the
 * upgrade; the server answers with the bare `WEB_BRIDGE_PROTOCOL`.
 */
export const WEB_BRIDGE_PATH = '/bridge';
export const WEB_BRIDGE_PROTOCOL = 'earshot.bridge.v1';
export const WEB_BRIDGE_TOKEN_PREFIX = 'earshot.token.';
/** Big enough for `clipboard.write` of a long transcript (50 M characters of mostly ASCII). */
export const WEB_BRIDGE_MAX_PAYLOAD = 64 * 1024 * 1024;

/** Client → server: a numbered request; the answer carries the same `seq`. */
export const bridgeRequestSchema = z
  .object({
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    channel: z.string().max(100),
    payload: z.unknown().optional(),
  })
  .strict();
export type BridgeRequest = z.infer<typeof bridgeRequestSchema>;

const errorPayloadSchema = z.object({
  code: z.string().refine(isErrorCode, 'unknown error code'),
  message: z.string(),
});

/** Server → client: the answer to a request, or an event pushed from the core. */
export const bridgeServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('result'),
    seq: z.number().int().nonnegative(),
    result: z.union([
      z.object({ ok: z.literal(true), value: z.unknown() }),
      z.object({ ok: z.literal(false), error: errorPayloadSchema }),
    ]),
  }),
  z.object({ type: z.literal('event'), event: z.string(), payload: z.unknown() }),
]);
export type BridgeServerMessage = z.infer<typeof bridgeServerMessageSchema>;

/** Tokens are hex so they are always valid subprotocol tokens. */
export function isBridgeToken(value: string): boolean {
  return /^[0-9a-f]{32,128}$/.test(value);
}
