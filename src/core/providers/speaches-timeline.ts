import { msToSamples } from './types.ts';

/**
 * Where Speaches' item-relative VAD times fall on the connection, and how much of the connection's
 * audio the server is done with. Read from speaches-ai/speaches @ 870e1e16 (2026-03-26):
 *
 * - Every item has its own `InputAudioBuffer`; `audio_start_ms` / `audio_end_ms` count from the
 *   start of THAT buffer (realtime/input_audio_buffer_event_router.py, `vad_detection_flow`).
 * - A new buffer starts when `speech_stopped` is handled, and `audio_end_ms` is the buffer's
 *   length at that moment minus `prefix_padding_ms`, which Speaches fixes at 0
 *   (realtime/session.py): the next buffer starts `audio_end_ms` after this one.
 * - The transcribed audio is the buffer cut to [audio_start_ms, audio_end_ms]
 *   (`data_w_vad_applied`); the rest of the buffer is never looked at again.
 * - VAD only looks at the last 3 s of the open buffer (`MAX_VAD_WINDOW_SIZE_SAMPLES`): once the
 *   server has processed audio up to P with no speech started, nothing before P − 3 s can become
 *   speech any more.
 *
 * Appends are never acknowledged, so "processed up to P" is learned from a probe: an empty
 * `session.update` is handled in order after every append before it and answered with
 * `session.updated` (event handlers run in arrival order; both are synchronous handlers).
 */
export const SPEACHES_VAD_WINDOW_MS = 3_000;
/** Audio kept before a speech start when replaying it: the server's VAD needs a little lead-in. */
export const SPEACHES_REPLAY_PREROLL_MS = 500;

interface Item {
  readonly bufferStart: number;
  speechStart?: number;
  speechEnd?: number;
  committed: boolean;
  done: boolean;
}

export class SpeachesTimeline {
  readonly #rate: number;
  readonly #items = new Map<string, Item>();
  /** Connection sample where the server's open (uncommitted) buffer begins. */
  #openStart = 0;
  #appended = 0;
  #settled = 0;
  /** Sample counts at each unanswered probe, oldest first. */
  readonly #probes: number[] = [];
  /** What the last answered probe proves is silence for good. */
  #probeBound = 0;

  constructor(sampleRate: number) {
    this.#rate = sampleRate;
  }

  get appended(): number {
    return this.#appended;
  }

  get settled(): number {
    return this.#settled;
  }

  /** An item whose speech started and has not stopped: the server's VAD is inside an utterance. */
  get inSpeech(): boolean {
    for (const item of this.#items.values())
      if (item.speechStart !== undefined && item.speechEnd === undefined) return true;
    return false;
  }

  /** Items with speech whose transcription has not come back yet. */
  get pending(): number {
    let n = 0;
    for (const item of this.#items.values()) if (item.speechStart !== undefined && !item.done) n += 1;
    return n;
  }

  get probesOutstanding(): number {
    return this.#probes.length;
  }

  appendedSamples(n: number): void {
    this.#appended += n;
  }

  /** `audio_start_ms` of `id` as a connection sample. */
  speechStarted(id: string, audioStartMs: number): number {
    const item = this.#item(id);
    item.speechStart = item.bufferStart + msToSamples(audioStartMs, this.#rate);
    return item.speechStart;
  }

  /** `audio_end_ms` of `id` as a connection sample; the server's next buffer starts there. */
  speechStopped(id: string, audioEndMs: number): number {
    const item = this.#item(id);
    item.speechEnd = item.bufferStart + msToSamples(audioEndMs, this.#rate);
    item.speechStart ??= item.bufferStart;
    if (item.bufferStart === this.#openStart) this.#openStart = item.speechEnd;
    return item.speechEnd;
  }

  committed(id: string): void {
    this.#item(id).committed = true;
  }

  /** The item's transcript came back (or its transcription failed): it holds nothing any more. */
  done(id: string): void {
    this.#item(id).done = true;
  }

  /** The oldest item still waiting for its transcript, if any (errors carry no item id). */
  oldestPending(): string | null {
    for (const [id, item] of this.#items) if (item.committed && !item.done) return id;
    return null;
  }

  /** Connection-relative times of an item, in ms. */
  span(id: string): { startMs?: number; endMs?: number } {
    const item = this.#items.get(id);
    if (!item) return {};
    const toMs = (s: number | undefined): number | undefined => (s === undefined ? undefined : (s * 1000) / this.#rate);
    const startMs = toMs(item.speechStart);
    const endMs = toMs(item.speechEnd);
    return { ...(startMs === undefined ? {} : { startMs }), ...(endMs === undefined ? {} : { endMs }) };
  }

  probeSent(): void {
    this.#probes.push(this.#appended);
  }

  /** The oldest probe was answered: every append before it was processed. */
  probeAnswered(): void {
    const at = this.#probes.shift();
    if (at === undefined || this.inSpeech) return;
    this.#probeBound = Math.max(this.#probeBound, at - msToSamples(SPEACHES_VAD_WINDOW_MS, this.#rate));
  }

  /**
   * Advances what the server is done with; returns the new settled point when it moved.
   * With items waiting, everything before the earliest one's speech (less a lead-in for its
   * replay) is done; with none, everything before the open buffer and before the probe's bound.
   */
  settle(): number | null {
    let until: number;
    let earliest: number | null = null;
    for (const [id, item] of this.#items) {
      if (item.done) this.#items.delete(id);
      if (item.speechStart === undefined || item.done) continue;
      earliest = earliest === null ? item.speechStart : Math.min(earliest, item.speechStart);
    }
    if (earliest !== null) until = earliest - msToSamples(SPEACHES_REPLAY_PREROLL_MS, this.#rate);
    else until = Math.max(this.#openStart, this.#probeBound);
    until = Math.min(until, this.#appended);
    if (until <= this.#settled) return null;
    this.#settled = until;
    return until;
  }

  #item(id: string): Item {
    let item = this.#items.get(id);
    if (!item) {
      item = { bufferStart: this.#openStart, committed: false, done: false };
      this.#items.set(id, item);
    }
    return item;
  }
}
