import type { AudioFrame } from '../../../shared/audio-frame.ts';
import type { SpeakerSource } from '../../../shared/transcript.ts';

/**
 * One clock for both sources. Each session counts its audio from its own first sample; both
 * sources' frames carry capture times on the same wall clock (AudioFrame.captureTimeMs, from
 * each capture process's CaptureClock), so the meeting's time zero is the first sample either
 * source captured, and each source's offset is where its own first sample lies after it.
 */
export class MeetingClock {
  #origin: number | null = null;
  readonly #first: Record<SpeakerSource, number | null> = { mic: null, system: null };

  frame(source: SpeakerSource, frame: AudioFrame): void {
    if (this.#first[source] !== null) return;
    this.#first[source] = frame.captureTimeMs;
    this.#origin ??= frame.captureTimeMs;
  }

  /** Where `source`'s audio time 0 lies on the meeting's clock (ms). */
  offsetMs(source: SpeakerSource): number {
    const first = this.#first[source];
    return first === null || this.#origin === null ? 0 : first - this.#origin;
  }
}
