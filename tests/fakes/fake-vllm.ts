import type { IncomingMessage } from 'node:http';
import { FakeService, joinSamples, type FakeConnection, type FaultPlan, type Refusal } from './fake-base.ts';
import { locate, wordsIn, type SpokenProgram } from './spoken-program.ts';

/**
 * A fake vLLM `/v1/realtime` server (Voxtral Realtime), rebuilt from vLLM's source:
 * vllm-project/vllm @ 0787aaa088808ed424d73dc584d23657aa58639b,
 * vllm/entrypoints/openai/realtime/connection.py (event routing, queue, generation, errors),
 * protocol.py (event shapes, read at 114ee85ad1a254768b4d849ed3bf2c0e563b3c35) and api_router.py
 * (path `/v1/realtime`, "PCM16, 16kHz, mono", read at 00bd1493b3e82d6c13c68ee8a0e1c5a96707e190).
 *
 * What it reproduces:
 * - `session.created {id, created}` on accept; `session.update` reads `event["model"]` (a missing
 *   model is a KeyError, reported as `processing_error` "'model'") and is never answered;
 * - errors are `{"type":"error","error":"<text>","code":"<code>"}`: `invalid_json`,
 *   `unknown_event`, `invalid_audio` (empty or undecodable audio), `model_not_validated` (a commit
 *   before `session.update`);
 * - appends go to one audio queue; a plain commit starts a generation that reads the queue (a
 *   commit while one runs is ignored); the generation sends `transcription.delta` per 80 ms of
 *   audio (Voxtral's step), mostly empty; `commit{final:true}` queues the end sentinel, the
 *   generation finishes and sends `transcription.done {text, usage}`, then the queue is cleared:
 *   audio appended between the final commit and `done` is lost (counted in `lostSamples`);
 * - a final commit with no generation running leaves its end sentinel in the queue: the next
 *   generation stops there at once (`done`), and the queue is cleared behind it;
 * - a generation that fails (`failGeneration`) sends `{"type":"error","code":"processing_error"}`
 *   and no `done` (the `except` in `_run_generation`); the audio it read is gone, the queue is
 *   not cleared, and an end sentinel it had not read yet stays queued.
 *
 * It cannot recognise speech: it is given the program it will be played (spoken-program.ts) and
 * "hears" the words whose middle lies in a generation's audio; each generation's audio is
 * located in the program afresh (a client may send audio again). Accounting (fake-base.ts): a
 * generation's audio is accounted at its `done`; a failed generation's is discarded.
 */
export interface FakeVllmOptions {
  readonly program: SpokenProgram;
  readonly model?: string;
  /** Time a generation needs after the final commit before `done` (the loss window). */
  readonly doneDelayMs?: number;
  /** Connection 1 is dropped (FIN, no close frame) once it has received audio past this program sample. */
  readonly dropAtProgramSample?: number;
  /** Connection 1's generation fails once it has read past this program sample: while streaming, or instead of its `done`. */
  readonly failGeneration?: { readonly atProgramSample: number; readonly when: 'streaming' | 'closing' };
  readonly faults?: FaultPlan;
}

const STEP_SAMPLES = 1280; // 80 ms at 16 kHz
/**
 * A generation that stopped at an end sentinel already waiting when it began: what a client runs
 * to flush a failed generation's queue, throwing its text away (the audio goes again).
 */
const FLUSHED = 'queue flushed';

interface State {
  validated: boolean;
  /** Connection sample where the queue's unread audio begins. */
  queueStart: number;
  /** Program sample of `queueStart`, once located. */
  programStart: number | null;
  generation: { emitted: number; nextStep: number } | null;
  finalPending: boolean;
  /** End sentinels waiting in the queue, at these connection samples. */
  sentinels: number[];
  failed: boolean;
}

export class FakeVllm extends FakeService {
  readonly options: FakeVllmOptions;
  /** Final commits, in program samples (where each generation was closed). */
  readonly finalCommits: number[] = [];
  readonly plainCommits: number[] = [];
  lostSamples = 0;
  /** `processing_error`s sent for failed generations. */
  failures = 0;
  readonly #states = new Map<FakeConnection, State>();

  constructor(options: FakeVllmOptions) {
    super(options.faults ?? {});
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/realtime`;
  }

  /** Audio whose text a client kept: the accounted audio without queue flushes, in order. */
  transcribedAudio(): Int16Array {
    return joinSamples(
      this.ledger
        .filter((entry) => entry.why !== FLUSHED)
        .map((entry) => this.connections.find((c) => c.index === entry.connection)!.audio.slice(entry.from, entry.to)),
    );
  }

  protected authorize(request: IncomingMessage): Refusal | null {
    // Starlette refuses a WebSocket on a path no route matches with HTTP 403.
    if (request.url?.split('?')[0] !== '/v1/realtime') return { status: 403, body: '' };
    return null;
  }

  protected onConnection(conn: FakeConnection): void {
    this.#states.set(conn, {
      validated: false,
      queueStart: 0,
      programStart: null,
      generation: null,
      finalPending: false,
      sentinels: [],
      failed: false,
    });
    conn.send({ type: 'session.created', id: `sess-${conn.index}`, created: Math.floor(Date.now() / 1000) });
  }

  protected onMessage(conn: FakeConnection, data: Buffer, isBinary: boolean): void {
    const state = this.#states.get(conn)!;
    if (isBinary) return; // receive_text() would raise and end the connection; our client never sends binary
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.#error(conn, 'Invalid JSON', 'invalid_json');
    }
    switch (event['type']) {
      case 'session.update':
        if (typeof event['model'] !== 'string') return this.#error(conn, "'model'", 'processing_error');
        state.validated = true; // vLLM checks the model but does not send the result
        return;
      case 'input_audio_buffer.append':
        return this.#append(conn, state, event['audio']);
      case 'input_audio_buffer.commit':
        if (!state.validated)
          return this.#error(
            conn,
            'Model not validated. Make sure to validate the model by sending a session.update event.',
            'model_not_validated',
          );
        return event['final'] === true ? this.#final(conn, state) : this.#start(conn, state);
      default:
        return this.#error(conn, `Unknown event type: ${String(event['type'])}`, 'unknown_event');
    }
  }

  #append(conn: FakeConnection, state: State, audio: unknown): void {
    const bytes = typeof audio === 'string' ? Buffer.from(audio, 'base64') : Buffer.alloc(0);
    if (bytes.length < 2) return this.#error(conn, 'Invalid audio data', 'invalid_audio');
    const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)));
    if (state.finalPending) {
      this.lostSamples += samples.length; // behind the end sentinel: cleared at done
      return;
    }
    conn.audio.append(samples);
    this.#step(conn, state);
    const drop = this.options.dropAtProgramSample;
    const at = this.#program(conn, state, conn.audio.length);
    if (drop !== undefined && conn.index === 1 && at !== null && at > drop) conn.drop();
  }

  #start(conn: FakeConnection, state: State): void {
    if (state.generation) return; // "Generation already in progress, ignoring commit"
    const sentinel = state.sentinels[0];
    if (sentinel !== undefined) {
      // The generation reads up to the waiting sentinel and ends at once.
      state.generation = { emitted: 0, nextStep: Infinity };
      return this.#done(conn, state, sentinel, FLUSHED);
    }
    const at = this.#program(conn, state, conn.audio.length);
    if (at !== null) this.plainCommits.push(at);
    state.generation = { emitted: 0, nextStep: state.queueStart + STEP_SAMPLES };
    this.#step(conn, state);
  }

  #final(conn: FakeConnection, state: State): void {
    const generation = state.generation;
    if (!generation) {
      state.sentinels.push(conn.audio.length); // no generation reads it yet: it waits in the queue
      return;
    }
    state.finalPending = true;
    const at = this.#program(conn, state, conn.audio.length);
    if (at !== null) this.finalCommits.push(at);
    const end = conn.audio.length;
    setTimeout(() => {
      if (conn.closed) return;
      if (this.#failsNow(conn, state, end, 'closing')) {
        state.sentinels.push(end); // the generation died before it read the sentinel
        return this.#fail(conn, state, end);
      }
      this.#done(conn, state, end);
    }, this.options.doneDelayMs ?? 40).unref();
  }

  /** The generation read its audio up to `end`: the rest of its words, `done`, then the queue is cleared. */
  #done(conn: FakeConnection, state: State, end: number, why = 'generation done'): void {
    const generation = state.generation!;
    const words = this.#heard(conn, state, end);
    conn.send({
      type: 'transcription.delta',
      delta: words
        .slice(generation.emitted)
        .map((w) => ` ${w}`)
        .join(''),
    });
    conn.send({
      type: 'transcription.done',
      text: words.map((w) => ` ${w}`).join(''),
      usage: { prompt_tokens: 0, total_tokens: 0, completion_tokens: words.length },
    });
    this.account(conn, end, why);
    // Cleared: whatever was queued behind the end never reaches a generation.
    this.lostSamples += conn.audio.length - end;
    this.discard(conn, conn.audio.length);
    this.#restartQueue(state, conn.audio.length);
  }

  /** `_run_generation` raised: an error, no `done`, and the audio it had read is gone. */
  #fail(conn: FakeConnection, state: State, readUntil: number): void {
    state.failed = true;
    this.failures += 1;
    conn.send({
      type: 'error',
      error: 'CUDA error: an illegal memory access was encountered',
      code: 'processing_error',
    });
    this.discard(conn, readUntil);
    const waiting = state.sentinels.filter((at) => at >= readUntil); // not cleared: still queued
    this.#restartQueue(state, readUntil);
    state.sentinels = waiting;
  }

  #failsNow(conn: FakeConnection, state: State, readUntil: number, when: 'streaming' | 'closing'): boolean {
    const fail = this.options.failGeneration;
    if (!fail || fail.when !== when || conn.index !== 1 || state.failed) return false;
    const at = this.#program(conn, state, readUntil);
    return at !== null && at > fail.atProgramSample;
  }

  #restartQueue(state: State, at: number): void {
    state.queueStart = at;
    state.programStart = null;
    state.generation = null;
    state.finalPending = false;
    state.sentinels = [];
  }

  /** A running generation reads what is queued: a delta per 80 ms, naming the words finished by then. */
  #step(conn: FakeConnection, state: State): void {
    const generation = state.generation;
    if (!generation || state.finalPending) return;
    while (generation.nextStep <= conn.audio.length) {
      if (this.#failsNow(conn, state, generation.nextStep, 'streaming'))
        return this.#fail(conn, state, conn.audio.length);
      const words = this.#heard(conn, state, generation.nextStep, true);
      conn.send({
        type: 'transcription.delta',
        delta: words
          .slice(generation.emitted)
          .map((w) => ` ${w}`)
          .join(''),
      });
      generation.emitted = words.length;
      generation.nextStep += STEP_SAMPLES;
    }
  }

  /** The words of this generation's audio up to connection sample `end` (only finished ones while streaming). */
  #heard(conn: FakeConnection, state: State, end: number, finishedOnly = false): string[] {
    const from = this.#program(conn, state, state.queueStart);
    const to = this.#program(conn, state, end);
    if (from === null || to === null) return [];
    const words = this.options.program.utterances.flatMap((u) => u.words);
    return finishedOnly
      ? words.filter((w) => w.mid >= from && w.end <= to).map((w) => w.text)
      : wordsIn(this.options.program, from, to);
  }

  /** Connection sample → program sample, placing the queue's audio in the program by its first 64 samples. */
  #program(conn: FakeConnection, state: State, connSample: number): number | null {
    if (state.programStart === null && conn.audio.length >= state.queueStart + 64)
      state.programStart = locate(this.options.program, conn.audio.slice(state.queueStart, state.queueStart + 64));
    return state.programStart === null ? null : state.programStart + connSample - state.queueStart;
  }

  #error(conn: FakeConnection, error: string, code: string): void {
    conn.send({ type: 'error', error, code });
  }
}
