import type { IncomingMessage } from 'node:http';
import { FakeService, type FakeConnection, type FaultPlan, type Refusal } from './fake-base.ts';
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
 *   audio appended between the final commit and `done` is lost (counted in `lostSamples`).
 *
 * It cannot recognise speech: it is given the program it will be played (spoken-program.ts) and
 * "hears" the words whose middle lies in a generation's audio. Accounting (fake-base.ts): a
 * generation's audio is accounted at its `done`.
 */
export interface FakeVllmOptions {
  readonly program: SpokenProgram;
  readonly model?: string;
  /** Time a generation needs after the final commit before `done` (the loss window). */
  readonly doneDelayMs?: number;
  /** Connection 1 is dropped (FIN, no close frame) once it has received audio past this program sample. */
  readonly dropAtProgramSample?: number;
  readonly faults?: FaultPlan;
}

const STEP_SAMPLES = 1280; // 80 ms at 16 kHz

interface State {
  validated: boolean;
  offset: number | null;
  /** Connection sample where the queue's audio begins (after the last clear). */
  queueStart: number;
  generation: { emitted: number; nextStep: number } | null;
  finalPending: boolean;
}

export class FakeVllm extends FakeService {
  readonly options: FakeVllmOptions;
  /** Final commits, in program samples (where each generation was closed). */
  readonly finalCommits: number[] = [];
  readonly plainCommits: number[] = [];
  lostSamples = 0;
  readonly #states = new Map<FakeConnection, State>();

  constructor(options: FakeVllmOptions) {
    super(options.faults ?? {});
    this.options = options;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/v1/realtime`;
  }

  protected authorize(request: IncomingMessage): Refusal | null {
    // Starlette refuses a WebSocket on a path no route matches with HTTP 403.
    if (request.url?.split('?')[0] !== '/v1/realtime') return { status: 403, body: '' };
    return null;
  }

  protected onConnection(conn: FakeConnection): void {
    this.#states.set(conn, { validated: false, offset: null, queueStart: 0, generation: null, finalPending: false });
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
    if (state.offset === null) state.offset = locate(this.options.program, conn.audio.slice(0, 64));
    this.#step(conn, state);
    const drop = this.options.dropAtProgramSample;
    if (drop !== undefined && conn.index === 1 && state.offset !== null && state.offset + conn.audio.length > drop)
      conn.drop();
  }

  #start(conn: FakeConnection, state: State): void {
    if (state.generation) return; // "Generation already in progress, ignoring commit"
    this.plainCommits.push(this.#program(state, conn.audio.length));
    state.generation = { emitted: 0, nextStep: state.queueStart + STEP_SAMPLES };
    this.#step(conn, state);
  }

  #final(conn: FakeConnection, state: State): void {
    const generation = state.generation;
    if (!generation) return; // the sentinel waits in the queue; no generation reads it yet
    state.finalPending = true;
    this.finalCommits.push(this.#program(state, conn.audio.length));
    setTimeout(() => {
      if (conn.closed) return;
      const end = conn.audio.length;
      const words = this.#heard(state, end);
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
      this.account(conn, end, 'generation done');
      state.queueStart = end;
      state.generation = null;
      state.finalPending = false;
    }, this.options.doneDelayMs ?? 40).unref();
  }

  /** A running generation reads what is queued: a delta per 80 ms, naming the words finished by then. */
  #step(conn: FakeConnection, state: State): void {
    const generation = state.generation;
    if (!generation || state.finalPending) return;
    while (generation.nextStep <= conn.audio.length) {
      const words = this.#heard(state, generation.nextStep, true);
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
  #heard(state: State, end: number, finishedOnly = false): string[] {
    if (state.offset === null) return [];
    const from = this.#program(state, state.queueStart);
    const to = this.#program(state, end);
    const words = this.options.program.utterances.flatMap((u) => u.words);
    return finishedOnly
      ? words.filter((w) => w.mid >= from && w.end <= to).map((w) => w.text)
      : wordsIn(this.options.program, from, to);
  }

  #program(state: State, connSample: number): number {
    return (state.offset ?? 0) + connSample;
  }

  #error(conn: FakeConnection, error: string, code: string): void {
    conn.send({ type: 'error', error, code });
  }
}
