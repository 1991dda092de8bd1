import type { LoadedModel } from '../../platform/models/manifest-file.ts';
import type { OfflineResult, SherpaOfflineRecognizer } from '../sherpa.ts';
import type { RecognizerEvent, RecognizerSession, RecognizerSettings } from './events.ts';
import { InputAudio, MODEL_RATE, SampleBuffer, msToSamples, samplesToMs } from './input-audio.ts';
import { StablePrefix, normalizeText } from './stable-prefix.ts';
import { VadTracker, type VadChange } from './vad-tracker.ts';
import { wordsFromTokens } from './word-timing.ts';

export interface OfflineSessionOptions {
  readonly vadModelPath: string | null;
  /** Minimum new audio between two partial decodes of the open segment. */
  readonly partialIntervalMs?: number;
  /** Longest item: VAD splits longer speech, manual mode commits by itself. */
  readonly maxItemS?: number;
}

/** Audio after the VAD's end of speech that the final decode still includes. */
const TRAILING_PADDING_MS = 200;
/** Partial decodes of an item that always run at the base interval, whatever the load. */
const EARLY_PARTIALS = 4;
/** Partial decodes may use at most about 1/LOAD_FACTOR of one core per session. */
const LOAD_FACTOR = 4;

interface OpenItem {
  readonly segment: number;
  /** First sample decoded for this item, pre-speech padding included; partials and final share it. */
  readonly spanStart: number;
  readonly speechStart: number;
  readonly prefix: StablePrefix;
  nextPartialAt: number;
  partials: number;
}

/**
 * A non-streaming model over Silero-VAD segments. While a segment is open it is re-decoded
 * from the same start the final decode will use (pre-speech padding included), each time
 * enough new audio has arrived; only words two consecutive decodes agree on become deltas.
 * When the VAD closes the segment (or the client commits) it is decoded once more for
 * `completed`. Without server VAD the open "segment" is everything since the last commit.
 */
export class OfflineRecognizerSession implements RecognizerSession {
  readonly #recognizer: SherpaOfflineRecognizer;
  readonly #model: LoadedModel;
  readonly #options: Required<OfflineSessionOptions>;
  readonly #input = new InputAudio();
  readonly #audio = new SampleBuffer();
  #settings: RecognizerSettings;
  #vad: VadTracker | null = null;
  #item: OpenItem | null = null;
  #segment = 0;
  /** Where the last item ended: no audio before it belongs to a later item. */
  #lastItemEnd = 0;
  #lastDecodeMs = 0;

  constructor(
    recognizer: SherpaOfflineRecognizer,
    model: LoadedModel,
    settings: RecognizerSettings,
    options: OfflineSessionOptions,
  ) {
    this.#recognizer = recognizer;
    this.#model = model;
    this.#options = { partialIntervalMs: 320, maxItemS: 20, ...options };
    this.#settings = settings;
    this.configure(settings);
  }

  configure(settings: RecognizerSettings): void {
    const before = this.#settings.vad;
    this.#settings = settings;
    this.#input.setRate(settings.inputRate);
    const vadChanged = this.#vad === null || JSON.stringify(before) !== JSON.stringify(settings.vad);
    if (!vadChanged) return;
    if (settings.vad && !this.#options.vadModelPath) {
      throw new Error('server_vad needs the Silero VAD model; none was found for this engine.');
    }
    this.#vad = settings.vad
      ? new VadTracker({
          modelPath: this.#options.vadModelPath!,
          threshold: settings.vad.threshold,
          silenceDurationMs: settings.vad.silenceDurationMs,
          maxSpeechS: this.#options.maxItemS,
        })
      : null;
    // The new detector starts counting now: line it up with the session clock.
    if (this.#vad) this.#vad.reset();
    if (this.#vad) this.#alignVad();
  }

  acceptAudio(pcm: Int16Array, options: { readonly partials: boolean } = { partials: true }): RecognizerEvent[] {
    const samples = this.#input.convert(pcm);
    const events: RecognizerEvent[] = [];
    if (samples.length === 0) return events;
    this.#audio.push(samples);
    if (this.#vad) {
      for (const change of this.#vad.accept(samples)) this.#onVad(change, events);
    } else {
      this.#item ??= this.#openItem(this.#lastItemEnd, this.#lastItemEnd);
      if (this.#audio.end - this.#item.spanStart >= this.#options.maxItemS * MODEL_RATE)
        this.#finish(this.#audio.end, events);
    }
    if (this.#item && options.partials && this.#audio.end >= this.#item.nextPartialAt)
      this.#partial(this.#item, events);
    if (!this.#item) this.#audio.trimBefore(this.#audio.end - msToSamples(this.#paddingMs() + 1500));
    return events;
  }

  commit(eventId: string | null): RecognizerEvent[] {
    const buffered = this.#audio.end - Math.max(this.#lastItemEnd, this.#audio.start);
    if (buffered < msToSamples(100)) return [{ type: 'commit_empty', eventId, bufferedMs: samplesToMs(buffered) }];
    const events: RecognizerEvent[] = [];
    this.#item ??= this.#openItem(
      Math.max(this.#lastItemEnd, this.#audio.start),
      Math.max(this.#lastItemEnd, this.#audio.start),
    );
    if (this.#vad?.speaking)
      events.push({ type: 'speech_stopped', segment: this.#item.segment, audioEndMs: samplesToMs(this.#audio.end) });
    this.#finish(this.#audio.end, events);
    // The detector must not close the committed speech a second time.
    this.#vad?.reset();
    this.#alignVad();
    return events;
  }

  clear(): void {
    this.#item = null;
    this.#lastItemEnd = this.#audio.end;
    this.#audio.trimBefore(this.#audio.end);
    this.#vad?.reset();
    this.#alignVad();
  }

  close(): void {
    this.#item = null;
  }

  #alignVad(): void {
    // VadTracker counts judged samples; everything in the buffer has been seen by now.
    this.#vadOffset = this.#audio.end - (this.#vad?.position ?? 0);
  }

  /** Session clock minus the VAD's clock (they differ after a detector is replaced or reset). */
  #vadOffset = 0;

  #onVad(change: VadChange, events: RecognizerEvent[]): void {
    if (change.type === 'start') {
      if (this.#item) return;
      const speechStart = Math.max(this.#lastItemEnd, change.at + this.#vadOffset);
      const spanStart = this.#alignedStart(speechStart - msToSamples(this.#paddingMs()));
      this.#item = this.#openItem(spanStart, speechStart);
      events.push({ type: 'speech_started', segment: this.#item.segment, audioStartMs: samplesToMs(spanStart) });
      return;
    }
    if (!this.#item) return;
    const end = change.end + this.#vadOffset;
    events.push({ type: 'speech_stopped', segment: this.#item.segment, audioEndMs: samplesToMs(end) });
    this.#finish(Math.min(this.#audio.end, end + msToSamples(TRAILING_PADDING_MS)), events, end);
  }

  #openItem(spanStart: number, speechStart: number): OpenItem {
    return {
      segment: this.#segment++,
      spanStart,
      speechStart,
      prefix: new StablePrefix(),
      partials: 0,
      nextPartialAt: spanStart + msToSamples(this.#options.partialIntervalMs),
    };
  }

  #partial(item: OpenItem, events: RecognizerEvent[]): void {
    const result = this.#decode(item.spanStart, this.#audio.end);
    const delta = item.prefix.update(normalizeText(result.text));
    if (delta) events.push({ type: 'delta', segment: item.segment, delta });
    // Slow decodes space partials out, but never beyond two intervals: a short utterance still gets its deltas while it is spoken.
    const interval = this.#options.partialIntervalMs;
    item.partials++;
    const gap =
      item.partials < EARLY_PARTIALS
        ? interval
        : Math.min(2 * interval, Math.max(interval, LOAD_FACTOR * this.#lastDecodeMs));
    item.nextPartialAt = this.#audio.end + msToSamples(gap);
  }

  #finish(spanEnd: number, events: RecognizerEvent[], speechEnd = spanEnd): void {
    const item = this.#item!;
    this.#item = null;
    this.#lastItemEnd = spanEnd;
    events.push({ type: 'committed', segment: item.segment });
    let result: OfflineResult;
    try {
      result = this.#decode(item.spanStart, spanEnd);
    } catch (error) {
      events.push({ type: 'failed', segment: item.segment, message: (error as Error).message });
      return;
    }
    const transcript = normalizeText(result.text);
    const closing = item.prefix.finish(transcript);
    if (closing) events.splice(events.length - 1, 0, { type: 'delta', segment: item.segment, delta: closing });
    const offsetMs = samplesToMs(item.spanStart);
    const words = wordsFromTokens(
      result.tokens,
      result.timestamps,
      offsetMs,
      this.#model.manifest.outputFrameMs ?? 40,
      result.durations,
    );
    events.push({
      type: 'completed',
      segment: item.segment,
      transcript,
      startMs: words[0]?.start_ms ?? samplesToMs(item.speechStart),
      endMs: words.at(-1)?.end_ms ?? samplesToMs(speechEnd),
      durationS: (spanEnd - item.spanStart) / MODEL_RATE,
      words,
    });
  }

  #decode(from: number, to: number): OfflineResult {
    const t0 = performance.now();
    const stream = this.#recognizer.createStream();
    stream.acceptWaveform({ samples: this.#audio.slice(from, to), sampleRate: MODEL_RATE });
    this.#recognizer.decode(stream);
    const result = this.#recognizer.getResult(stream);
    this.#lastDecodeMs = performance.now() - t0;
    return result;
  }

  /**
   * Decoded spans start on the model's output-frame grid (40 ms for most models): a convolutional
   * front end with stride is not shift-invariant, so a start a fraction of a frame away can
   * change a word. The grid keeps every decode of the session on one alignment.
   */
  #alignedStart(candidate: number): number {
    const floor = Math.max(this.#lastItemEnd, this.#audio.start);
    const grid = msToSamples(this.#model.manifest.outputFrameMs ?? 40);
    const aligned = Math.floor(candidate / grid) * grid;
    return aligned >= floor ? aligned : Math.ceil(floor / grid) * grid;
  }

  #paddingMs(): number {
    return this.#settings.vad?.prefixPaddingMs ?? 0;
  }
}
