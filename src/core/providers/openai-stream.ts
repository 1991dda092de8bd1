import { appendAudio, commitAudio } from '../../shared/realtime/client-events.ts';
import { isServerEventType, serverEventSchema, type ServerEvent } from '../../shared/realtime/server-events.ts';
import type { TurnDetector } from '../turns/turn-detector.ts';
import { ClientTurns } from './openai-client-turns.ts';
import { classifyOpenAiClose, type CloseContext } from './openai-close.ts';
import { CommitLedger } from './openai-ledger.ts';
import { providerWords, sessionUpdateMessage, SETUP_EVENT_ID, type SessionSetup } from './openai-messages.ts';
import {
  msToSamples,
  protocolWarning,
  readServerMessage,
  pcmBytes,
  samplesToMs,
  type CloseVerdict,
  type ProviderEvent,
  type ProviderStream,
  type WireMessage,
} from './types.ts';

/**
 * One connection speaking the OpenAI Realtime transcription protocol: OpenAI itself (GA),
 * OpenAI-compatible servers (GA or the legacy beta shape) and Earshot's embedded engine.
 * Messages are built and read with the shared protocol (src/shared/realtime); audio
 * accounting is the ledger's (openai-ledger.ts).
 */
export interface OpenAiStreamOptions extends SessionSetup {
  readonly label: string;
  /** 'auto' waits for `session.created` / `transcription_session.created` and answers in kind. */
  readonly shape: 'ga' | 'beta' | 'auto';
  /** Client-side turns (models without server VAD): Earshot commits at the pauses this finds. */
  readonly turns?: TurnDetector;
}

interface Item {
  startMs?: number;
  endMs?: number;
  text: string;
  done: boolean;
}

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };
type Event<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

export class OpenAiStream implements ProviderStream {
  readonly #o: OpenAiStreamOptions;
  readonly #items = new Map<string, Item>();
  readonly #ledger = new CommitLedger();
  #speechActive = false;
  #setupSent = false;
  #ready = false;
  #seen: CloseContext = { expired: false, lastError: null };
  readonly #clientTurns: ClientTurns | null;

  constructor(options: OpenAiStreamOptions) {
    this.#o = options;
    this.#clientTurns = options.turns ? new ClientTurns(options.turns, this.#ledger, options.sampleRate) : null;
  }

  onOpen(): { send: WireMessage[]; events: ProviderEvent[] } {
    if (this.#o.shape === 'auto') return { send: [], events: [] };
    this.#setupSent = true;
    return { send: [sessionUpdateMessage(this.#o, this.#o.shape)], events: [] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    if (samples.length === 0) return [];
    if (this.#clientTurns) return this.#clientTurns.encode(samples);
    this.#ledger.appended(samples.length);
    return [JSON.stringify(appendAudio(pcmBytes(samples).toString('base64')))];
  }

  flush(): WireMessage[] {
    return this.#ledger.requestCommit() ? [JSON.stringify(commitAudio())] : [];
  }

  end(): WireMessage[] {
    return this.#clientTurns ? this.#clientTurns.end() : this.flush();
  }

  keepAlive(): WireMessage | null {
    return null; // No application keepalive exists; WebSocket pings keep the socket alive.
  }

  hasBatchedAudio(): boolean {
    return (this.#clientTurns?.held ?? 0) > 0;
  }

  inTurn(): boolean {
    return this.#clientTurns ? this.#clientTurns.inTurn : this.#speechActive;
  }

  maybeCommit(maxUncommittedSamples: number): WireMessage[] | null {
    // Client turns commit at pauses only: a bound would commit silence or cut speech.
    if (this.#clientTurns) return null;
    if (this.#speechActive || this.#ledger.uncommitted <= maxUncommittedSamples) return null;
    return this.flush();
  }

  /**
   * Unusable frames (binary, bad JSON, no type) and known events whose fields do not fit the
   * protocol become a PROVIDER_PROTOCOL warning; event types outside the protocol are ignored.
   */
  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = readServerMessage(this.#o.label, data, isBinary);
    if ('warning' in read) {
      out.events.push(read.warning);
      return out;
    }
    const type = read.msg.type;
    if (!isServerEventType(type)) {
      out.events.push({ kind: 'ignored', type });
      return out;
    }
    const parsed = serverEventSchema.safeParse(read.msg);
    if (parsed.success) this.#handle(parsed.data, out);
    else {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') || 'body';
      out.events.push(this.#protocolWarning(`${type} with a missing or malformed ${field} (${issue.message})`));
    }
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    return classifyOpenAiClose(this.#o.label, this.#seen, code, reason);
  }

  #handle(m: ServerEvent, out: Decoded): void {
    switch (m.type) {
      case 'session.created':
      case 'transcription_session.created':
        if (!this.#setupSent) {
          this.#setupSent = true;
          out.send.push(sessionUpdateMessage(this.#o, m.type === 'session.created' ? 'ga' : 'beta'));
        }
        return;
      case 'session.updated':
      case 'transcription_session.updated':
        if (!this.#ready) {
          this.#ready = true;
          out.events.push({ kind: 'ready' });
        }
        return;
      case 'input_audio_buffer.speech_started':
        this.#speechActive = true;
        this.#item(m.item_id).startMs = m.audio_start_ms;
        return;
      case 'input_audio_buffer.speech_stopped':
        this.#speechActive = false;
        this.#item(m.item_id).endMs = m.audio_end_ms;
        return;
      case 'input_audio_buffer.committed':
        return this.#onCommitted(m.item_id, out);
      case 'conversation.item.input_audio_transcription.delta':
        return this.#onDelta(m, out);
      case 'conversation.item.input_audio_transcription.completed':
        return this.#onCompleted(m, out);
      case 'conversation.item.input_audio_transcription.failed':
        return this.#onFailed(m, out);
      case 'error':
        return this.#onError(m, out);
      case 'input_audio_buffer.cleared':
        if (this.#ledger.cleared()) this.#settle(out);
        else out.events.push({ kind: 'ignored', type: m.type });
    }
  }

  #item(id: string): Item {
    let item = this.#items.get(id);
    if (!item) {
      item = { text: '', done: false };
      this.#items.set(id, item);
    }
    return item;
  }

  #onCommitted(id: string, out: Decoded): void {
    const item = this.#item(id);
    const rate = this.#o.sampleRate;
    const vadEnd = item.endMs === undefined ? undefined : msToSamples(item.endMs, rate);
    const span = this.#clientTurns?.nextSpan();
    if (span) {
      item.startMs ??= span.startMs;
      item.endMs ??= span.endMs;
    }
    const range = this.#ledger.committed(id, vadEnd, item.done);
    item.startMs ??= samplesToMs(range.startSample, rate);
    item.endMs ??= samplesToMs(range.endSample, rate);
    this.#settle(out);
  }

  #onDelta(m: Event<'conversation.item.input_audio_transcription.delta'>, out: Decoded): void {
    if (m.delta === undefined) {
      out.events.push(this.#protocolWarning(`${m.type} without delta`));
      return;
    }
    const item = this.#item(m.item_id);
    if (item.done) return;
    item.text += m.delta;
    out.events.push({
      kind: 'transcript',
      key: m.item_id,
      text: item.text,
      isFinal: false,
      ...(item.startMs === undefined ? {} : { startMs: item.startMs }),
    });
  }

  #onCompleted(m: Event<'conversation.item.input_audio_transcription.completed'>, out: Decoded): void {
    const item = this.#item(m.item_id);
    if (item.done) {
      out.events.push({ kind: 'ignored', type: 'duplicate completed' });
      return;
    }
    item.done = true;
    item.text = m.transcript;
    // Timing extension (Earshot's engine): exact item times and words.
    const startMs = m.start_ms ?? item.startMs;
    const endMs = m.end_ms ?? item.endMs;
    const words = providerWords(m.words);
    out.events.push({
      kind: 'transcript',
      key: m.item_id,
      text: m.transcript,
      isFinal: true,
      ...(startMs === undefined ? {} : { startMs }),
      ...(endMs === undefined ? {} : { endMs }),
      ...(words ? { words } : {}),
    });
    this.#ledger.itemDone(m.item_id);
    this.#settle(out);
  }

  #onFailed(m: Event<'conversation.item.input_audio_transcription.failed'>, out: Decoded): void {
    const item = this.#item(m.item_id);
    if (item.done) return;
    item.done = true;
    out.events.push({ kind: 'transcript', key: m.item_id, text: '', isFinal: true });
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      // OpenAI's reasons end with a full stop of their own (API reference, `failed` example).
      message: `${this.#o.label} could not transcribe one utterance: ${(m.error?.message ?? 'no reason given').replace(/\.$/, '')}.`,
    });
    this.#ledger.itemDone(m.item_id);
    this.#settle(out);
  }

  #onError(m: Event<'error'>, out: Decoded): void {
    const { message } = m.error;
    const code = m.error.code ?? m.error.type;
    this.#seen = { ...this.#seen, lastError: { code, message } };
    if (code === 'session_expired') {
      this.#seen = { ...this.#seen, expired: true };
      out.events.push({ kind: 'expired', message });
      return;
    }
    if (code === 'input_audio_buffer_commit_empty') {
      if (this.#ledger.declined()) {
        this.#clientTurns?.nextSpan();
        this.#settle(out);
      }
      return;
    }
    if (m.error.event_id === SETUP_EVENT_ID) {
      out.events.push({
        kind: 'fatal',
        code: 'PROVIDER_ERROR',
        message: `${this.#o.label} rejected the session settings: ${message}`,
      });
      return;
    }
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.#o.label} reported an error (${code}): ${message}`,
    });
  }

  #settle(out: Decoded): void {
    const untilSample = this.#ledger.settle();
    if (untilSample !== null) out.events.push({ kind: 'settled', untilSample });
  }

  #protocolWarning(why: string): ProviderEvent {
    return protocolWarning(this.#o.label, why);
  }
}
