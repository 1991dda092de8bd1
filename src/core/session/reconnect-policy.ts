import type { ErrorCode } from '../../shared/errors.ts';
import { diagnoseHandshake } from '../providers/handshake-diagnosis.ts';
import type { CloseVerdict, ProviderAdapter } from '../providers/types.ts';
import { backoffDelay } from '../../platform/backoff.ts';
import type { ConnectionEnd, ProviderConnection } from './connection.ts';
import type { ResolvedSessionOptions } from './session-options.ts';

/** Failed first connections before start() gives up: a wrong URL should not take a minute to report. */
const MAX_INITIAL_ATTEMPTS = 3;

/** What an ended connection means: the provider judges closes and handshakes (after the refusals no key explains); a dead peer is ours. */
export function judgeEnd(provider: ProviderAdapter, conn: ProviderConnection, end: ConnectionEnd): CloseVerdict {
  switch (end.kind) {
    case 'handshake':
      return diagnoseHandshake(provider, end.status, end.detail);
    case 'heartbeat':
      return {
        retry: true,
        code: 'WS_CLOSED',
        message: `${provider.label} stopped answering. Earshot is reconnecting without losing audio.`,
      };
    case 'closed':
      return conn.stream.classifyClose(end.code, end.reason);
  }
}

export type ReconnectDecision =
  | { readonly kind: 'give-up'; readonly attempt: number; readonly code: ErrorCode; readonly message: string }
  | { readonly kind: 'retry'; readonly attempt: number; readonly delayMs: number };

/**
 * Whether and when to try again. `attempt` counts consecutive failures (0 after a connection
 * went live); an expiry retries at once without counting. Before the first connection ever
 * went live only a few attempts are made, so a wrong URL is reported quickly. Once the session
 * ran, only a refusal no retry can fix (a rejected key, a fatal protocol error) ends it: an
 * outage of any length is ridden out with capped backoff (`maxReconnectAttempts` is unlimited
 * unless a caller sets it).
 */
export function decideReconnect(
  verdict: CloseVerdict,
  attempt: number,
  everLive: boolean,
  o: ResolvedSessionOptions,
): ReconnectDecision {
  if (!verdict.retry) return { kind: 'give-up', attempt, code: verdict.code, message: verdict.message };
  const next = verdict.immediate ? attempt : attempt + 1;
  const limit = everLive ? o.maxReconnectAttempts : MAX_INITIAL_ATTEMPTS;
  if (next > limit) {
    const code = verdict.code === 'WS_CLOSED' ? 'PROVIDER_UNREACHABLE' : verdict.code;
    return { kind: 'give-up', attempt: next, code, message: `${verdict.message} Gave up after ${limit} attempts.` };
  }
  return { kind: 'retry', attempt: next, delayMs: verdict.immediate ? 0 : backoffDelay(next, o.backoff) };
}
