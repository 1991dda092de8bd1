import type { TurnDetector, TurnEnd } from '../../turns/turn-detector.ts';
import {
  protocolWarning,
  readServerMessage,
  samplesToMs,
  str,
  type CloseVerdict,
  type ProviderEvent,
  type ProviderStream,
  type WireMessage,
} from '../types.ts';
import { reconnectVerdict } from '../close-verdicts.ts';
import { HeldAudio } from './vllm-held.ts';
import { VLLM_FATAL_CODES, vllmAppend, vllmFinal, vllmSessionUpdate, vllmStart } from './vllm-messages.ts';

/** One connection to vLLM's `/v1/realtime`; what is settled when is explained in vllm.ts. */
type Decoded = { send: WireMessage[]; events: ProviderEvent[] };

/** Failed drains in a row before the server counts as broken. */
const MAX_DRAINS = 3;

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
  /** The open generation's audio as sent: sent again if the server fails the generation. */
  #sentCopy = new HeldAudio();
  /** Set while a failed generation's queue is drained: whether its final commit must go again. */
  #recovering: { resendFinal: boolean; drains: number } | null = null;
  /** The open generation's audio has failed once already. */
  #retried = false;

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
    if (this.#closing || this.#recovering || this.#sent <= this.#genStart) return [];
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
    while (!this.#closing && !this.#recovering) {
      const cut = this.#cuts[0];
      // A long turn's cut may still fall after `holdFrom`: that audio waits until it is known.
      const until = cut?.cutAt ?? Math.min(this.#given, this.#turns.holdFrom ?? this.#given);
      for (const chunk of this.#held.take(Math.max(0, until - this.#sent))) {
        out.push(vllmAppend(chunk));
        this.#sentCopy.hold(chunk);
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
    return this.#ending && !this.#closing && !this.#recovering && this.#held.length === 0 && this.#sent > this.#genStart
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
    if (this.#recovering) return this.#onDrained(out);
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
    this.#sentCopy = new HeldAudio();
    this.#retried = false;
    // The server has cleared its queue: only now may the next generation start and get audio.
    out.send.push(vllmStart(), ...this.#pump(), ...this.#closeLast());
  }

  #onError(message: string | undefined, code: string | undefined, out: Decoded): void {
    const said = `${code ?? 'error'}: ${message ?? 'no message'}`;
    if (code === 'processing_error' && this.#ready) return this.#onGenerationFailed(said, out);
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

  /** The generation died without `done`: end a fresh one at once so the server clears its queue. */
  #onGenerationFailed(said: string, out: Decoded): void {
    const drains = (this.#recovering?.drains ?? 0) + 1;
    if (drains > MAX_DRAINS) {
      out.events.push({ kind: 'fatal', code: 'PROVIDER_ERROR', message: `${this.#label} keeps failing (${said}).` });
      return;
    }
    this.#recovering = { resendFinal: this.#recovering?.resendFinal ?? this.#closing, drains };
    this.#closing = false;
    // The final commit first: a sentinel the failed generation left is then read before ours, and
    // the `done` that follows clears whatever is left, ours included.
    out.send.push(vllmFinal(), vllmStart());
    out.events.push({
      kind: 'warning',
      code: 'PROVIDER_ERROR',
      message: `${this.#label} failed to transcribe (${said}); Earshot sends that audio again.`,
    });
  }

  /** The failed generation's queue is clear: its audio goes again on a new one, or is given up. */
  #onDrained(out: Decoded): void {
    const { resendFinal } = this.#recovering!;
    this.#recovering = null;
    this.#text = '';
    if (this.#retried) return this.#giveUp(out);
    this.#retried = true;
    const again = this.#sentCopy.take();
    again.forEach((chunk) => this.#sentCopy.hold(chunk));
    out.send.push(vllmStart(), ...again.map((chunk) => vllmAppend(chunk)));
    if (resendFinal) out.send.push(this.#final());
    else out.send.push(...this.#pump(), ...this.#closeLast());
  }

  #giveUp(out: Decoded): void {
    const seconds = ((this.#sent - this.#genStart) / this.#rate).toFixed(1);
    out.events.push(
      { kind: 'transcript', key: this.#key(), text: '', isFinal: false },
      {
        kind: 'warning',
        code: 'PROVIDER_ERROR',
        message: `${this.#label} failed twice on the same ${seconds} s of audio; that audio is skipped.`,
      },
      { kind: 'settled', untilSample: this.#sent },
    );
    this.#genStart = this.#sent;
    this.#generation += 1;
    this.#span = null;
    this.#retried = false;
    this.#sentCopy = new HeldAudio();
    out.send.push(vllmStart(), ...this.#pump(), ...this.#closeLast());
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
