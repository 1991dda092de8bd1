import type { FrameSource } from '../../shared/audio-frame.ts';
import type { ProviderAdapter, ProviderConfig } from '../providers/types.ts';
import type { SpeakerSource } from '../../shared/transcript.ts';
import type { JournalSink } from '../transcript/journal.ts';
import type { BackoffOptions } from '../../platform/backoff.ts';
import type { StatFs } from './spill-file.ts';
import type { OpenTransport } from './transport.ts';

export interface SessionOptions {
  /** Microphone (capture process) or WAV file; must produce the provider's sample rate. */
  readonly source: FrameSource;
  /** An adapter, or a provider config passed to `createProvider`. */
  readonly provider: ProviderAdapter | ProviderConfig;
  /** Defaults to a sortable id: `20260812-140312-ab12cd`. */
  readonly sessionId?: string;
  /** Journal each run into `<journalDir>/<sessionId>.jsonl` (the usual way). */
  readonly journalDir?: string;
  /** Or journal into a journal the caller opened (tests, custom storage). */
  readonly journal?: JournalSink;
  /**
   * Meeting mode: whose voice this session transcribes. Every event it emits and journals then
   * carries it as `source`, its times moved onto the meeting's clock by `clockOffsetMs()`.
   */
  readonly speaker?: SpeakerSource;
  /** Added to every time this session emits (ms): where its audio began on the shared clock. */
  readonly clockOffsetMs?: () => number;
  readonly title?: string;
  readonly deviceKey?: string | null;
  readonly deviceName?: string | null;
  /** Unaccounted audio kept for replay; at least 60 s. Default 120 s. */
  readonly replayBufferMs?: number;
  /**
   * Where audio beyond the replay buffer goes during a long outage (`<spillDir>/<sessionId>.spill`,
   * removed when the run ends). Default: `journalDir`; with neither, the oldest audio is dropped.
   */
  readonly spillDir?: string;
  /** Free disk space never spilled into. Default 256 MB. */
  readonly spillReserveBytes?: number;
  /** Warn once the disk holds less than this much more offline audio. Default 60 min. */
  readonly spillWarnAheadMs?: number;
  /** How free space is measured (tests inject a nearly full disk). Default fs.statfsSync. */
  readonly statfs?: StatFs;
  /** When the cloud service stays unreachable, let the embedded engine transcribe meanwhile (failover.ts). */
  readonly failover?: FailoverOptions;
  /** Ping interval; a peer that misses one ping is dropped. Default 10 s. */
  readonly heartbeatIntervalMs?: number;
  /** Handshake and set-up (until the service says ready). Default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** Consecutive failed reconnects before the session gives up. Default: never (outages of any length are ridden out). */
  readonly maxReconnectAttempts?: number;
  /** Rotate this long before the provider's session limit. Default 5 min (10% of shorter limits). */
  readonly rotateBeforeLimitMs?: number;
  /** Rotate after this long regardless of the provider (tests, services with unknown limits). */
  readonly rotateAfterMs?: number;
  /** How long rotation waits for a turn boundary before switching anyway. Default 60 s. */
  readonly rotationGraceMs?: number;
  /** How long stop() waits for the last finals. Default 15 s. */
  readonly drainTimeoutMs?: number;
  /** OpenAI-style services: commit when this much audio sits uncommitted outside speech. Default 30 s. */
  readonly maxUncommittedMs?: number;
  /** Send the provider's keepalive after this long without audio. Default 4 s (Deepgram closes at 10 s). */
  readonly keepAliveAfterMs?: number;
  /** Record the session layer's own latencies in `session.latency` (benchmarks). */
  readonly measureLatency?: boolean;
  /** How connections reach the service. Default: a WebSocket; socket-free tests script one in memory. */
  readonly openTransport?: OpenTransport;
}

/** Failover to the embedded engine, as the session's owner sets it up. */
export interface FailoverOptions {
  /**
   * The embedded engine's adapter at the session's sample rate, started on first use. Throws
   * (MODEL_MISSING) when no offline model is installed: the session then keeps retrying the cloud.
   */
  readonly resolve: () => Promise<ProviderAdapter>;
  /** How long the cloud service may stay unreachable before this computer takes over. Default 15 s. */
  readonly afterMs?: number;
  /** Go back to the cloud service once it answers again (a rotation at a turn boundary). Default true. */
  readonly switchBack?: boolean;
  /** While on this computer, how often the cloud service is tried. Default 30 s. */
  readonly probeMs?: number;
}

export interface ResolvedSessionOptions {
  readonly replayBufferMs: number;
  readonly heartbeatIntervalMs: number;
  readonly connectTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly maxReconnectAttempts: number;
  readonly rotateBeforeLimitMs: number;
  readonly rotateAfterMs: number | null;
  readonly rotationGraceMs: number;
  readonly drainTimeoutMs: number;
  readonly maxUncommittedMs: number;
  readonly keepAliveAfterMs: number;
}

export const MIN_REPLAY_BUFFER_MS = 60_000;

export function resolveSessionOptions(o: SessionOptions): ResolvedSessionOptions {
  return {
    replayBufferMs: Math.max(MIN_REPLAY_BUFFER_MS, o.replayBufferMs ?? 120_000),
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    backoff: { baseMs: o.backoff?.baseMs ?? 250, maxMs: o.backoff?.maxMs ?? 10_000 },
    maxReconnectAttempts: o.maxReconnectAttempts ?? Infinity,
    rotateBeforeLimitMs: o.rotateBeforeLimitMs ?? 5 * 60_000,
    rotateAfterMs: o.rotateAfterMs ?? null,
    rotationGraceMs: o.rotationGraceMs ?? 60_000,
    drainTimeoutMs: o.drainTimeoutMs ?? 15_000,
    maxUncommittedMs: o.maxUncommittedMs ?? 30_000,
    keepAliveAfterMs: o.keepAliveAfterMs ?? 4_000,
  };
}

/** When to rotate a connection that became ready now, or null for never. */
export function rotationDelay(
  o: ResolvedSessionOptions,
  maxSessionMs: number | null,
  expiresAtMs: number | undefined,
  now: number,
): number | null {
  if (o.rotateAfterMs !== null) return o.rotateAfterMs;
  const limits = [maxSessionMs, expiresAtMs === undefined ? null : expiresAtMs - now].filter(
    (v): v is number => v !== null && v > 0,
  );
  if (limits.length === 0) return null;
  const limit = Math.min(...limits);
  return Math.max(1_000, limit - Math.min(o.rotateBeforeLimitMs, limit / 10));
}

/** A session id that sorts by start time and is safe as a file name. */
export function newSessionId(now: Date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stamp}-${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
}
