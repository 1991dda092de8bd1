import type { ErrorCode } from '../../shared/errors.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { ProviderText } from '../transcript/transcript-model.ts';
import type { SpillSetup } from './buffer-bound.ts';
import type { ResolvedSessionOptions } from './session-options.ts';
import type { SessionTimers } from './session-timers.ts';
import type { OpenTransport } from './transport.ts';

/** What the link (and its rotation runner) work with; fixed for the session's lifetime. */
export interface LinkSetup {
  readonly provider: ProviderAdapter;
  readonly options: ResolvedSessionOptions;
  readonly openTransport: OpenTransport;
  readonly timers: SessionTimers;
  readonly log: Logger;
  /** Where audio past the replay buffer goes during a long outage; null: it is dropped. */
  readonly spill: SpillSetup | null;
}

/** What the link tells the session. */
export interface LinkListener {
  /** A connection went live (first time or again): the session is streaming. */
  live(): void;
  /** The connection was lost and a new one is on its way (the attempt counter changed). */
  reconnecting(): void;
  transcript(connection: number, text: ProviderText, receivedAt: number): void;
  warn(code: ErrorCode, message: string): void;
  fail(error: { code: ErrorCode; message: string }): void;
  /** A connection is gone: its partials wait for the replayed audio (on `heir`, if given) to produce them again. */
  orphan(connection: number, heir?: number): void;
  /** The condition behind these warnings is over (the session is back on its own service). */
  clearWarnings(codes: readonly ErrorCode[]): void;
  /** The retiring audio is done (or given up): finals held back behind it (LinkState.holdsFinals) follow now. */
  releaseFinals(): void;
  /** The service accounted for audio, or a connection finished: the drain may be complete. */
  settled(): void;
}
