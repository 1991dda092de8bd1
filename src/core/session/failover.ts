import { EarshotError } from '../../shared/errors.ts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { ProviderConnection } from './connection.ts';
import type { LinkListener, LinkSetup } from './link-setup.ts';
import type { LinkState } from './link-state.ts';
import type { FailoverOptions } from './session-options.ts';

/** What the failover runner asks of the link. */
export interface FailoverHooks {
  /** Drop the attempt in progress (or the wait for one) and connect now, to `preferred`. */
  readonly connectNow: () => void;
  /** Open a connection to the cloud service beside the engine's; switched to once ready (rotation). */
  readonly probe: () => void;
  readonly listener: LinkListener;
}

/**
 * When the cloud service stays unreachable past the threshold, reconnects go to the embedded
 * engine instead, which replays the buffered audio from the accounted boundary, exactly as a
 * reconnect to the same service would: nothing is transcribed twice, nothing skipped. With
 * `switchBack`, the cloud service is tried now and then while the engine transcribes; once it
 * answers, audio moves back to it through rotation (rotation.ts): at a turn boundary, the engine
 * finishing its own range, the cloud starting where the engine stopped.
 */
export class FailoverRunner {
  readonly #state: LinkState;
  readonly #setup: LinkSetup;
  readonly #o: Required<FailoverOptions>;
  readonly #hooks: FailoverHooks;
  #fallback: ProviderAdapter | null = null;
  /** Reconnects go to the engine (the cloud was unreachable past the threshold). */
  #engaged = false;
  /** A probe of the cloud service is open as the rotation's successor. */
  #probe: ProviderConnection | null = null;
  #unavailableWarned = false;

  constructor(state: LinkState, setup: LinkSetup, options: FailoverOptions, hooks: FailoverHooks) {
    this.#state = state;
    this.#setup = setup;
    this.#o = { afterMs: 15_000, switchBack: true, probeMs: 30_000, ...options };
    this.#hooks = hooks;
  }

  /** Where a new connection (a reconnect) goes. */
  get preferred(): ProviderAdapter {
    return this.#engaged && this.#fallback ? this.#fallback : this.#setup.provider;
  }

  /** The cloud connection was lost: arm the threshold (once per outage, from when it began). */
  offline(): void {
    if (this.#engaged || this.#setup.timers.has('failover')) return;
    const since = this.#state.offlineSince ?? Date.now();
    const wait = Math.max(0, this.#o.afterMs - (Date.now() - since));
    this.#setup.timers.after('failover', wait, () => void this.#engage());
  }

  /** A connection went live. */
  live(conn: ProviderConnection): void {
    this.#setup.timers.clear('failover');
    if (conn.adapter === this.#setup.provider) this.#disengage();
    else if (this.#o.switchBack) this.#armProbe();
  }

  /** Audio moved to `conn` (a rotation switched to it): back on the cloud if that is where it went. */
  switched(conn: ProviderConnection): void {
    if (conn !== this.#probe) return;
    this.#probe = null;
    this.#setup.log.info('the cloud service answers again; transcribing there from here on', { connection: conn.id });
    this.#disengage();
  }

  /** The probe opened as a rotation successor. */
  probing(conn: ProviderConnection): void {
    this.#probe = conn;
  }

  isProbe(conn: ProviderConnection): boolean {
    return conn === this.#probe;
  }

  /** The cloud did not answer the probe: the engine keeps transcribing; try again later. */
  probeLost(): void {
    this.#probe = null;
    this.#state.successor = null;
    this.#state.rotationDueAt = null;
    this.#armProbe();
  }

  async #engage(): Promise<void> {
    const state = this.#state;
    if (!state.active || state.current?.live) return;
    try {
      this.#fallback ??= await this.#o.resolve();
    } catch (error) {
      this.#unavailable(error);
      return;
    }
    if (this.#fallback.sampleRate !== this.#setup.provider.sampleRate) {
      this.#unavailable(new Error(`the engine takes ${this.#fallback.sampleRate} Hz`));
      return;
    }
    if (!state.active || state.current?.live || state.lifecycle === 'stopping') return;
    this.#engaged = true;
    const seconds = Math.round(this.#o.afterMs / 1000);
    this.#setup.log.warn(`${this.#setup.provider.label} unreachable for ${seconds} s; failing over to this computer`);
    this.#hooks.listener.warn(
      'FAILOVER_ACTIVE',
      `${this.#setup.provider.label} has been unreachable for ${seconds} s, so this computer transcribes for now. ${this.#o.switchBack ? `Earshot goes back to ${this.#setup.provider.label} once it answers.` : 'It stays on this computer for the rest of the session (Settings).'}`,
    );
    this.#hooks.connectNow();
  }

  #unavailable(error: unknown): void {
    this.#setup.log.warn('no offline model to fail over to', error);
    if (this.#unavailableWarned) return;
    this.#unavailableWarned = true;
    const why = error instanceof EarshotError && error.code === 'MODEL_MISSING' ? '' : ` (${(error as Error).message})`;
    this.#hooks.listener.warn(
      'FAILOVER_UNAVAILABLE',
      `${this.#setup.provider.label} is unreachable and the offline model could not take over${why}. Earshot keeps recording and sends the audio once the service is back.`,
    );
  }

  #disengage(): void {
    this.#setup.timers.clear('probe');
    if (!this.#engaged) return;
    this.#engaged = false;
    this.#hooks.listener.clearWarnings(['FAILOVER_ACTIVE']);
  }

  #armProbe(): void {
    this.#setup.timers.after('probe', this.#o.probeMs, () => {
      const { current, successor, retiring, lifecycle } = this.#state;
      if (lifecycle !== 'streaming' || !current?.live || successor || retiring) return this.#armProbe();
      if (current.adapter === this.#setup.provider) return;
      this.#hooks.probe();
    });
  }
}
