import type { HealthWarning } from '../shared/devices.ts';
import { callProfileMessage, callProfileOf, type CallProfile } from './bluetooth-profile.ts';
import type { LogLevel } from './service-io.ts';

export interface CallProfileWatchOptions {
  /** The sound-server source being recorded. */
  readonly sourceName: string;
  /** The device's name as the person picked it (the warning's `deviceName`). */
  readonly deviceName: string;
  /** `pactl --format=json list sources` and `list cards`, fresh. */
  readonly query: () => Promise<{ sources: string; cards: string }>;
  /** Subscribes to the server's card and source events (PulseMonitor.onEvents). */
  readonly onChange: (listener: () => void) => { stop(): void };
  readonly health: (warning: HealthWarning) => void;
  readonly log: (level: LogLevel, message: string) => void;
}

/**
 * Watches one open microphone for its Bluetooth headset switching to the call profile (a
 * call app asking for the headset's microphone does that, and so does the headset itself):
 * checks when the stream opens, and again on each card or source event the server announces;
 * nothing runs in between. Raises the `bluetooth-call-profile` health warning while it holds
 * and clears it when the profile returns to high quality or the stream closes.
 */
export class CallProfileWatch {
  readonly #options: CallProfileWatchOptions;
  #subscription: { stop(): void } | null = null;
  #active: CallProfile | null = null;
  #checking = false;
  #dirty = false;
  #stopped = false;

  constructor(options: CallProfileWatchOptions) {
    this.#options = options;
  }

  start(): void {
    this.#subscription = this.#options.onChange(() => void this.#check());
    void this.#check();
  }

  stop(): void {
    this.#stopped = true;
    this.#subscription?.stop();
    if (this.#active) this.#emit(this.#active, false);
    this.#active = null;
  }

  /** One query at a time; events during it fold into one more. */
  async #check(): Promise<void> {
    if (this.#checking) {
      this.#dirty = true;
      return;
    }
    this.#checking = true;
    try {
      do {
        this.#dirty = false;
        await this.#checkOnce();
      } while (this.#dirty && !this.#stopped);
    } finally {
      this.#checking = false;
    }
  }

  async #checkOnce(): Promise<void> {
    let call: CallProfile | null;
    try {
      const { sources, cards } = await this.#options.query();
      call = callProfileOf(this.#options.sourceName, sources, cards);
    } catch (error) {
      // A failed look leaves the warning as it was: the next event checks again.
      this.#options.log(
        'warn',
        `checking the Bluetooth profile of “${this.#options.deviceName}” failed: ${(error as Error).message}`,
      );
      return;
    }
    if (this.#stopped) return;
    const was = this.#active;
    if (call && (!was || was.profile !== call.profile || was.rateHz !== call.rateHz)) {
      this.#active = call;
      this.#options.log('info', `“${call.headset}” is in its call profile ${call.profile}`);
      this.#emit(call, true);
    } else if (!call && was) {
      this.#active = null;
      this.#options.log('info', `“${was.headset}” left its call profile`);
      this.#emit(was, false);
    }
  }

  #emit(call: CallProfile, active: boolean): void {
    this.#options.health({
      kind: 'bluetooth-call-profile',
      active,
      deviceName: this.#options.deviceName,
      message: active ? callProfileMessage(call) : `“${call.headset}” is out of its call profile.`,
    });
  }
}
