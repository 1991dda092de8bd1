import type { EarshotApi } from '../../../shared/ipc/api.ts';
import type { HealthWarning, Level } from '../../../shared/devices.ts';
import type { ErrorPayload } from '../../../shared/result.ts';
import type { SpeakerSource } from '../../../shared/transcript.ts';
import { idleSnapshot, type SessionSnapshot, type StartOptions } from '../../../shared/session.ts';

/** What the Start/Stop button should offer, derived from main's session state. */
export type SessionAction = 'start' | 'stop' | 'wait';

/**
 * The session as main reports it (`status` snapshots), plus the live level and input-health
 * warnings. The renderer never decides the state: it asks main and renders what comes back.
 */
export class SessionStore {
  snapshot = $state.raw<SessionSnapshot>(idleSnapshot());
  level = $state.raw<Level | null>(null);
  /** Meeting mode: the system-audio source's level. */
  systemLevel = $state.raw<Level | null>(null);
  /** Active input-health warnings, one per kind and device. */
  health = $state.raw<HealthWarning[]>([]);
  /** A start or stop that main refused (the session itself may still be idle). */
  verbError = $state.raw<ErrorPayload | null>(null);
  /** A start/stop request is on its way: the button waits instead of taking a second press. */
  pending = $state(false);
  /** Which request is in flight, so the button says "Starting…" even once main reports streaming. */
  pendingVerb = $state<'start' | 'stop' | null>(null);

  readonly action: SessionAction = $derived.by(() => {
    if (this.pending) return 'wait';
    switch (this.snapshot.state) {
      case 'idle':
      case 'error':
        return 'start';
      case 'starting':
      case 'streaming':
      case 'reconnecting':
        return 'stop';
      case 'stopping':
        return 'wait';
    }
  });

  readonly active: boolean = $derived(
    this.snapshot.state === 'starting' || this.snapshot.state === 'streaming' || this.snapshot.state === 'reconnecting',
  );

  /** The error to show: the session's own, else the last refused request. */
  readonly error: ErrorPayload | null = $derived(
    this.snapshot.state === 'error' && this.snapshot.error ? (this.snapshot.error as ErrorPayload) : this.verbError,
  );

  #api: EarshotApi;

  constructor(api: EarshotApi) {
    this.#api = api;
  }

  applyStatus(snapshot: SessionSnapshot): void {
    this.snapshot = snapshot;
    if (snapshot.state === 'streaming' || snapshot.state === 'starting') this.verbError = null;
    if (snapshot.state === 'idle' || snapshot.state === 'error') {
      this.level = null;
      this.systemLevel = null;
      this.health = [];
    }
  }

  applyLevel(level: Level & { source?: SpeakerSource | undefined }): void {
    const { source, ...reading } = level;
    if (source === 'system') this.systemLevel = reading;
    else this.level = reading;
  }

  applyHealth(warning: HealthWarning): void {
    const others = this.health.filter((w) => !(w.kind === warning.kind && w.deviceName === warning.deviceName));
    this.health = warning.active ? [...others, warning] : others;
  }

  async start(options: StartOptions): Promise<boolean> {
    return this.#run('start', () => this.#api.session.start(options));
  }

  async stop(): Promise<boolean> {
    return this.#run('stop', () => this.#api.session.stop());
  }

  dismissError(): void {
    this.verbError = null;
  }

  async #run(
    kind: 'start' | 'stop',
    verb: () => Promise<{ ok: true; value: SessionSnapshot } | { ok: false; error: ErrorPayload }>,
  ): Promise<boolean> {
    if (this.pending) return false;
    this.pending = true;
    this.pendingVerb = kind;
    this.verbError = null;
    try {
      const result = await verb();
      if (result.ok) {
        this.applyStatus(result.value);
        return true;
      }
      this.verbError = result.error;
      return false;
    } finally {
      this.pending = false;
      this.pendingVerb = null;
    }
  }
}
