import type { TurnDetector, TurnEnd } from '../../turns/turn-detector.ts';
import {
  classifyHttpStatus,
  protocolWarning,
  readServerMessage,
  reconnectVerdict,
  samplesToMs,
  str,
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderEvent,
  type ProviderStream,
  type WireMessage,
} from '../types.ts';
import { HeldAudio } from './vllm-held.ts';
import {
  VLLM_DEFAULT_URL,
  VLLM_FATAL_CODES,
  VLLM_PCM_RATE,
  vllmAppend,
  vllmFinal,
  vllmSessionUpdate,
  vllmStart,
  vllmUrl,
} from './vllm-messages.ts';

/**
 * vLLM's `/v1/realtime` (Voxtral Realtime). The server has no VAD and acknowledges no audio:
 * a plain commit starts a generation that streams `transcription.delta`s while it reads the
 * audio queue; `commit{final:true}` ends it and is answered by `transcription.done` with the
 * whole text, after which the server clears its queue.
 *
 * What is settled when: a generation's audio (and the silence before it) is settled at its
 * `done`, and only then. So the dialect closes a generation at every pause the client-side turn
 * detector finds (never inside speech), which keeps the replay after a drop to about one
 * utterance; audio that arrives while a generation closes is held here, not sent (the server
 * would clear it), and goes out after the next plain commit. A final is shown only at `done`,
 * in the same step that settles its audio, so a reconnect replays only audio whose text was
 * never final: nothing shows twice.
 */
export class VllmAdapter implements ProviderAdapter {
  readonly id = 'vllm' as const;
  readonly label = 'The vLLM server';
  readonly sampleRate: number;
  readonly maxSessionMs: number | null;
  /** The server queues appends without a rate rule: replay at once. */
  readonly replayPacing = null;
  readonly #url: string;
  readonly #config: ProviderConfig;
  readonly #model: string;
  readonly #turns: () => TurnDetector;

  constructor(config: ProviderConfig, model: string, turns: () => TurnDetector) {
    this.#config = config;
    this.#model = model;
    this.#turns = turns;
    this.sampleRate = config.sampleRate ?? VLLM_PCM_RATE;
    this.maxSessionMs = config.maxSessionMs ?? null;
    this.#url = vllmUrl(config.url ?? VLLM_DEFAULT_URL);
  }

  connectRequest(): ConnectRequest {
    const headers: Record<string, string> = {};
    // vLLM's --api-key guards its HTTP routes with a Bearer token.
    if (this.#config.apiKey) headers['Authorization'] = `Bearer ${this.#config.apiKey}`;
    return { url: this.#url, headers };
  }

  createStream(): ProviderStream {
    return new VllmStream(this.label, this.sampleRate, this.#model, this.#turns());
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

export class VllmStream implements ProviderStream {
  readonly #label: string;
  readonly #rate: number;
  readonly #model: string;
  readonly #turns: TurnDetector;
  readonly #held = new HeldAudio();
  /** Turn ends not yet acted on (they arrived while a generation was closing). */
  readonly #cuts: TurnEnd[] = [];
  #ready = false;
  /** Samples given to encodeAudio; held audio is `given - sent`. */
  #given = 0;
  #sent = 0;
  /** Where the open generation's audio begins (everything before is settled). */
  #genStart = 0;
  #finalAt = 0;
  #closing = false;
  #ending = false;
  #generation = 0;
  #text = '';
  #span: { start: number; end: number } | null = null;

  constructor(label: string, rate: number, model: string, turns: TurnDetector) {
    this.#label = label;
    this.#rate = rate;
    this.#model = model;
    this.#turns = turns;
  }

  onOpen(): { send: WireMessage[]; events: ProviderEvent[] } {
    // The server reads after greeting, so both may go at once; the set-up is never answered.
    return { send: [vllmSessionUpdate(this.#model), vllmStart()], events: [] };
  }

  encodeAudio(samples: Int16Array): WireMessage[] {
    this.#given += samples.length;
    this.#cuts.push(...this.#turns.push(samples));
    this.#held.hold(samples);
    return this.#pump();
  }

  flush(): WireMessage[] {
    if (this.#closing || this.#sent <= this.#genStart) return [];
    this.#turns.cut();
    return [this.#final()];
  }

  end(): WireMessage[] {
    this.#ending = true;
    const last = this.#turns.finish();
    if (last) this.#cuts.push(last);
    return [...this.#pump(), ...this.#closeLast()];
  }

  keepAlive(): WireMessage | null {
    return null;
  }

  inTurn(): boolean {
    return this.#turns.hasSpeech;
  }

  hasBatchedAudio(): boolean {
    return this.#held.length > 0;
  }

  /** Long silence is the only thing that lingers (speech closes at its pause): close it to bound the replay. */
  maybeCommit(maxUncommittedSamples: number): WireMessage[] | null {
    if (this.#turns.hasSpeech || this.#sent - this.#genStart <= maxUncommittedSamples) return null;
    const out = this.flush();
    return out.length > 0 ? out : null;
  }

  decode(data: Buffer, isBinary: boolean): Decoded {
    const out: Decoded = { send: [], events: [] };
    const read = readServerMessage(this.#label, data, isBinary);
    if ('warning' in read) {
      out.events.push(read.warning);
      return out;
    }
    const m = read.msg;
    switch (m.type) {
      case 'session.created':
        if (!this.#ready) out.events.push({ kind: 'ready' });
        this.#ready = true;
        break;
      case 'transcription.delta':
        this.#onDelta(str(m['delta']), out);
        break;
      case 'transcription.done':
        this.#onDone(str(m['text']), out);
        break;
      case 'error':
        this.#onError(str(m['error']), str(m['code']), out);
        break;
      default:
        out.events.push({ kind: 'ignored', type: m.type });
    }
    return out;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    if (code === 1008)
      return { retry: false, code: 'PROVIDER_ERROR', message: `${this.#label} refused the session (${reason}).` };
    return reconnectVerdict(this.#label, code, reason);
  }

  /** Sends held audio up to the next turn end and closes the generation there, while one is open. */
  #pump(): WireMessage[] {
    const out: WireMessage[] = [];
    while (!this.#closing) {
      const cut = this.#cuts[0];
      // A long turn's cut may still fall after `holdFrom`: that audio waits until it is known.
      const until = cut?.cutAt ?? Math.min(this.#given, this.#turns.holdFrom ?? this.#given);
      for (const chunk of this.#held.take(Math.max(0, until - this.#sent))) {
        out.push(vllmAppend(chunk));
        this.#sent += chunk.length;
      }
      if (!cut) break;
      this.#cuts.shift();
      this.#span = { start: this.#span?.start ?? cut.speechStart, end: cut.speechEnd };
      if (this.#sent > this.#genStart) out.push(this.#final());
    }
    return out;
  }

  /** Stopping: the open generation ends with the audio (nothing is held once it is open). */
  #closeLast(): WireMessage[] {
    return this.#ending && !this.#closing && this.#held.length === 0 && this.#sent > this.#genStart
      ? [this.#final()]
      : [];
  }

  #final(): WireMessage {
    this.#closing = true;
    this.#finalAt = this.#sent;
    return vllmFinal();
  }

  #onDelta(delta: string | undefined, out: Decoded): void {
    if (delta === undefined) {
      out.events.push(protocolWarning(this.#label, 'transcription.delta without delta'));
      return;
    }
    this.#text += delta;
    // Voxtral emits a delta about every 80 ms of audio, mostly empty: only new words are news.
    if (!delta.trim()) return;
    out.events.push({
      kind: 'transcript',
      key: this.#key(),
      text: this.#text.trim(),
      isFinal: false,
      ...this.#times(),
    });
  }

  #onDone(text: string | undefined, out: Decoded): void {
    if (!this.#closing) {
      out.events.push(protocolWarning(this.#label, 'transcription.done for a generation Earshot did not end'));
      return;
    }
    const final = (text ?? this.#text).trim();
    if (final || this.#text.trim())
      out.events.push({ kind: 'transcript', key: this.#key(), text: final, isFinal: true, ...this.#times() });
    out.events.push({ kind: 'settled', untilSample: this.#finalAt });
    this.#genStart = this.#finalAt;
    this.#generation += 1;
    this.#text = '';
    this.#span = null;
    this.#closing = false;
    // The server has cleared its queue: only now may the next generation start and get audio.
    out.send.push(vllmStart(), ...this.#pump(), ...this.#closeLast());
  }

  #onError(message: string | undefined, code: string | undefined, out: Decoded): void {
    const said = `${code ?? 'error'}: ${message ?? 'no message'}`;
    if (code && VLLM_FATAL_CODES.has(code)) {
      out.events.push({
        kind: 'fatal',
        code: 'PROVIDER_ERROR',
        message: `${this.#label} refused the session (${said}).`,
      });
      return;
    }
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.#label} reported an error (${said}).`,
    });
  }

  #key(): string {
    return `gen-${this.#generation}`;
  }

  #times(): { startMs: number; endMs?: number } {
    const span = this.#span;
    const toMs = (s: number): number => samplesToMs(s, this.#rate);
    if (span) return { startMs: toMs(span.start), endMs: toMs(span.end) };
    return this.#closing
      ? { startMs: toMs(this.#genStart), endMs: toMs(this.#finalAt) }
      : { startMs: toMs(this.#genStart) };
  }
}
