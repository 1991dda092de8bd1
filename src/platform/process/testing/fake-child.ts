import { parentEnvelopeSchema, type ChildControl, type ChildEnvelope } from '../../../shared/process-envelope.ts';
import type { ChildHandle, SpawnChild, SpawnOptions } from '../types.ts';

type ExitListener = (code: number | null, signal: string | null) => void;

/**
 * What a fake child does on the parent's shutdown word: exit 0 while the parent is posting it,
 * exit 0 a moment later (a microtask, as a process does), or nothing (a hung child).
 */
export type ShutdownAnswer = 'exit-at-once' | 'exit-soon' | 'hang';

/**
 * A child process stand-in over the real ChildHandle interface, for tests of what a parent
 * (ProcessHost, CaptureHost, HelperPool, the engine launcher) does with any child. It records
 * what the parent posts and the signals it is killed with; the test speaks as the child: in
 * the process envelope as ParentPort does (`send`, `control`), raw (`sayRaw`: a hand-built
 * envelope, or a stray `process.send` outside ParentPort), on stderr and stdout, or by exiting.
 * Like a real process it exits once. Real children run in process-host.test.ts and
 * tests/integration; a test whose child answers requests extends this and overrides
 * `postMessage`.
 */
export class FakeChild implements ChildHandle {
  readonly pid: number;
  readonly options: SpawnOptions;
  /** Everything the parent posted, envelopes as they came. */
  readonly received: unknown[] = [];
  readonly kills: (NodeJS.Signals | undefined)[] = [];
  onShutdown: ShutdownAnswer = 'exit-at-once';
  #onMessage: (raw: unknown) => void = () => {};
  readonly #onExit: ExitListener[] = [];
  #onStderr: (text: string) => void = () => {};
  #onStdout: (text: string) => void = () => {};
  #exited = false;

  constructor(pid: number, options: SpawnOptions = { modulePath: '/fake', name: 'fake' }) {
    this.pid = pid;
    this.options = options;
  }

  /** Records what the parent posts; anything outside the process envelope fails the test. */
  postMessage(message: unknown): void {
    this.received.push(message);
    const envelope = parentEnvelopeSchema.parse(message);
    if (!('control' in envelope) || envelope.control.type !== 'shutdown') return;
    if (this.onShutdown === 'exit-at-once') this.exit(0);
    else if (this.onShutdown === 'exit-soon') queueMicrotask(() => this.exit(0));
  }
  onMessage(listener: (raw: unknown) => void): void {
    this.#onMessage = listener;
  }
  onExit(listener: ExitListener): void {
    this.#onExit.push(listener);
  }
  onStderr(listener: (text: string) => void): void {
    this.#onStderr = listener;
  }
  onStdout(listener: (text: string) => void): void {
    this.#onStdout = listener;
  }
  kill(signal?: NodeJS.Signals): void {
    this.kills.push(signal);
    this.exit(null, signal ?? 'SIGTERM');
  }

  /** One message of the child's own protocol, in the envelope. */
  send(message: unknown): void {
    this.#onMessage({ message } satisfies ChildEnvelope);
  }
  control(control: ChildControl): void {
    this.#onMessage({ control } satisfies ChildEnvelope);
  }
  sayRaw(raw: unknown): void {
    this.#onMessage(raw);
  }
  writeStderr(text: string): void {
    this.#onStderr(text);
  }
  writeStdout(text: string): void {
    this.#onStdout(text);
  }
  exit(code: number | null, signal: string | null = null): void {
    if (this.#exited) return;
    this.#exited = true;
    for (const listener of this.#onExit) listener(code, signal);
  }
  crash(signal = 'SIGSEGV'): void {
    this.exit(null, signal);
  }
}

/**
 * A spawner that makes a new fake for each start, numbering pids from `firstPid`, and keeps
 * them in start order.
 */
export function fakeSpawner<C extends ChildHandle>(
  create: (pid: number, options: SpawnOptions) => C,
  firstPid = 1000,
): { spawn: SpawnChild; children: C[] } {
  const children: C[] = [];
  const spawn = (options: SpawnOptions): C => {
    const child = create(firstPid + children.length, options);
    children.push(child);
    return child;
  };
  return { spawn, children };
}
