import { RIVA_DONE, RIVA_EVENT_TYPES, rivaAppend, rivaServerEventSchema, rivaSessionUpdate } from './riva-messages.ts';
import type { RivaServerEvent, RivaSessionOptions } from './riva-messages.ts';
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
 * One connection to a Riva ASR NIM realtime endpoint (sources in riva-messages.ts). The server
 * finds utterance ends itself; each `completed` is the final of one utterance, and the one with
 * `is_last_result` answers `input_audio_buffer.done`. Riva acknowledges no audio ranges: a final
 * settles the audio up to its last word's end (word times are stream-relative ms), the last
 * result settles everything.
 */
export interface RivaStreamOptions extends RivaSessionOptions {
  readonly label: string;
}

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

export class RivaStream implements ProviderStream {
  readonly #o: RivaStreamOptions;
  #ready = false;
  #utterance = 0;
  #partialOpen = false;
  #lastError: string | null = null;

  constructor(options: RivaStreamOptions) {
    this.#o = options;
  }

  onOpen(): Decoded {
    return { send: [], events: [] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    return samples.length === 0 ? [] : rivaAppend(pcmBytes(samples).toString('base64'));
  }

  /** The realtime API has no request to end an utterance early. */
  flush(): WireMessage[] {
    return [];
  }

  end(): WireMessage[] {
    return [RIVA_DONE];
  }

  keepAlive(): WireMessage | null {
    return null;
  }

  inTurn(): boolean {
    return this.#partialOpen;
  }

  hasBatchedAudio(): boolean {
    return false;
  }

  maybeCommit(): WireMessage[] | null {
    return null;
  }

  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = readServerMessage(this.#o.label, data, isBinary);
    if ('warning' in read) {
      out.events.push(read.warning);
      return out;
    }
    const type = read.msg.type;
    // NVIDIA's own client treats every type containing "error" as one.
    const known = RIVA_EVENT_TYPES.has(type) ? type : /error/i.test(type) ? 'error' : null;
    if (!known) {
      out.events.push({ kind: 'ignored', type });
      return out;
    }
    const parsed = rivaServerEventSchema.safeParse({ ...read.msg, type: known });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      out.events.push(protocolWarning(this.#o.label, `${type} with a malformed ${issue.path.join('.') || 'body'}`));
      return out;
    }
    this.#handle(parsed.data, out);
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    const detail = this.#lastError ? `after: ${this.#lastError}` : reason || 'no close frame';
    return reconnectVerdict(this.#o.label, code, serviceDetail(detail));
  }

  #handle(m: RivaServerEvent, out: Decoded): void {
    switch (m.type) {
      case 'conversation.created':
        out.send.push(rivaSessionUpdate(this.#o));
        return;
      case 'transcription_session.updated':
        if (!this.#ready) {
          this.#ready = true;
          out.events.push({ kind: 'ready' });
        }
        return;
      case 'conversation.item.input_audio_transcription.delta':
        // An interim hypothesis of the whole current utterance, as Riva's streaming results are.
        this.#partialOpen = m.delta.trim() !== '';
        out.events.push({ kind: 'transcript', key: this.#key(), text: m.delta.trim(), isFinal: false });
        return;
      case 'conversation.item.input_audio_transcription.completed':
        return this.#onCompleted(m, out);
      case 'error':
        return this.#onError(m.error.message, out);
    }
  }

  #onCompleted(
    m: Extract<RivaServerEvent, { type: 'conversation.item.input_audio_transcription.completed' }>,
    out: Decoded,
  ): void {
    const words = (m.words_info?.words ?? []).map((w) => ({ text: w.word, startMs: w.start_time, endMs: w.end_time }));
    const text = m.transcript.trim();
    if (text !== '' || this.#partialOpen) {
      out.events.push({
        kind: 'transcript',
        key: this.#key(),
        text,
        isFinal: true,
        ...(words.length > 0 ? { startMs: words[0]!.startMs, endMs: words.at(-1)!.endMs, words } : {}),
      });
    }
    this.#utterance += 1;
    this.#partialOpen = false;
    if (m.is_last_result) out.events.push({ kind: 'ended' });
    else if (words.length > 0)
      out.events.push({ kind: 'settled', untilSample: msToSamples(words.at(-1)!.endMs, this.#o.sampleRate) });
  }

  #onError(message: string, out: Decoded): void {
    this.#lastError = message;
    if (!this.#ready) {
      out.events.push({
        kind: 'fatal',
        code: 'PROVIDER_ERROR',
        message: `${this.#o.label} rejected the session settings: ${serviceDetail(message)}. Check the model and language.`,
      });
      return;
    }
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.#o.label} reported an error: ${serviceDetail(message)}`,
    });
  }

  #key(): string {
    return `riva-${this.#utterance}`;
  }
}
