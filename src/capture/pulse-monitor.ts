import { spawn, type ChildProcess } from 'node:child_process';
import type { DeviceInfo } from '../shared/devices.ts';
import { backoffDelay } from '../platform/backoff.ts';
import { byLine } from '../platform/process/by-line.ts';
import { changesDeviceList, parseSubscribeLine, type PulseEvent } from './pulse-devices.ts';
import type { LogLevel } from './service-io.ts';

export interface PulseMonitorOptions {
  /** A fresh device list (pulse-server.ts, or a fake in tests). */
  readonly list: () => Promise<DeviceInfo[]>;
  readonly log: (level: LogLevel, message: string) => void;
  /** Starts the long-lived subscriber; `pactl subscribe` unless a test says otherwise. */
  readonly spawnSubscriber?: () => ChildProcess;
}

/**
 * `pactl subscribe` writes only when something changes, so if the capture process died
 * (kill -9) it would linger until the next event broke its pipe. A shell in front of it reads
 * its stdin, which is our pipe: when we go, for any reason, the read ends and it ends pactl.
 */
const SUBSCRIBER = ['-c', 'pactl subscribe </dev/null & pid=$!; read -r _; kill $pid 2>/dev/null; wait $pid'];

/** Subscriber restarts wait longer each time (a server that keeps going away), up to this. */
const RESTART = { baseMs: 500, maxMs: 30_000, jitter: 'spread' } as const;

/**
 * Hot-plug from the sound server's own notifications: one `pactl subscribe` child for the
 * life of the capture process, which prints a line per change (pactl.c,
 * `context_subscribe_callback`). A source, sink or server event triggers one re-list; events
 * that arrive meanwhile fold into one more. Nothing runs while nothing changes — no polling
 * (issue 15) — and a plugged-in headset is listed within tens of milliseconds.
 */
export class PulseMonitor {
  readonly #options: PulseMonitorOptions;
  readonly #listeners = new Set<(devices: DeviceInfo[]) => void>();
  readonly #eventListeners = new Set<{ matches: (event: PulseEvent) => boolean; listener: () => void }>();
  #child: ChildProcess | null = null;
  #restarts = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #listing = false;
  #dirty = false;
  #disposed = false;

  constructor(options: PulseMonitorOptions) {
    this.#options = options;
  }

  /** Calls `listener` with the new list after each change; the subscriber starts with the first listener. */
  onChange(listener: (devices: DeviceInfo[]) => void): { stop(): void } {
    this.#listeners.add(listener);
    if (!this.#child && !this.#restartTimer) this.#start();
    return { stop: () => void this.#listeners.delete(listener) };
  }

  /**
   * Calls `listener` after each event `matches` accepts (a card changing profile, say), and
   * after the subscriber restarts, since events may have been missed meanwhile.
   */
  onEvents(matches: (event: PulseEvent) => boolean, listener: () => void): { stop(): void } {
    const entry = { matches, listener };
    this.#eventListeners.add(entry);
    if (!this.#child && !this.#restartTimer) this.#start();
    return { stop: () => void this.#eventListeners.delete(entry) };
  }

  dispose(): void {
    this.#disposed = true;
    this.#listeners.clear();
    this.#eventListeners.clear();
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    // Closing its stdin is what ends the subscriber (see SUBSCRIBER).
    this.#child?.stdin?.end();
    this.#child = null;
  }

  #start(): void {
    const child = this.#options.spawnSubscriber?.() ?? spawn('sh', SUBSCRIBER, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    let stderr = '';
    child.stdout?.setEncoding('utf8').on(
      'data',
      byLine((line) => {
        // The subscription is live once pactl prints anything; from then on a restart starts afresh.
        this.#restarts = 0;
        const event = parseSubscribeLine(line);
        if (!event) return;
        if (changesDeviceList(event)) void this.#relist();
        for (const entry of [...this.#eventListeners]) if (entry.matches(event)) entry.listener();
      }),
    );
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-500)));
    child.on('error', (error) => this.#options.log('warn', `pactl subscribe could not start: ${error.message}`));
    child.on('close', (code, signal) => {
      if (this.#child !== child || this.#disposed) return;
      this.#child = null;
      this.#restarts += 1;
      const delay = backoffDelay(this.#restarts, RESTART);
      this.#options.log(
        'warn',
        `pactl subscribe ended (${signal ?? `exit ${code}`}${stderr.trim() ? `: ${stderr.trim()}` : ''}); restarting in ${delay} ms`,
      );
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = null;
        if (this.#disposed || this.#listeners.size + this.#eventListeners.size === 0) return;
        this.#start();
        // Changes while it was down were not heard: list once, and tell every event listener.
        void this.#relist();
        for (const entry of [...this.#eventListeners]) entry.listener();
      }, delay);
      this.#restartTimer.unref();
    });
    // The subscriber must not keep a CLI process alive on its own.
    child.unref();
    (child.stdin as { unref?: () => void } | null)?.unref?.();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
  }

  async #relist(): Promise<void> {
    if (this.#listing) {
      this.#dirty = true;
      return;
    }
    this.#listing = true;
    try {
      do {
        this.#dirty = false;
        try {
          const devices = await this.#options.list();
          for (const listener of [...this.#listeners]) listener(devices);
        } catch (error) {
          this.#options.log('warn', `listing the sound server's devices failed: ${(error as Error).message}`);
        }
      } while (this.#dirty && !this.#disposed);
    } finally {
      this.#listing = false;
    }
  }
}
