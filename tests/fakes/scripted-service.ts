import {
  pcmBytes,
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderEvent,
  type ProviderStream,
  type ReplayPacing,
  type WireMessage,
} from '../../src/core/providers/types.ts';
import { classifyHttpStatus } from '../../src/core/providers/close-verdicts.ts';
import type { OpenTransport, Transport, TransportListener } from '../../src/core/session/transport.ts';

/**
 * A provider and its service in memory, for socket-free session tests under vi.useFakeTimers.
 *
 * This fakes no real service (so it has no outside source to name): it speaks the session's own provider seam
 * (src/core/providers/types.ts) directly. The service sends ProviderEvents as JSON and the
 * stream passes them through, so a test scripts exactly what the service says and when:
 * `ready`, `settled`, transcripts, `ended`, a dropped network. The real services' wire
 * protocols are tested against the fakes beside this file (tests/integration/session-*).
 *
 * The socket is replaced through SessionOptions.openTransport. Like a real socket, nothing
 * the client does is answered from inside its own call: opening, pongs, close answers and
 * the answer to an end of stream arrive on a microtask, so a test awaits (or advances fake
 * time) to see them. What the test scripts arrives at once.
 */
export const SCRIPTED_RATE = 16_000;

/** What the service sends: a provider event, or whether speech is going on (for rotation's turn boundary). */
type ServiceMessage =
  { readonly type: 'event'; readonly event: ProviderEvent } | { readonly type: 'turn'; readonly inTurn: boolean };

class ScriptedStream implements ProviderStream {
  #inTurn = false;

  onOpen(): { send: readonly WireMessage[]; events: readonly ProviderEvent[] } {
    return { send: [], events: [] };
  }

  encodeAudio(samples: Int16Array): readonly WireMessage[] {
    return [pcmBytes(samples)];
  }

  decode(data: Buffer): { send: readonly WireMessage[]; events: readonly ProviderEvent[] } {
    const message = JSON.parse(data.toString('utf8')) as ServiceMessage;
    if (message.type === 'event') return { send: [], events: [message.event] };
    this.#inTurn = message.inTurn;
    return { send: [], events: [{ kind: 'ignored', type: 'turn' }] };
  }

  flush(): readonly WireMessage[] {
    return [];
  }

  end(): readonly WireMessage[] {
    return [JSON.stringify({ type: 'end' })];
  }

  keepAlive(): WireMessage {
    return JSON.stringify({ type: 'keepalive' });
  }

  inTurn(): boolean {
    return this.#inTurn;
  }

  hasBatchedAudio(): boolean {
    return false;
  }

  maybeCommit(): readonly WireMessage[] | null {
    return null;
  }

  classifyClose(code: number, reason: string): CloseVerdict {
    return { retry: true, code: 'WS_CLOSED', message: `The scripted service closed (${code} ${reason}).` };
  }
}

class ScriptedAdapter implements ProviderAdapter {
  readonly id = 'local';
  readonly label = 'Scripted service';
  readonly sampleRate = SCRIPTED_RATE;
  readonly maxSessionMs = null;
  readonly replayPacing: ReplayPacing | null;

  constructor(replayPacing: ReplayPacing | null) {
    this.replayPacing = replayPacing;
  }

  connectRequest(): ConnectRequest {
    return { url: 'scripted://service', headers: {} };
  }

  createStream(): ProviderStream {
    return new ScriptedStream();
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

/** One socket, seen from the service's side. `index` is 1-based, in the order the session opened them. */
export class ScriptedConnection {
  readonly index: number;
  /** Control messages received, by type, in order (`end`, `keepalive`). */
  readonly controls: string[] = [];
  /** Answer pings (a peer that stops is dropped by the session's heartbeat). */
  answersPings = true;
  /** Answer the client's end of stream with `ended` (everything received is accounted for). */
  answersEnd = true;
  /** How the socket ended: the client's close, its terminate (1006), or the service's `drop()`. */
  closedWith: { readonly code: number; readonly reason: string } | null = null;
  /** The session's end of the socket. */
  readonly socket: Transport;
  #state: 'connecting' | 'open' | 'closed' = 'connecting';
  readonly #listener: TransportListener;
  readonly #audio: Int16Array[] = [];

  /** `refused`: the service is down (a closed port); `autoReady`: say `ready` once open. */
  constructor(index: number, listener: TransportListener, how: { refused: boolean; autoReady: boolean }) {
    this.index = index;
    this.#listener = listener;
    this.socket = {
      send: (message) => this.#receive(message),
      ping: () => this.answersPings && later(() => this.isOpen && listener.pong()),
      close: (reason) => this.#clientClose(1000, reason),
      terminate: () => this.#clientClose(1006, ''),
    };
    later(() => {
      if (how.refused) {
        this.#state = 'closed';
        listener.failed(null, 'connect ECONNREFUSED 127.0.0.1');
        return;
      }
      if (this.#state !== 'connecting') return;
      this.#state = 'open';
      listener.opened();
      if (how.autoReady && this.isOpen) this.ready();
    });
  }

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** How many audio messages arrived (the session joins frames that were pending together). */
  get audioMessages(): number {
    return this.#audio.length;
  }

  /** All audio received, concatenated (connection sample 0 first). */
  get audio(): Int16Array {
    return concat(this.#audio);
  }

  /** The service is configured: audio may flow (`expiresAtMs`: its announced deadline, epoch ms). */
  ready(expiresAtMs?: number): void {
    this.say(expiresAtMs === undefined ? { kind: 'ready' } : { kind: 'ready', expiresAtMs });
  }

  /** Accounts for every sample before `untilSample` (connection-relative). */
  settle(untilSample: number): void {
    this.say({ kind: 'settled', untilSample });
  }

  /** Text of segment `key`; times are connection-relative ms, as every provider reports them. */
  text(key: string, text: string, isFinal: boolean, startMs?: number, endMs?: number): void {
    this.say({
      kind: 'transcript',
      key,
      text,
      isFinal,
      ...(startMs === undefined ? {} : { startMs }),
      ...(endMs === undefined ? {} : { endMs }),
    });
  }

  /** Speech started (true) or a turn ended (false): rotation switches only outside a turn. */
  turn(inTurn: boolean): void {
    this.#deliver({ type: 'turn', inTurn });
  }

  say(event: ProviderEvent): void {
    this.#deliver({ type: 'event', event });
  }

  /** The network drops the connection: no close frame, 1006. */
  drop(): void {
    this.#expectOpen('drop');
    this.#close(1006, '');
  }

  #receive(message: WireMessage): void {
    if (this.#state !== 'open') return;
    if (typeof message !== 'string') {
      this.#audio.push(
        new Int16Array(message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength)),
      );
      return;
    }
    const { type } = JSON.parse(message) as { type: string };
    this.controls.push(type);
    if (type === 'end' && this.answersEnd) later(() => this.isOpen && this.say({ kind: 'ended' }));
  }

  /** The client closes (1000) or terminates (1006); the answer comes later, like a close frame. */
  #clientClose(code: number, reason: string): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'connecting') {
      this.#state = 'closed';
      later(() => this.#listener.failed(null, `closed before opening (${code})`));
      return;
    }
    later(() => this.#close(code, reason));
  }

  #close(code: number, reason: string): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    this.closedWith = { code, reason };
    this.#listener.closed(code, reason);
  }

  #deliver(message: ServiceMessage): void {
    this.#expectOpen(message.type);
    this.#listener.message(Buffer.from(JSON.stringify(message)), false);
  }

  #expectOpen(what: string): void {
    if (this.#state !== 'open') throw new Error(`connection ${this.index} is ${this.#state}; cannot ${what}`);
  }
}

export interface ScriptedServiceOptions {
  /** Each connection says `ready` as soon as it opens (default true). */
  readonly autoReady?: boolean;
  readonly replayPacing?: ReplayPacing | null;
}

/** The service: hands out connections, refuses them during an outage. */
export class ScriptedService {
  readonly adapter: ProviderAdapter;
  readonly connections: ScriptedConnection[] = [];
  /** An outage: new connections are refused like a closed port. */
  refusing = false;
  /** New connections answer the end of stream by themselves (their `answersEnd`); false lets a test script its last finals first. */
  answersEnd = true;
  readonly #autoReady: boolean;

  constructor(options: ScriptedServiceOptions = {}) {
    this.adapter = new ScriptedAdapter(options.replayPacing ?? null);
    this.#autoReady = options.autoReady ?? true;
  }

  /** Pass as SessionOptions.openTransport. */
  readonly openTransport: OpenTransport = (_request, _options, listener): Transport => {
    const how = { refused: this.refusing, autoReady: this.#autoReady };
    const conn = new ScriptedConnection(this.connections.length + 1, listener, how);
    conn.answersEnd = this.answersEnd;
    this.connections.push(conn);
    return conn.socket;
  };

  /** Connection `index` (1-based); throws when the session has not opened it. */
  connection(index: number): ScriptedConnection {
    const conn = this.connections[index - 1];
    if (!conn) throw new Error(`the session opened ${this.connections.length} connections, not ${index}`);
    return conn;
  }
}

/**
 * Like a socket's answer: after the caller's stack unwound, never inside its call. A microtask
 * rather than a timer, so it arrives at the fake time it was caused (fake timers run a 0 ms
 * timer set inside a tick 1 ms later) and whenever the test awaits.
 */
function later(run: () => void): void {
  queueMicrotask(run);
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
