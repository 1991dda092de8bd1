import { backoffDelay } from '../../platform/backoff.ts';
import { samplesToMs } from '../providers/types.ts';
import type { AudioOut } from './audio-out.ts';
import type { ConnectionEnd, ProviderConnection } from './connection.ts';
import type { LinkState, Retiring, Successor } from './link-state.ts';
import { afterRetiring, nextRotationStep } from './rotation.ts';
import { rotationDelay } from './session-options.ts';
import type { LinkListener, LinkSetup } from './link-setup.ts';

/** What the runner borrows from the link that owns it. */
export interface RotationTools {
  readonly out: AudioOut;
  /**
   * Opens a connection that reports its events and end to the link like any other: to the
   * same service as `like` (a repair), else to the service the current connection talks to.
   */
  readonly open: (like?: ProviderConnection) => ProviderConnection;
  readonly listener: LinkListener;
}

/**
 * The link's hands for rotation: it asks rotation.ts what to do and does it (opens the
 * successor, switches audio, retires the old connection, repairs it) on the shared LinkState.
 * The link routes the successor's and the retiring connection's events here.
 */
export class RotationRunner {
  readonly #state: LinkState;
  readonly #setup: LinkSetup;
  readonly #tools: RotationTools;

  constructor(state: LinkState, setup: LinkSetup, tools: RotationTools) {
    this.#state = state;
    this.#setup = setup;
    this.#tools = tools;
  }

  /** Arms the rotation timer for a connection that just became live (if the provider has a limit). */
  schedule(expiresAtMs: number | undefined): void {
    const delay = rotationDelay(this.#setup.options, this.#setup.provider.maxSessionMs, expiresAtMs, Date.now());
    if (delay === null) return;
    this.#setup.timers.after('rotate', delay, () => {
      this.#state.rotationDueAt = performance.now();
      this.check();
    });
  }

  /** Takes the next step rotation.ts decides on, if any. */
  check(): void {
    const step = nextRotationStep(this.#state, this.#setup.options.rotationGraceMs, performance.now());
    switch (step.kind) {
      case 'none':
        return;
      case 'open-successor':
        this.#state.stats.rotations += 1;
        this.#state.successor = { conn: this.#tools.open(), ready: false, expiresAtMs: undefined };
        return;
      case 'switch':
        this.#switch(step.from, step.to);
        return;
    }
  }

  successorReady(successor: Successor, expiresAtMs: number | undefined): void {
    successor.ready = true;
    successor.expiresAtMs = expiresAtMs;
    this.check();
  }

  /** The successor failed before the switch: it is tried again after a backoff, if rotation is still due. */
  successorLost(end: ConnectionEnd): void {
    this.#state.successor = null;
    this.#setup.log.warn('the rotation connection failed; retrying', end);
    if (this.#state.rotationDueAt !== null)
      this.#setup.timers.after('rotate-retry', backoffDelay(1, this.#setup.options.backoff), () => this.check());
  }

  /** A repair is ready: it re-sends what the service has not accounted for, up to the switch point, and ends. */
  repairReady(conn: ProviderConnection, retiring: Retiring): void {
    conn.markLive(this.#state.buffer.start);
    conn.until = retiring.until;
    this.#tools.out.sendEnd(conn);
  }

  /** The retiring connection accounted for its range (`early` false), or ended or ran out of time first. */
  endRetiring(early: boolean): void {
    const retiring = this.#state.retiring;
    if (!retiring) return;
    this.#setup.timers.clear('retire');
    const step = afterRetiring(this.#state, retiring, early, this.#setup.options.backoff);
    if (!retiring.conn.ended) retiring.conn.close();
    if (step.kind === 'repair') this.#repair(retiring, step.dead, step.delayMs);
    else this.#retired(retiring, step.unfinished);
  }

  /** No rotation now (reconnecting, stopping): drops the successor being opened. */
  cancel(): void {
    const state = this.#state;
    state.rotationDueAt = null;
    this.#setup.timers.clear('rotate');
    this.#setup.timers.clear('rotate-retry');
    const successor = state.successor;
    state.successor = null;
    successor?.conn.terminate();
  }

  /** The run is over: cancels, and hands back the retiring connection for the link to close. */
  stop(): ProviderConnection | null {
    this.cancel();
    const state = this.#state;
    const retiring = state.retiring?.conn ?? null;
    state.retiring = null;
    state.deferredRelease = 0;
    this.#setup.timers.clear('retire');
    this.#setup.timers.clear('repair');
    return retiring;
  }

  /** Audio moves to the successor; `from` ends its stream and retires, accounting for what it had. */
  #switch(from: ProviderConnection, to: Successor): void {
    const state = this.#state;
    this.#tools.out.sendEnd(from);
    state.retiring = { conn: from, until: from.next, repairs: 0 };
    this.#setup.timers.after('retire', this.#setup.options.drainTimeoutMs, () => this.endRetiring(true));
    state.successor = null;
    state.rotationDueAt = null;
    state.current = to.conn;
    to.conn.markLive(from.next);
    this.#setup.log.info('rotated the provider connection', { from: from.id, to: to.conn.id, atSample: from.next });
    this.schedule(to.expiresAtMs);
  }

  /** Opens a connection (after `delayMs`, 0: at once) to re-send the unaccounted part of the retiring range. */
  #repair(retiring: Retiring, dead: ProviderConnection, delayMs: number): void {
    retiring.repairs += 1;
    const open = (): void => {
      if (this.#state.retiring !== retiring) return;
      const repair = this.#tools.open(dead);
      this.#tools.listener.orphan(dead.id, repair.id);
      retiring.conn = repair;
      this.#setup.log.warn('the retiring connection ended early; re-sending its unfinished audio', {
        from: dead.id,
        to: repair.id,
        samples: retiring.until - this.#state.buffer.start,
      });
      // Bounded like the retiring connection itself; when it fires, the next repair is tried.
      this.#setup.timers.after('retire', this.#setup.options.drainTimeoutMs, () => this.endRetiring(true));
    };
    if (delayMs === 0) open();
    else this.#setup.timers.after('repair', delayMs, open);
  }

  /** Retiring is over: the buffer releases its range (and what the successor settled meanwhile). */
  #retired(retiring: Retiring, unfinished: number): void {
    const state = this.#state;
    const listener = this.#tools.listener;
    state.retiring = null;
    state.buffer.release(Math.max(retiring.until, state.deferredRelease));
    state.deferredRelease = 0;
    if (unfinished > 0) {
      const { provider } = this.#setup;
      const lostMs = Math.round(samplesToMs(unfinished, provider.sampleRate));
      listener.warn(
        'WS_CLOSED',
        `The previous connection to ${provider.label} closed before finishing its last ${lostMs} ms of audio.`,
      );
    }
    listener.orphan(retiring.conn.id);
    listener.releaseFinals();
    listener.settled();
  }
}
