import type { EarshotApi } from '../../../shared/ipc/api.ts';
import type { ExportFormat, Segment, TranscriptEvent, TranscriptSnapshot } from '../../../shared/transcript.ts';
import { succeeded, valueOr, type Reporter } from './report.ts';

/** One row of the transcript view: a final segment, or the partial still being spoken. */
export interface TranscriptRow {
  readonly segmentId: string;
  readonly text: string;
  readonly isFinal: boolean;
  readonly startMs: number | undefined;
}

/**
 * The live transcript: finals in order, the one partial in flight, and whether the view
 * follows new text. Arrays are replaced, never mutated, so `$state.raw` stays cheap with
 * 10,000 segments (no deep proxies).
 */
export class TranscriptStore {
  sessionId = $state<string | null>(null);
  segments = $state.raw<Segment[]>([]);
  partial = $state.raw<TranscriptEvent | null>(null);
  /** The view keeps the newest text in sight until the person scrolls away from it. */
  following = $state(true);
  /** Finals that arrived while the person was reading further up. */
  unseen = $state(0);
  /** The newest final, for the screen-reader announcement. */
  lastFinal = $state.raw<Segment | null>(null);

  readonly rowCount: number = $derived(this.segments.length + (this.partial ? 1 : 0));

  #api: EarshotApi;
  #report: Reporter;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup rebuilt with `segments`, never rendered
  #indexById = new Map<string, number>();

  constructor(api: EarshotApi, report: Reporter) {
    this.#api = api;
    this.#report = report;
  }

  rowAt(index: number): TranscriptRow | undefined {
    const segment = this.segments[index];
    if (segment) return { segmentId: segment.segmentId, text: segment.text, isFinal: true, startMs: segment.startMs };
    const partial = this.partial;
    if (index === this.segments.length && partial) {
      return { segmentId: partial.segmentId, text: partial.text, isFinal: false, startMs: partial.startMs };
    }
    return undefined;
  }

  applySnapshot(snapshot: TranscriptSnapshot): void {
    this.sessionId = snapshot.sessionId;
    this.segments = snapshot.segments;
    this.partial = snapshot.partial && !snapshot.partial.isFinal ? snapshot.partial : null;
    this.#reindex();
    this.lastFinal = null;
    this.unseen = 0;
  }

  apply(event: TranscriptEvent): void {
    if (!event.isFinal) {
      // A partial for a segment already final is a late straggler: the final wins.
      if (this.#indexById.has(event.segmentId)) return;
      // An empty partial withdraws the one in flight (the service heard nothing after all).
      if (event.text.trim() === '') {
        if (this.partial?.segmentId === event.segmentId) this.partial = null;
        return;
      }
      this.partial = event;
      return;
    }
    if (event.text.trim() === '' && !this.#indexById.has(event.segmentId)) {
      // A segment that ended with no words leaves no row behind.
      if (this.partial?.segmentId === event.segmentId) this.partial = null;
      return;
    }
    const segment: Segment = { ...event, isFinal: true };
    const existing = this.#indexById.get(event.segmentId);
    if (existing === undefined) {
      this.#indexById.set(segment.segmentId, this.segments.length);
      this.segments = [...this.segments, segment];
      if (!this.following) this.unseen += 1;
    } else {
      // A corrected final replaces its row where it stands.
      const next = this.segments.slice();
      next[existing] = segment;
      this.segments = next;
    }
    if (this.partial?.segmentId === event.segmentId) this.partial = null;
    this.lastFinal = segment;
  }

  reset(sessionId: string | null = this.sessionId): void {
    this.applySnapshot({ sessionId, segments: [], partial: null });
  }

  /** A new session started in main: load its transcript instead of appending to the old one. */
  async noteSession(sessionId: string | null): Promise<void> {
    if (sessionId === null || sessionId === this.sessionId) return;
    this.sessionId = sessionId;
    await this.load();
  }

  async load(): Promise<void> {
    const snapshot = valueOr(await this.#api.transcript.get(), this.#report, 'Loading the transcript');
    if (snapshot) this.applySnapshot(snapshot);
  }

  pauseFollowing(): void {
    this.following = false;
  }

  resumeFollowing(): void {
    this.following = true;
    this.unseen = 0;
  }

  async clear(): Promise<boolean> {
    return succeeded(await this.#api.transcript.clear(), this.#report, 'Clearing the transcript');
  }

  /** The export text is produced in main, so every front end exports the same bytes. */
  async exportAs(format: ExportFormat): Promise<{ text: string; fileName: string } | null> {
    return valueOr(await this.#api.transcript.export({ format }), this.#report, `Exporting as ${format.toUpperCase()}`);
  }

  #reindex(): void {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- see the field
    this.#indexById = new Map(this.segments.map((s, i) => [s.segmentId, i]));
  }
}
