import type { SessionState } from '../../shared/session.ts';
import type { SpeakerNames, TranscriptEvent } from '../../shared/transcript.ts';
import { encodeMessage, toWireSegment, type WireSegment } from './protocol.ts';

/** What a published event means for subscribers after it has been reconciled with what came before. */
export type TranscriptChange =
  | { readonly kind: 'final'; readonly segment: WireSegment }
  | { readonly kind: 'partial'; readonly segment: WireSegment }
  /** A partial for a segment that is already final: late, would show stale text; dropped. */
  | { readonly kind: 'stale' };

/**
 * What a late joiner needs to catch up: the last N finals, the partial in flight and the
 * session state. The snapshot frame is encoded once and reused until something changes, so
 * a thousand subscribers joining at once cost one JSON.stringify.
 */
export class TranscriptState {
  readonly #snapshotSize: number;
  readonly #finals: WireSegment[] = [];
  /** Ids finalized recently, to drop partials that arrive after their final; bounded. */
  readonly #recentFinalIds = new Set<string>();
  #partial: WireSegment | null = null;
  #state: SessionState = 'idle';
  #snapshotFrame: Buffer | null = null;

  constructor(snapshotSize: number) {
    this.#snapshotSize = snapshotSize;
  }

  get sessionState(): SessionState {
    return this.#state;
  }

  apply(event: TranscriptEvent, speakers?: SpeakerNames): TranscriptChange {
    const segment = toWireSegment(event, speakers);
    // Empty text still goes out (it withdraws what subscribers show) but is never kept: an
    // empty partial withdraws the one in flight, an empty final ends a segment without words.
    const empty = segment.text.trim() === '';
    if (!segment.final) {
      if (this.#recentFinalIds.has(segment.id)) return { kind: 'stale' };
      this.#partial = empty ? null : segment;
      this.#snapshotFrame = null;
      return { kind: 'partial', segment };
    }
    // A provider may re-finalize a segment (a correction): replace it where it stands.
    const existing = this.#finals.findIndex((s) => s.id === segment.id);
    if (existing >= 0 && empty) this.#finals.splice(existing, 1);
    else if (existing >= 0) this.#finals[existing] = segment;
    else if (!empty) {
      this.#finals.push(segment);
      if (this.#finals.length > this.#snapshotSize) this.#finals.shift();
    }
    this.#rememberFinalId(segment.id);
    if (this.#partial?.id === segment.id) this.#partial = null;
    this.#snapshotFrame = null;
    return { kind: 'final', segment };
  }

  /** Returns false when nothing changed (no message needs to go out). */
  setSessionState(state: SessionState): boolean {
    if (state === this.#state) return false;
    // A new session starts from a clean screen; reconnects within a session keep the text.
    if (state === 'starting') {
      this.#finals.length = 0;
      this.#recentFinalIds.clear();
      this.#partial = null;
    }
    // A partial left over when the session ends would never settle; do not show it forever.
    if (state === 'idle' || state === 'error') this.#partial = null;
    this.#state = state;
    this.#snapshotFrame = null;
    return true;
  }

  snapshotFrame(): Buffer {
    this.#snapshotFrame ??= encodeMessage({
      type: 'snapshot',
      segments: this.#finals,
      partial: this.#partial,
      state: this.#state,
    });
    return this.#snapshotFrame;
  }

  #rememberFinalId(id: string): void {
    this.#recentFinalIds.delete(id);
    this.#recentFinalIds.add(id);
    // Sets iterate in insertion order: the first key is the oldest.
    const limit = Math.max(256, this.#snapshotSize * 4);
    if (this.#recentFinalIds.size > limit) {
      const oldest = this.#recentFinalIds.values().next().value;
      if (oldest !== undefined) this.#recentFinalIds.delete(oldest);
    }
  }
}
