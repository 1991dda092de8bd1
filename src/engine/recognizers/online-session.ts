import type { LoadedModel } from '../../platform/models/manifest-file.ts';
import type { SherpaOnlineRecognizer, SherpaOnlineStream } from '../sherpa.ts';
import type { RecognizerEvent, RecognizerSession, RecognizerSettings } from './events.ts';
import { InputAudio, MODEL_RATE, msToSamples, samplesToMs } from './input-audio.ts';
import { normalizeText } from './stable-prefix.ts';
import { wordsFromTokens } from './word-timing.ts';

/** Zeros appended before reading a committed item's text: sherpa never decodes the last < 9 frames. */
const FLUSH_PADDING_S = 0.3;

/**
 * A streaming (online) model fed frame by frame. The greedy hypothesis only grows, so each
 * new piece of it is a delta. With server VAD, the model's own endpointing closes items:
 * an item ends once the text is non-empty and the recognizer has seen `silence_duration_ms`
 * of trailing blanks; a long stretch with no text at all resets the stream without an item.
 */
export class OnlineRecognizerSession implements RecognizerSession {
  readonly #recognizer: SherpaOnlineRecognizer;
  readonly #model: LoadedModel;
  readonly #input = new InputAudio();
  #stream: SherpaOnlineStream;
  #settings: RecognizerSettings;
  /** Absolute 16 kHz index of the audio the current stream started at. */
  #streamStart = 0;
  #fed = 0;
  #segment = 0;
  #itemOpen = false;
  #released = '';

  constructor(recognizer: SherpaOnlineRecognizer, model: LoadedModel, settings: RecognizerSettings) {
    this.#recognizer = recognizer;
    this.#model = model;
    this.#stream = recognizer.createStream();
    this.#settings = settings;
    this.#input.setRate(settings.inputRate);
  }

  configure(settings: RecognizerSettings): void {
    this.#settings = settings;
    this.#input.setRate(settings.inputRate);
  }

  acceptAudio(pcm: Int16Array): RecognizerEvent[] {
    const samples = this.#input.convert(pcm);
    const events: RecognizerEvent[] = [];
    if (samples.length === 0) return events;
    this.#stream.acceptWaveform({ samples, sampleRate: MODEL_RATE });
    this.#fed += samples.length;
    while (this.#recognizer.isReady(this.#stream)) this.#recognizer.decode(this.#stream);
    const result = this.#recognizer.getResult(this.#stream);
    const text = normalizeText(result.text);
    this.#emitGrowth(text, result.timestamps, events);
    if (this.#settings.vad) this.#checkEndpoint(text, result.num_trailing_blanks ?? 0, events);
    return events;
  }

  commit(eventId: string | null): RecognizerEvent[] {
    const buffered = this.#fed - this.#streamStart;
    if (buffered < msToSamples(100)) return [{ type: 'commit_empty', eventId, bufferedMs: samplesToMs(buffered) }];
    this.#stream.acceptWaveform({
      samples: new Float32Array(Math.round(FLUSH_PADDING_S * MODEL_RATE)),
      sampleRate: MODEL_RATE,
    });
    while (this.#recognizer.isReady(this.#stream)) this.#recognizer.decode(this.#stream);
    const result = this.#recognizer.getResult(this.#stream);
    const text = normalizeText(result.text);
    const events: RecognizerEvent[] = [];
    this.#emitGrowth(text, result.timestamps, events, false);
    if (!this.#itemOpen) this.#openItem(result.timestamps, events, false);
    this.#closeItem(text, result, this.#fed, events, false);
    return events;
  }

  clear(): void {
    this.#resetStream();
  }

  close(): void {
    this.#itemOpen = false;
  }

  #emitGrowth(text: string, timestamps: readonly number[], events: RecognizerEvent[], announce = true): void {
    if (!text) return;
    if (!this.#itemOpen) this.#openItem(timestamps, events, announce && this.#settings.vad !== null);
    // Greedy decoding appends; should a model ever revise, hold back rather than retract.
    if (text.length > this.#released.length && text.startsWith(this.#released)) {
      events.push({ type: 'delta', segment: this.#segment, delta: text.slice(this.#released.length) });
      this.#released = text;
    }
  }

  #openItem(timestamps: readonly number[], events: RecognizerEvent[], announce: boolean): void {
    this.#itemOpen = true;
    if (!announce) return;
    const firstToken = this.#streamStart + Math.round((timestamps[0] ?? 0) * MODEL_RATE);
    const padding = msToSamples(this.#settings.vad?.prefixPaddingMs ?? 0);
    const start = Math.max(this.#streamStart, firstToken - padding);
    events.push({ type: 'speech_started', segment: this.#segment, audioStartMs: samplesToMs(start) });
  }

  #checkEndpoint(text: string, trailingBlanks: number, events: RecognizerEvent[]): void {
    const vad = this.#settings.vad!;
    const frameMs = this.#model.manifest.outputFrameMs ?? 40;
    const trailingMs = trailingBlanks * frameMs;
    const rule1Ms = numberSetting(this.#model, 'rule1MinTrailingSilence', 2.4) * 1000;
    const maxMs = numberSetting(this.#model, 'rule3MinUtteranceLength', 20) * 1000;
    const lengthMs = samplesToMs(this.#fed - this.#streamStart);
    if (!text) {
      // Nothing said for a while: start afresh so the stream's context stays short.
      if (trailingMs >= rule1Ms || lengthMs >= maxMs) this.#resetStream();
      return;
    }
    if (trailingMs >= vad.silenceDurationMs || lengthMs >= maxMs) {
      const result = this.#recognizer.getResult(this.#stream);
      const endSample = Math.max(this.#streamStart, this.#fed - msToSamples(trailingMs));
      events.push({ type: 'speech_stopped', segment: this.#segment, audioEndMs: samplesToMs(endSample) });
      this.#closeItem(text, result, endSample, events, true);
    }
  }

  #closeItem(
    text: string,
    result: { tokens: readonly string[]; timestamps: readonly number[] },
    endSample: number,
    events: RecognizerEvent[],
    _byVad: boolean,
  ): void {
    const offsetMs = samplesToMs(this.#streamStart);
    const words = wordsFromTokens(result.tokens, result.timestamps, offsetMs, this.#model.manifest.outputFrameMs ?? 40);
    const startMs = words[0]?.start_ms ?? offsetMs;
    const endMs = Math.max(startMs, words.at(-1)?.end_ms ?? samplesToMs(endSample));
    events.push({ type: 'committed', segment: this.#segment });
    events.push({
      type: 'completed',
      segment: this.#segment,
      transcript: text,
      startMs,
      endMs,
      durationS: (endSample - this.#streamStart) / MODEL_RATE,
      words,
    });
    this.#segment++;
    this.#resetStream();
  }

  #resetStream(): void {
    this.#recognizer.reset(this.#stream);
    this.#streamStart = this.#fed;
    this.#itemOpen = false;
    this.#released = '';
  }
}

function numberSetting(model: LoadedModel, key: string, fallback: number): number {
  const value = (model.manifest.sherpa as Record<string, unknown>)[key];
  return typeof value === 'number' ? value : fallback;
}
