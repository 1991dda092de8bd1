import { EventEmitter } from 'node:events';
import type { AudioFrame, FrameSource } from '../../../shared/audio-frame.ts';
import type { SessionSnapshot, SessionState } from '../../../shared/session.ts';
import type { Segment, SpeakerSource, TranscriptSnapshot } from '../../../shared/transcript.ts';
import { createLogger } from '../../../platform/log/logger.ts';
import { createProvider } from '../../providers/index.ts';
import { Journal, type JournalSink } from '../../transcript/journal.ts';
import { Session, type SessionEvents, type SessionOptions, type SessionWarning } from '../session.ts';
import { newSessionId } from '../session-options.ts';
import { EchoGate } from './echo-gate.ts';
import { MeetingClock } from './meeting-clock.ts';
import { MergedTranscript } from './merged-transcript.ts';
import { SourceWatchdog, type WatchdogNotice } from './source-watchdog.ts';
import { tappedSource } from './tapped-source.ts';

export interface MeetingSourceOptions {
  readonly source: FrameSource;
  readonly deviceKey?: string | null;
  readonly deviceName?: string | null;
}

export interface MeetingOptions extends Omit<
  SessionOptions,
  'source' | 'journal' | 'speaker' | 'clockOffsetMs' | 'deviceKey' | 'deviceName'
> {
  readonly mic: MeetingSourceOptions;
  readonly system: MeetingSourceOptions;
  /** Keep the speakers' sound in the mic out of "You" (EchoGate). Default true. */
  readonly echoGuard?: boolean;
}

/**
 * Meeting mode: the microphone ("You") and system audio ("Others") transcribed side by side
 * in one session with one journal. Each source is an ordinary Session with its own
 * connection, replay buffer, reconnects, rotation and drain; this coordinator only puts them on
 * one clock (MeetingClock), names the speaker of every segment, orders the finals as they were
 * spoken (MergedTranscript), keeps the speakers' echo out of the mic (EchoGate) and watches
 * both sources (SourceWatchdog). One source failing or going quiet never stops the other.
 *
 * Same surface as Session: start/stop/finishBy/retryNow, `snapshot` (the mic's, with the
 * system side under `system` and `echoGuard`), events `snapshot`, `transcript`, `warning`.
 */
export class MeetingSession extends EventEmitter<SessionEvents> {
  readonly mic: Session;
  readonly system: Session;
  readonly #log = createLogger('meeting');
  readonly #clock = new MeetingClock();
  readonly #merged = new MergedTranscript();
  readonly #gate: EchoGate | null;
  readonly #watchdog: SourceWatchdog;
  readonly #sessionId: string;
  readonly #journalSetup: (() => Journal) | null;
  #journal: Journal | null = null;
  readonly #ownWarnings = new Map<string, SessionWarning>();
  #micDeliver: ((frame: AudioFrame) => void) | null = null;
  #lastState: SessionState | null = null;

  constructor(options: MeetingOptions) {
    super();
    const { mic, system, echoGuard, journalDir, title, ...shared } = options;
    const provider = 'createStream' in options.provider ? options.provider : createProvider(options.provider);
    this.#sessionId = options.sessionId ?? newSessionId();
    this.#watchdog = new SourceWatchdog((notice) => this.#onWatchdog(notice));
    this.#gate =
      echoGuard === false
        ? null
        : new EchoGate({ sampleRate: provider.sampleRate }, (frame) => this.#micDeliver?.(frame));
    this.#journalSetup = journalDir
      ? () =>
          Journal.open(
            journalDir,
            {
              sessionId: this.#sessionId,
              startedAt: Date.now(),
              provider: provider.id,
              deviceKey: mic.deviceKey ?? null,
              deviceName: mic.deviceName ?? null,
              sampleRate: provider.sampleRate,
              ...(title ? { title } : {}),
            },
            { onWarning: (w) => this.#warn(w.code, w.message) },
          )
      : null;
    const micSource = tappedSource(
      mic.source,
      (frame, deliver) => {
        this.#seen('mic', frame);
        if (!this.#gate) return deliver(frame);
        this.#micDeliver = deliver;
        this.#gate.mic(frame);
      },
      () => this.#gate?.flush(),
    );
    const systemSource = tappedSource(system.source, (frame, deliver) => {
      this.#seen('system', frame);
      this.#gate?.reference(frame);
      deliver(frame);
    });
    const common = { ...shared, provider, sessionId: this.#sessionId, ...(journalDir ? { spillDir: journalDir } : {}) };
    this.mic = new Session({
      ...common,
      source: micSource,
      speaker: 'mic',
      clockOffsetMs: () => this.#clock.offsetMs('mic'),
      deviceKey: mic.deviceKey ?? null,
      deviceName: mic.deviceName ?? null,
      ...(journalDir ? { journal: this.#view('mic') } : {}),
    });
    this.system = new Session({
      ...common,
      // Each source's spill file needs its own name.
      sessionId: `${this.#sessionId}-system`,
      source: systemSource,
      speaker: 'system',
      clockOffsetMs: () => this.#clock.offsetMs('system'),
      deviceKey: system.deviceKey ?? null,
      deviceName: system.deviceName ?? null,
      ...(journalDir ? { journal: this.#view('system') } : {}),
    });
    for (const [source, session] of [
      ['mic', this.mic],
      ['system', this.system],
    ] as const) {
      session.on('transcript', (event) => {
        this.#merged.apply(event);
        this.emit('transcript', event);
      });
      session.on('snapshot', () => this.#publish());
      session.on('warning', (w) => this.emit('warning', source === 'mic' ? w : systemWarning(w)));
    }
  }

  get snapshot(): SessionSnapshot {
    const mic = this.mic.snapshot;
    const system = this.system.snapshot;
    return {
      ...mic,
      sessionId: this.#sessionId,
      state: combinedState(mic.state, system.state),
      // The service accounts for each source's audio separately; what waits is the larger backlog.
      bufferedMs: Math.max(mic.bufferedMs, system.bufferedMs),
      error: mic.state === 'error' && system.state === 'error' ? mic.error : null,
      warnings: [
        ...mic.warnings,
        ...system.warnings.map(systemWarning),
        ...this.#ownWarnings.values(),
        ...(mic.state === 'error' && mic.error
          ? [{ code: mic.error.code, message: `Microphone: ${mic.error.message}` }]
          : []),
        ...(system.state === 'error' && system.error ? [systemWarning(system.error)] : []),
      ],
      system: {
        deviceKey: system.deviceKey,
        deviceName: system.deviceName,
        state: system.state,
        bufferedMs: system.bufferedMs,
      },
      echoGuard: this.#gate !== null,
    };
  }

  /** Both speakers' finals in spoken order, and the newest partial. */
  get transcript(): TranscriptSnapshot {
    return this.#merged.snapshot(this.#sessionId);
  }

  get segments(): readonly Segment[] {
    return this.#merged.segments;
  }

  get journalPath(): string | null {
    return this.#journal?.path ?? null;
  }

  /** What the echo gate did so far (benchmarks, diagnostics), or null when it is off. */
  get echoStats(): EchoGate['stats'] | null {
    return this.#gate?.stats ?? null;
  }

  /**
   * Starts both sources. Resolves once one of them streams; a source that cannot start is a
   * warning while the other one runs. Rejects only when neither can.
   */
  async start(): Promise<SessionSnapshot> {
    if (this.#journal === null && this.#journalSetup) {
      this.#journal = this.#journalSetup();
      this.#journal.appendState('starting');
    }
    const results = await Promise.allSettled([this.mic.start(), this.system.start()]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length === results.length) {
      await this.#closeJournal();
      throw failed[0]!.reason;
    }
    for (const f of failed) this.#log.warn('one meeting source did not start', f.reason);
    return this.snapshot;
  }

  async stop(): Promise<SessionSnapshot> {
    await Promise.all([this.mic.stop(), this.system.stop()]);
    await this.#closeJournal();
    return this.snapshot;
  }

  async finishBy(deadline: number): Promise<SessionSnapshot> {
    await Promise.all([this.mic.finishBy(deadline), this.system.finishBy(deadline)]);
    await this.#closeJournal();
    return this.snapshot;
  }

  retryNow(): void {
    this.mic.retryNow();
    this.system.retryNow();
  }

  #seen(source: SpeakerSource, frame: AudioFrame): void {
    this.#clock.frame(source, frame);
    this.#watchdog.frame(source, frame);
  }

  /**
   * A session's way into the one journal: finals go straight in (they carry their speaker);
   * state changes and the end are the meeting's to write, once for both.
   */
  #view(source: SpeakerSource): JournalSink {
    const journal = (): Journal | null => this.#journal;
    return {
      get path() {
        return journal()?.path ?? '';
      },
      appendFinal: (segment, promoted) => journal()?.appendFinal(segment, promoted),
      appendState: () => {},
      close: () => {
        this.#log.debug(`${source} session done with the journal`);
        return Promise.resolve();
      },
    };
  }

  async #closeJournal(): Promise<void> {
    if (this.mic.state !== 'idle' && this.mic.state !== 'error') return;
    if (this.system.state !== 'idle' && this.system.state !== 'error') return;
    await this.#journal?.close();
  }

  #publish(): void {
    const snapshot = this.snapshot;
    if (snapshot.state !== this.#lastState) {
      this.#lastState = snapshot.state;
      this.#journal?.appendState(snapshot.state);
    }
    this.emit('snapshot', snapshot);
  }

  #onWatchdog(notice: WatchdogNotice): void {
    if (!notice.active) {
      this.#ownWarnings.delete(notice.code);
      this.#publish();
      return;
    }
    this.#warn(notice.code, notice.message);
  }

  #warn(code: SessionWarning['code'], message: string): void {
    this.#ownWarnings.set(code, { code, message });
    this.emit('warning', { code, message });
    this.#publish();
  }
}

/** The meeting is as far along as its furthest source: one streaming source is a streaming meeting. */
function combinedState(mic: SessionState, system: SessionState): SessionState {
  const rank: readonly SessionState[] = ['streaming', 'reconnecting', 'starting', 'stopping', 'idle', 'error'];
  return rank.indexOf(mic) <= rank.indexOf(system) ? mic : system;
}

function systemWarning<T extends { code: string; message: string }>(warning: T): T {
  return { ...warning, message: `System audio: ${warning.message}` };
}
