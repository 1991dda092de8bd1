import type { ProviderAdapter } from '../providers/types.ts';
import type { ConnectionEnd, ProviderConnection } from './connection.ts';
import type { LinkListener, LinkSetup } from './link-setup.ts';
import type { LinkState } from './link-state.ts';
import { decideReconnect, judgeEnd } from './reconnect-policy.ts';

/** What the runner borrows from the link that owns it. */
export interface ReconnectTools {
  /** Opens a connection to `adapter` that reports its events and end to the link. */
  readonly open: (adapter: ProviderAdapter) => ProviderConnection;
  /** Where new connections go: the session's service, or the engine after a failover. */
  readonly preferred: () => ProviderAdapter;
  /** The connection was lost and a reconnect is on its way (failover arms its threshold). */
  readonly offline: () => void;
  readonly listener: LinkListener;
}

/**
 * The link's hands for replacing the current connection: it asks reconnect-policy.ts whether
 * and when to try again, keeps the outage's bookkeeping (attempt count, offline since) on the
 * shared LinkState, and lets a retry go at once when the network comes back.
 */
export class ReconnectRunner {
  readonly #state: LinkState;
  readonly #setup: LinkSetup;
  readonly #tools: ReconnectTools;

  constructor(state: LinkState, setup: LinkSetup, tools: ReconnectTools) {
    this.#state = state;
    this.#setup = setup;
    this.#tools = tools;
  }

  /** Opens the current connection, to the preferred service. */
  connect(): void {
    this.#state.stats.connections += 1;
    this.#state.current = this.#tools.open(this.#tools.preferred());
  }

  /** The attempt in progress, or the wait for the next one, gives way to a connection now; the backoff starts over. */
  connectNow(): void {
    const state = this.#state;
    const pending = state.current;
    this.#setup.timers.clear('reconnect');
    state.current = null; // the pending attempt's end, when it comes, is no longer ours to handle
    pending?.terminate();
    state.attempt = 0;
    this.connect();
  }

  /**
   * The network came back or the computer woke: a reconnect waiting out its backoff goes now,
   * and an attempt still connecting (perhaps over a network that is gone) is replaced. The
   * backoff starts over. True when a connection attempt started.
   */
  retryNow(): boolean {
    const state = this.#state;
    if (!state.active || state.current?.live) return false;
    if (state.current === null && !this.#setup.timers.has('reconnect')) return false;
    this.#setup.log.info('retrying the service now (network up or wake from sleep)');
    this.connectNow();
    return true;
  }

  /** Replaces the lost current connection after the policy's backoff, or gives the session up. */
  lost(conn: ProviderConnection, end: ConnectionEnd): void {
    const state = this.#state;
    const verdict = judgeEnd(conn.adapter, conn, end);
    const decision = decideReconnect(verdict, state.attempt, state.everLive, this.#setup.options);
    state.attempt = decision.attempt;
    if (decision.kind === 'give-up') {
      this.#tools.listener.fail(decision);
      return;
    }
    state.offlineSince ??= Date.now();
    this.#tools.offline();
    this.#setup.log.warn('connection lost; reconnecting', {
      connection: conn.id,
      attempt: state.attempt,
      reason: verdict.message,
    });
    this.#tools.listener.reconnecting();
    this.#setup.timers.after('reconnect', decision.delayMs, () => {
      if (state.active && state.current === null) this.connect();
    });
  }
}
