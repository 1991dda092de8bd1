import { SPEACHES_EVENT_TYPES, speachesAppend, speachesProbe, speachesServerEventSchema } from './speaches-messages.ts';
import type { SpeachesServerEvent } from './speaches-messages.ts';
import { SpeachesTimeline } from './speaches-timeline.ts';
import {
  msToSamples,
  pcmBytes,
  protocolWarning,
  readServerMessage,
  type CloseVerdict,
  type ProviderEvent,
  type ProviderStream,
  type WireMessage,
} from './types.ts';
import { reconnectVerdict, serviceDetail } from './close-verdicts.ts';

/**
 * One connection to Speaches' `/v1/realtime` in transcription mode (speaches-ai/speaches @
 * 870e1e16). Its server VAD is the only way a turn ends: a client commit while speech is in
 * progress makes the server's transcriber fail an assertion (`data_w_vad_applied` needs
 * `audio_end_ms`), which takes down the whole session (the socket closes without a close
 * frame, 1006) and every transcription in flight; a commit outside speech transcribes
 * silence. So this stream never commits. To end, it appends silence until the server's VAD
 * closes the open item (`speech_stopped` needs ~0.58 s of silence AND more than 3 s in the
 * item's buffer, so up to ~3.6 s), waits for the last transcript, and reports the end.
 */
export interface SpeachesStreamOptions {
  readonly label: string;
  readonly sampleRate: number;
}

/** Silence appended at the end: 3 s of buffer + 0.58 s of VAD silence, with room to spare. */
export const SPEACHES_END_PADDING_MS = 4_000;
/** More silence if the server's VAD still hears speech after the padding (it should not). */
const EXTRA_PADDING_MS = 1_000;
const MAX_PADDING_ROUNDS = 4;
const PADDING_CHUNK_MS = 100;
/** Speaches' errors about a client event, as opposed to a transcription that failed. */
const CLIENT_EVENT_ERROR = /^(Error committing|Specifying `|\d+ validation errors? for)/;

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

export class SpeachesStream implements ProviderStream {
  readonly #o: SpeachesStreamOptions;
  readonly #timeline: SpeachesTimeline;
  #ready = false;
  #ending = false;
  #paddingRounds = 0;
  #ended = false;
  #lastError: string | null = null;

  constructor(options: SpeachesStreamOptions) {
    this.#o = options;
    this.#timeline = new SpeachesTimeline(options.sampleRate);
  }

  onOpen(): Decoded {
    // Everything is in the URL (model, intent, language); `session.created` means ready.
    return { send: [], events: [] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    if (samples.length === 0) return [];
    this.#timeline.appendedSamples(samples.length);
    return [speachesAppend(pcmBytes(samples).toString('base64'))];
  }

  /** Never commits: see the class comment. The server's VAD ends every turn. */
  flush(): WireMessage[] {
    return [];
  }

  end(): WireMessage[] {
    if (this.#ending) return [];
    this.#ending = true;
    return this.#pad(SPEACHES_END_PADDING_MS);
  }

  keepAlive(): WireMessage | null {
    return null;
  }

  inTurn(): boolean {
    return this.#timeline.inSpeech;
  }

  hasBatchedAudio(): boolean {
    return false;
  }

  /**
   * Long silence is never committed (that would transcribe it). A probe instead learns how far
   * the server has processed, which settles silence the VAD window has left behind.
   */
  maybeCommit(maxUncommittedSamples: number): WireMessage[] | null {
    const t = this.#timeline;
    if (this.#ending || t.probesOutstanding > 0 || t.appended - t.settled <= maxUncommittedSamples) return null;
    t.probeSent();
    return [speachesProbe()];
  }

  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = readServerMessage(this.#o.label, data, isBinary);
    if ('warning' in read) {
      out.events.push(read.warning);
      return out;
    }
    if (!SPEACHES_EVENT_TYPES.has(read.msg.type)) {
      out.events.push({ kind: 'ignored', type: read.msg.type });
      return out;
    }
    const parsed = speachesServerEventSchema.safeParse(read.msg);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      out.events.push(
        protocolWarning(this.#o.label, `${read.msg.type} with a malformed ${issue.path.join('.') || 'body'}`),
      );
      return out;
    }
    this.#handle(parsed.data, out);
    this.#settle(out);
    this.#maybeEnd(out);
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    if (code === 1008) {
      return {
        retry: false,
        code: 'PROVIDER_AUTH_FAILED',
        message: `${this.#o.label} refused the session (${serviceDetail(reason) || 'policy violation'}). Check the API key.`,
      };
    }
    const detail = this.#lastError ? `after: ${this.#lastError}` : reason || 'no close frame';
    return reconnectVerdict(this.#o.label, code, serviceDetail(detail));
  }

  #handle(m: SpeachesServerEvent, out: Decoded): void {
    const t = this.#timeline;
    switch (m.type) {
      case 'session.created':
        if (!this.#ready) {
          this.#ready = true;
          out.events.push({ kind: 'ready' });
        }
        return;
      case 'session.updated':
        return this.#onProbeAnswered(out);
      case 'input_audio_buffer.speech_started':
        t.speechStarted(m.item_id, m.audio_start_ms);
        return;
      case 'input_audio_buffer.speech_stopped':
        t.speechStopped(m.item_id, m.audio_end_ms);
        return;
      case 'input_audio_buffer.committed':
        t.committed(m.item_id);
        return;
      case 'conversation.item.created':
        out.events.push({ kind: 'ignored', type: m.type });
        return;
      case 'conversation.item.input_audio_transcription.completed':
        out.events.push({
          kind: 'transcript',
          key: m.item_id,
          text: m.transcript.trim(),
          isFinal: true,
          ...t.span(m.item_id),
        });
        t.done(m.item_id);
        return;
      case 'error':
        return this.#onError(m.error.message, m.error.code ?? null, out);
    }
  }

  #onProbeAnswered(out: Decoded): void {
    const t = this.#timeline;
    t.probeAnswered();
    if (!this.#ending || t.probesOutstanding > 0 || !t.inSpeech) return;
    // The padding did not close the item yet: more silence, up to a bound.
    if (this.#paddingRounds < MAX_PADDING_ROUNDS) out.send.push(...this.#pad(EXTRA_PADDING_MS));
  }

  /**
   * Speaches' errors name no item. One about a client event is a warning; any other arrives when
   * a transcription request failed (input_audio_buffer_event_router.py, `committed` handler), so
   * the oldest item waiting for its transcript is given up with an empty final.
   */
  #onError(message: string, code: string | null, out: Decoded): void {
    this.#lastError = message;
    const failed = CLIENT_EVENT_ERROR.test(message) ? null : this.#timeline.oldestPending();
    if (failed) {
      out.events.push({ kind: 'transcript', key: failed, text: '', isFinal: true });
      this.#timeline.done(failed);
    }
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: failed
        ? `${this.#o.label} could not transcribe one utterance: ${serviceDetail(message)}`
        : `${this.#o.label} reported an error${code ? ` (${code})` : ''}: ${serviceDetail(message)}`,
    });
  }

  #pad(ms: number): WireMessage[] {
    this.#paddingRounds += 1;
    const chunk = new Int16Array(msToSamples(PADDING_CHUNK_MS, this.#o.sampleRate));
    const send: WireMessage[] = [];
    for (let at = 0; at < ms; at += PADDING_CHUNK_MS) send.push(...this.encodeAudio(chunk));
    this.#timeline.probeSent();
    send.push(speachesProbe());
    return send;
  }

  #settle(out: Decoded): void {
    const until = this.#timeline.settle();
    if (until !== null) out.events.push({ kind: 'settled', untilSample: until });
  }

  #maybeEnd(out: Decoded): void {
    const t = this.#timeline;
    if (!this.#ending || this.#ended || t.probesOutstanding > 0) return;
    if (t.pending > 0 && (t.inSpeech ? this.#paddingRounds < MAX_PADDING_ROUNDS : true)) return;
    this.#ended = true;
    out.events.push({ kind: 'ended' });
  }
}
