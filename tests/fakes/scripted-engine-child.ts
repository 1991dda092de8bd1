import { ENGINE_CONFIG_ENV, parseEngineConfig, type EngineChildMessage } from '../../src/shared/engine-process.ts';
import { parentEnvelopeSchema, type ChildEnvelope } from '../../src/shared/process-envelope.ts';
import type { ChildHandle, SpawnChild, SpawnOptions } from '../../src/platform/process/types.ts';

/**
 * Fake engine children for tests of the restart policy (src/core/engine-host/launcher.ts):
 * each life of the process is scripted. 'up' says `listening` then `ready` and runs until
 * told to crash; 'crash' dies at once. They speak the real engine process protocol, built
 * and read with its own schemas (src/shared/engine-process.ts, src/shared/process-envelope.ts),
 * as src/engine/main.ts does (its source is our own engine, no outside server); the real engine
 * runs in tests/integration/engine-process.test.ts.
 */
export type Life = 'up' | 'crash';

export const SCRIPTED_MODEL = { name: 'scripted', kind: 'online', sampleRate: 16_000, language: 'en' } as const;

export class FakeEngineChild implements ChildHandle {
  readonly pid: number;
  #onMessage: (raw: unknown) => void = () => {};
  readonly #onExit: ((code: number | null, signal: string | null) => void)[] = [];
  #exited = false;

  constructor(pid: number, options: SpawnOptions, life: Life) {
    this.pid = pid;
    const config = parseEngineConfig(options.env?.[ENGINE_CONFIG_ENV]);
    // After ProcessHost subscribed (it does so synchronously after spawn), as a real child would.
    queueMicrotask(() => {
      if (life === 'crash') return this.crash();
      const listening: EngineChildMessage = {
        type: 'listening',
        url: `ws://${config.host}:${config.port}/v1/realtime`,
        port: config.port,
        token: config.token,
        model: SCRIPTED_MODEL,
      };
      this.#say({ message: listening });
      this.#say({ control: { type: 'ready' } });
    });
  }

  crash(): void {
    this.#exit(134);
  }
  postMessage(raw: unknown): void {
    // The only thing a parent sends here is the shutdown control word.
    if ('control' in parentEnvelopeSchema.parse(raw)) queueMicrotask(() => this.#exit(0));
  }
  onMessage(listener: (raw: unknown) => void): void {
    this.#onMessage = listener;
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.#onExit.push(listener);
  }
  onStderr(): void {}
  kill(): void {
    this.#exit(137);
  }
  #say(envelope: ChildEnvelope): void {
    this.#onMessage(envelope);
  }
  #exit(code: number): void {
    if (this.#exited) return;
    this.#exited = true;
    for (const listener of this.#onExit) listener(code, null);
  }
}

/** A spawner that lives out `lives` in order (the last one repeats), noting when each child started. */
export function scriptedLives(lives: readonly Life[]): {
  spawn: SpawnChild;
  children: FakeEngineChild[];
  startedAt: number[];
  configs: string[];
} {
  const children: FakeEngineChild[] = [];
  const startedAt: number[] = [];
  const configs: string[] = [];
  return {
    children,
    startedAt,
    configs,
    spawn: (options) => {
      const life = lives[Math.min(children.length, lives.length - 1)]!;
      const child = new FakeEngineChild(1000 + children.length, options, life);
      children.push(child);
      startedAt.push(Date.now());
      configs.push(options.env?.[ENGINE_CONFIG_ENV] ?? '');
      return child;
    },
  };
}
