import type { Segment, SpeakerSource, TranscriptEvent, TranscriptSnapshot } from '../../../shared/transcript.ts';
import { inSpokenOrder, sourceOf } from '../../../shared/transcript.ts';

/**
 * Both speakers' transcript as one: finals in the order they were spoken (their start on the
 * meeting's clock), and each speaker's newest partial.
 */
export class MergedTranscript {
  #segments: Segment[] = [];
  readonly #partials = new Map<SpeakerSource, TranscriptEvent>();

  get segments(): readonly Segment[] {
    return this.#segments;
  }

  apply(event: TranscriptEvent): void {
    const source = sourceOf(event);
    if (!event.isFinal) {
      if (event.text) this.#partials.set(source, event);
      else this.#partials.delete(source);
      return;
    }
    if (this.#partials.get(source)?.segmentId === event.segmentId) this.#partials.delete(source);
    this.#segments = inSpokenOrder([...this.#segments, { ...event, isFinal: true }]);
  }

  snapshot(sessionId: string | null): TranscriptSnapshot {
    // One partial fits the snapshot's shape: the one that started first is what is being said.
    const partial = inSpokenOrder([...this.#partials.values()])[0] ?? null;
    return { sessionId, segments: [...this.#segments], partial };
  }
}
