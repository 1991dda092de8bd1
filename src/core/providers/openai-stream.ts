import {
  msToSamples,
  num,
  protocolWarning,
  readServerMessage,
  pcmBytes,
  samplesToMs,
  str,
  type CloseVerdict,
  type ProviderEvent,
  type ProviderStream,
  type WireMessage,
} from './types.ts';
import { parseWords, sessionUpdateMessage, SETUP_EVENT_ID } from './openai-messages.ts';

/**
 * One connection speaking the OpenAI Realtime transcription protocol: OpenAI itself (GA),
 * OpenAI-compatible servers (GA or the legacy beta shape) and Earshot's embedded engine.
 *
 * Audio accounting: the service keeps appended audio in an open buffer until an item is
 * committed (by its VAD or by our `commit`). An item's audio counts as accounted for once its
 * `completed` (or `failed`) event arrives, and items settle in commit order, so the replay
 * buffer only ever releases a prefix. Silence before an item belongs to it (the server
 * discarded it when it committed the item).
 */
export interface OpenAiStreamOptions {
  readonly label: string;
  readonly sampleRate: number;
  readonly model: string | undefined;
  readonly language: string | undefined;
  readonly turnDetection: 'server_vad' | 'manual';
  readonly silenceDurationMs: number;
  /** 'auto' waits for `session.created` / `transcription_session.created` and answers in kind. */
  readonly shape: 'ga' | 'beta' | 'auto';
}

interface Item {
  startMs?: number;
  endMs?: number;
  text: string;
  done: boolean;
}

interface CommitEntry {
  readonly itemId: string | null;
  readonly endSample: number;
  done: boolean;
}

/** Error codes after which reconnecting cannot help. */
const FATAL_ERROR_CODES = new Set([
  'invalid_api_key',
  'invalid_model',
  'model_not_found',
  'insufficient_quota',
  'unsupported_model',
]);

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

export class OpenAiStream implements ProviderStream {
  readonly #o: OpenAiStreamOptions;
  readonly #items = new Map<string, Item>();
  readonly #commits: CommitEntry[] = [];
  #settleIndex = 0;
  #settled = 0;
  /** Sample counts at which we sent `commit`, oldest first, not yet answered. */
  readonly #manualCommits: number[] = [];
  #sent = 0;
  #lastCommitPoint = 0;
  #speechActive = false;
  #setupSent = false;
  #ready = false;
  #expired = false;
  #lastError: { type: string; code: string; message: string } | null = null;

  constructor(options: OpenAiStreamOptions) {
    this.#o = options;
  }

  onOpen(): { send: WireMessage[]; events: ProviderEvent[] } {
    if (this.#o.shape === 'auto') return { send: [], events: [] };
    this.#setupSent = true;
    return { send: [sessionUpdateMessage(this.#o, this.#o.shape)], events: [] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    if (samples.length === 0) return [];
    this.#sent += samples.length;
    return [JSON.stringify({ type: 'input_audio_buffer.append', audio: pcmBytes(samples).toString('base64') })];
  }

  flush(): WireMessage[] {
    if (this.#sent <= this.#lastCommitPoint) return [];
    this.#manualCommits.push(this.#sent);
    this.#lastCommitPoint = this.#sent;
    return [JSON.stringify({ type: 'input_audio_buffer.commit' })];
  }

  end(): WireMessage[] {
    return this.flush();
  }

  keepAlive(): WireMessage | null {
    return null; // No application keepalive exists; WebSocket pings keep the socket alive.
  }

  hasBatchedAudio(): boolean {
    return false;
  }

  inTurn(): boolean {
    return this.#speechActive;
  }

  maybeCommit(maxUncommittedSamples: number): WireMessage[] | null {
    if (this.#speechActive || this.#sent - this.#lastCommitPoint <= maxUncommittedSamples) return null;
    return this.flush();
  }

  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = readServerMessage(this.#o.label, data, isBinary);
    if ('warning' in read) {
      out.events.push(read.warning);
      return out;
    }
    const m = read.msg;
    switch (m.type) {
      case 'session.created':
      case 'transcription_session.created':
        if (!this.#setupSent) {
          this.#setupSent = true;
          out.send.push(sessionUpdateMessage(this.#o, m.type === 'session.created' ? 'ga' : 'beta'));
        }
        break;
      case 'session.updated':
      case 'transcription_session.updated':
        if (!this.#ready) {
          this.#ready = true;
          out.events.push({ kind: 'ready' });
        }
        break;
      case 'input_audio_buffer.speech_started': {
        const id = str(m['item_id']);
        this.#speechActive = true;
        if (id) this.#item(id).startMs = num(m['audio_start_ms']);
        break;
      }
      case 'input_audio_buffer.speech_stopped': {
        const id = str(m['item_id']);
        this.#speechActive = false;
        if (id) this.#item(id).endMs = num(m['audio_end_ms']);
        break;
      }
      case 'input_audio_buffer.committed':
        this.#onCommitted(str(m['item_id']), out);
        break;
      case 'conversation.item.input_audio_transcription.delta': {
        const id = str(m['item_id']);
        const delta = str(m['delta']);
        if (!id || delta === undefined) {
          out.events.push(this.#protocolWarning(`${m.type} without item_id or delta`));
          break;
        }
        const item = this.#item(id);
        if (item.done) break;
        item.text += delta;
        out.events.push({
          kind: 'transcript',
          key: id,
          text: item.text,
          isFinal: false,
          ...(item.startMs === undefined ? {} : { startMs: item.startMs }),
        });
        break;
      }
      case 'conversation.item.input_audio_transcription.completed':
        this.#onCompleted(m, out);
        break;
      case 'conversation.item.input_audio_transcription.failed':
        this.#onFailed(m, out);
        break;
      case 'error':
        this.#onError(m, out);
        break;
      default:
        out.events.push({ kind: 'ignored', type: m.type });
    }
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    const label = this.#o.label;
    if (this.#expired)
      return {
        retry: true,
        immediate: true,
        code: 'WS_CLOSED',
        message: `${label} ended the session at its time limit; Earshot reconnected.`,
      };
    const detail = this.#lastError
      ? `${this.#lastError.code}: ${this.#lastError.message}`
      : reason || `close code ${code}`;
    const authLike = /auth|api[_ ]?key|unauthori[sz]ed/i.test(`${reason} ${this.#lastError?.code ?? ''}`);
    if (code === 1008 || code === 4000 || (this.#lastError && FATAL_ERROR_CODES.has(this.#lastError.code))) {
      if (authLike)
        return {
          retry: false,
          code: 'PROVIDER_AUTH_FAILED',
          message: `${label} rejected the API key (${detail}). Check the key.`,
        };
      return {
        retry: false,
        code: 'PROVIDER_ERROR',
        message: `${label} ended the session: ${detail}. Check the model and settings.`,
      };
    }
    return {
      retry: true,
      code: 'WS_CLOSED',
      message: `The connection to ${label} closed (${code}${reason ? ` ${reason}` : ''}). Earshot is reconnecting without losing audio.`,
    };
  }

  #item(id: string): Item {
    let item = this.#items.get(id);
    if (!item) {
      item = { text: '', done: false };
      this.#items.set(id, item);
    }
    return item;
  }

  #onCommitted(id: string | undefined, out: Decoded): void {
    if (!id) {
      out.events.push(this.#protocolWarning('input_audio_buffer.committed without item_id'));
      return;
    }
    const item = this.#item(id);
    const previousEnd = this.#commits.at(-1)?.endSample ?? 0;
    // A VAD commit ends where speech stopped; a commit we asked for ends where we asked.
    let endSample =
      item.endMs !== undefined
        ? msToSamples(item.endMs, this.#o.sampleRate)
        : (this.#manualCommits.shift() ?? this.#sent);
    endSample = Math.min(this.#sent, Math.max(previousEnd, endSample));
    this.#lastCommitPoint = Math.max(this.#lastCommitPoint, endSample);
    item.startMs ??= samplesToMs(previousEnd, this.#o.sampleRate);
    item.endMs ??= samplesToMs(endSample, this.#o.sampleRate);
    this.#commits.push({ itemId: id, endSample, done: item.done });
    this.#settle(out);
  }

  #onCompleted(m: Record<string, unknown>, out: Decoded): void {
    const id = str(m['item_id']);
    const transcript = str(m['transcript']);
    if (!id || transcript === undefined) {
      out.events.push(this.#protocolWarning('transcription.completed without item_id or transcript'));
      return;
    }
    const item = this.#item(id);
    if (item.done) {
      out.events.push({ kind: 'ignored', type: 'duplicate completed' });
      return;
    }
    item.done = true;
    item.text = transcript;
    // Timing extension (Earshot's engine): exact item times and words.
    const startMs = num(m['start_ms']) ?? item.startMs;
    const endMs = num(m['end_ms']) ?? item.endMs;
    const words = parseWords(m['words']);
    out.events.push({
      kind: 'transcript',
      key: id,
      text: transcript,
      isFinal: true,
      ...(startMs === undefined ? {} : { startMs }),
      ...(endMs === undefined ? {} : { endMs }),
      ...(words ? { words } : {}),
    });
    this.#markDone(id);
    this.#settle(out);
  }

  #onFailed(m: Record<string, unknown>, out: Decoded): void {
    const id = str(m['item_id']);
    if (!id) return;
    const item = this.#item(id);
    if (item.done) return;
    item.done = true;
    const error = m['error'] as Record<string, unknown> | undefined;
    out.events.push({ kind: 'transcript', key: id, text: '', isFinal: true });
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.#o.label} could not transcribe one utterance: ${str(error?.['message']) ?? 'no reason given'}.`,
    });
    this.#markDone(id);
    this.#settle(out);
  }

  #onError(m: Record<string, unknown>, out: Decoded): void {
    const error = (typeof m['error'] === 'object' && m['error'] !== null ? m['error'] : {}) as Record<string, unknown>;
    const code = str(error['code']) ?? str(error['type']) ?? 'unknown';
    const message = str(error['message']) ?? 'no message';
    this.#lastError = { type: str(error['type']) ?? 'error', code, message };
    if (code === 'session_expired') {
      this.#expired = true;
      out.events.push({ kind: 'expired', message });
      return;
    }
    if (code === 'input_audio_buffer_commit_empty') {
      // The service declined our commit: under 100 ms of audio is nothing it will transcribe,
      // so those samples are accounted for as far as it is concerned.
      const point = this.#manualCommits.shift();
      if (point !== undefined) {
        this.#commits.push({
          itemId: null,
          endSample: Math.max(point, this.#commits.at(-1)?.endSample ?? 0),
          done: true,
        });
        this.#settle(out);
      }
      return;
    }
    if (str(error['event_id']) === SETUP_EVENT_ID) {
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

  #markDone(id: string): void {
    for (const entry of this.#commits) if (entry.itemId === id) entry.done = true;
  }

  #settle(out: Decoded): void {
    let advanced = false;
    while (this.#settleIndex < this.#commits.length && this.#commits[this.#settleIndex]!.done) {
      this.#settled = Math.max(this.#settled, this.#commits[this.#settleIndex]!.endSample);
      this.#settleIndex += 1;
      advanced = true;
    }
    if (advanced) out.events.push({ kind: 'settled', untilSample: this.#settled });
  }

  #protocolWarning(why: string): ProviderEvent {
    return protocolWarning(this.#o.label, why);
  }
}
