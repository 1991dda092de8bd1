import { z } from 'zod';

export const sessionStates = ['idle', 'starting', 'streaming', 'reconnecting', 'stopping', 'error'] as const;
export const sessionStateSchema = z.enum(sessionStates);
export type SessionState = z.infer<typeof sessionStateSchema>;

export const providerIds = [
  'local',
  'openai',
  'openai-compatible',
  'vllm',
  'speaches',
  'riva',
  'deepgram',
  'assemblyai',
] as const;
export const providerIdSchema = z.enum(providerIds);
export type ProviderId = z.infer<typeof providerIdSchema>;

/** Providers whose API key is kept in main's keychain (optional for the self-hosted ones). */
export const keyedProviders = [
  'openai',
  'openai-compatible',
  'vllm',
  'speaches',
  'riva',
  'deepgram',
  'assemblyai',
] as const;
export const keyedProviderSchema = z.enum(keyedProviders);
export type KeyedProvider = z.infer<typeof keyedProviderSchema>;

export const sessionSnapshotSchema = z.object({
  state: sessionStateSchema,
  sessionId: z.string().nullable(),
  provider: providerIdSchema,
  deviceKey: z.string().nullable(),
  /** Name of the device actually capturing (differs from deviceKey after a fallback). */
  deviceName: z.string().nullable(),
  startedAt: z.number().nullable(),
  reconnectAttempt: z.number().int(),
  /** Audio not yet accounted for by the service, in ms. */
  bufferedMs: z.number(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Non-fatal notices (storage full, replay overflow, ...), newest last. */
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  /** Since when (epoch ms) the service has been unreachable while the session keeps recording; null when connected. */
  offlineSince: z.number().nullable().optional(),
  /** Of `bufferedMs`, the part kept on disk during a long outage. */
  spilledMs: z.number().optional(),
  /** Who transcribes right now, when it is not `provider` (failover to this computer). */
  servingProvider: providerIdSchema.nullable().optional(),
  /**
   * Meeting mode: the system-audio source transcribed beside the microphone (absent or null when
   * only the microphone is). Its own connection has its own state and buffer.
   */
  system: z
    .object({
      deviceKey: z.string().nullable(),
      deviceName: z.string().nullable(),
      state: sessionStateSchema,
      bufferedMs: z.number(),
    })
    .nullable()
    .optional(),
  /** Meeting mode: the speakers' sound leaking into the microphone is kept out of "You" (the UI says "echo guard on"). */
  echoGuard: z.boolean().optional(),
});
export type SessionSnapshot = z.infer<typeof sessionSnapshotSchema>;

export const startOptionsSchema = z.object({
  deviceKey: z.string().optional(),
  provider: providerIdSchema.optional(),
  modelId: z.string().optional(),
  /**
   * Meeting mode: also transcribe this system-audio device ("Others"); null: the microphone
   * alone. Absent: as the settings remember.
   */
  systemDeviceKey: z.string().min(1).max(500).nullable().optional(),
});
export type StartOptions = z.infer<typeof startOptionsSchema>;

export function idleSnapshot(provider: ProviderId = 'local'): SessionSnapshot {
  return {
    state: 'idle',
    sessionId: null,
    provider,
    deviceKey: null,
    deviceName: null,
    startedAt: null,
    reconnectAttempt: 0,
    bufferedMs: 0,
    error: null,
    warnings: [],
    offlineSince: null,
    spilledMs: 0,
    servingProvider: null,
  };
}

/** "12 s" under a minute and a half, else "3 min": how much audio waits for the service. */
export function formatBuffered(ms: number): string {
  return ms < 90_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** Below this much audio waiting, a reconnect is a blip ("Reconnecting…"); past it, an outage. */
export const OFFLINE_AFTER_MS = 10_000;

/** The session is transcribing on this computer because its cloud service is unreachable. */
export function isFailedOver(snapshot: SessionSnapshot): boolean {
  return snapshot.state === 'streaming' && !!snapshot.servingProvider && snapshot.servingProvider !== snapshot.provider;
}

/**
 * The one line every front end (window, tray, CLI) shows while the service is out of reach, or
 * null while it is not (or only blipped): the session keeps recording and says how much audio
 * waits, or that this computer transcribes meanwhile (failover).
 */
export function offlineStatus(snapshot: SessionSnapshot): string | null {
  if (isFailedOver(snapshot)) return 'Offline — transcribing on this computer';
  if (snapshot.state !== 'reconnecting' || snapshot.bufferedMs < OFFLINE_AFTER_MS) return null;
  return `Offline — still recording, ${formatBuffered(snapshot.bufferedMs)} buffered`;
}
