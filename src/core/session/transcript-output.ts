import type { SessionState } from '../../shared/session.ts';
import type { Segment, TranscriptEvent, TranscriptSnapshot } from '../../shared/transcript.ts';
import type { JournalSink } from '../transcript/journal.ts';
import { TranscriptModel, type ProviderText } from '../transcript/transcript-model.ts';

/**
 * A run's transcript on its way out. The model keeps finals in audio order (holding back those
 * that follow audio a retiring connection has not finished); every final is journaled before
 * it is emitted, so a final the person saw survives a crash that follows.
 */
export class TranscriptOutput {
  readonly #emit: (event: TranscriptEvent) => void;
  readonly #stamp: (event: TranscriptEvent) => TranscriptEvent;
  #model = new TranscriptModel();
  #journal: JournalSink | null = null;
  #journalPath: string | null = null;
  /** After `finish()`: whatever a closing connection still says is neither shown nor journaled. */
  #finished = false;

  /** `stamp`: what every event gets on its way out (meeting mode: its speaker and the shared clock). */
  constructor(emit: (event: TranscriptEvent) => void, stamp: (event: TranscriptEvent) => TranscriptEvent = (e) => e) {
    this.#emit = emit;
    this.#stamp = stamp;
  }

  get segments(): readonly Segment[] {
    return this.#model.segments;
  }

  /** Where this run's journal is (also after it stopped), if any. */
  get journalPath(): string | null {
    return this.#journalPath;
  }

  snapshot(sessionId: string | null): TranscriptSnapshot {
    return this.#model.snapshot(sessionId);
  }

  /** A new run: a fresh transcript, written to `journal` (or nowhere). */
  begin(journal: JournalSink | null): void {
    this.#model = new TranscriptModel();
    this.#journal = journal;
    this.#journalPath = journal?.path ?? null;
    this.#finished = false;
  }

  /** Provider text of `connection`; `hold`: its finals wait for `releaseHeld()`. Returns how many events went out. */
  apply(connection: number, text: ProviderText, hold: boolean): number {
    if (this.#finished) return 0;
    const events = this.#model.apply(connection, text, hold);
    for (const event of events) this.#publish(event);
    return events.length;
  }

  /** A connection is gone: its partials wait for the replayed audio (on `heir`, if given). */
  orphan(connection: number, heir?: number): void {
    this.#model.orphanConnection(connection, heir);
  }

  /** The earlier audio is done (or given up): the held finals follow. */
  releaseHeld(): void {
    if (this.#finished) return;
    for (const event of this.#model.releaseHeld()) this.#publish(event);
  }

  /**
   * The run is over: open partials become finals (`promote`: the service never answered; the
   * journal marks them `promoted`) or are retracted. Nothing is published after this.
   */
  finish(promote: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const event of this.#model.finish(promote)) this.#publish(event, this.#model.wasPromoted(event.segmentId));
  }

  appendState(state: SessionState): void {
    this.#journal?.appendState(state);
  }

  /** A clean end: the journal is closed; nothing is written to it after. */
  async closeJournal(): Promise<void> {
    await this.#journal?.close();
    this.#journal = null;
  }

  /** The run failed: nothing more goes into its journal, which closes in the background. */
  dropJournal(onError: (error: unknown) => void): void {
    const journal = this.#journal;
    this.#journal = null;
    journal?.close().catch(onError);
  }

  #publish(raw: TranscriptEvent, promoted = false): void {
    const event = this.#stamp(raw);
    // Journal first: a final the person saw must survive a crash that follows.
    if (event.isFinal) this.#journal?.appendFinal(event as Segment, promoted);
    this.#emit(event);
  }
}
