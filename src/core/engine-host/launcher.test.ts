import { afterEach, describe, expect, it } from 'vitest';
import { nextEvent } from '../../../tests/helpers/process-events.ts';
import {
  ENGINE_CONFIG_ENV,
  engineChildMessageSchema,
  parseEngineConfig,
  type EngineChildConfig,
  type EngineChildMessage,
} from '../../shared/engine-process.ts';
import type { ChildEnvelope } from '../../shared/process-envelope.ts';
import { spawnNodeChild } from '../../platform/process/node-spawn.ts';
import { ProcessHost } from '../../platform/process/process-host.ts';
import { FakeChild, type ShutdownAnswer } from '../../platform/process/testing/fake-child.ts';
import type { SpawnChild, SpawnOptions } from '../../platform/process/types.ts';
import { ENGINE_ENTRY } from './entry.ts';
import { startLocalEngine, type LocalEngine } from './launcher.ts';

/**
 * The launcher against scripted engine children (the real engine with a real model runs in
 * tests/integration/engine-process.test.ts), and the real engine entry refusing a malformed
 * configuration, which needs no model.
 */
type Script = (config: EngineChildConfig, say: (envelope: ChildEnvelope) => void, exit: (code: number) => void) => void;

const MODEL = { name: 'scripted', kind: 'online', sampleRate: 16_000, language: 'en' } as const;

/** An engine child that plays its script once the host has subscribed, as a real process would be. */
class ScriptedEngine extends FakeChild {
  override onShutdown: ShutdownAnswer = 'exit-soon';

  constructor(options: SpawnOptions, script: Script) {
    super(4242, options);
    const config = parseEngineConfig(options.env?.[ENGINE_CONFIG_ENV]);
    setImmediate(() =>
      script(
        config,
        (envelope) => this.sayRaw(envelope),
        (code) => this.exit(code),
      ),
    );
  }
  override kill(): void {
    this.exit(137);
  }
}

function scripted(script: Script): { spawn: SpawnChild; spawned: SpawnOptions[] } {
  const spawned: SpawnOptions[] = [];
  return {
    spawned,
    spawn: (options) => {
      spawned.push(options);
      return new ScriptedEngine(options, script);
    },
  };
}

const listens: Script = (config, say) => {
  say({
    message: {
      type: 'listening',
      url: `ws://${config.host}:${config.port}/v1/realtime`,
      port: config.port,
      token: config.token,
      model: MODEL,
    } satisfies EngineChildMessage,
  });
  say({ control: { type: 'ready' } });
};

let engine: LocalEngine | null = null;
afterEach(async () => {
  await engine?.stop();
  engine = null;
});

describe('startLocalEngine', () => {
  it('hands the engine a valid configuration and takes its address and model from `listening`', async () => {
    const { spawn, spawned } = scripted(listens);
    engine = await startLocalEngine({
      spawn,
      modulePath: '/engine.js',
      modelDir: '/models/m',
      token: 'tok-123',
      port: 40_001,
    });
    expect(parseEngineConfig(spawned[0]!.env?.[ENGINE_CONFIG_ENV])).toEqual({
      modelDir: '/models/m',
      vadModelPath: null,
      host: '127.0.0.1',
      port: 40_001,
      token: 'tok-123',
    });
    expect(engine.url).toBe('ws://127.0.0.1:40001/v1/realtime');
    expect(engine.modelInfo).toEqual(MODEL);
  });

  it('rejects with the code and message of `start_failed`, without restarting', async () => {
    const { spawn, spawned } = scripted((_config, say, exit) => {
      say({ message: { type: 'start_failed', code: 'MODEL_MISSING', message: 'No model in /models/m.' } });
      say({ control: { type: 'fatal', error: { name: 'EarshotError', message: 'No model in /models/m.' } } });
      exit(1);
    });
    await expect(startLocalEngine({ spawn, modulePath: '/engine.js', modelDir: '/models/m' })).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: 'No model in /models/m.',
    });
    expect(spawned).toHaveLength(1);
  });

  it('drops a `listening` message its schema refuses, then fails for want of an address', async () => {
    const { spawn } = scripted((_config, say) => {
      say({ message: { type: 'listening', url: 42 } });
      say({ control: { type: 'ready' } });
    });
    await expect(startLocalEngine({ spawn, modulePath: '/engine.js', modelDir: '/models/m' })).rejects.toMatchObject({
      code: 'ENGINE_START_FAILED',
      message: 'The engine process said ready without reporting its address.',
    });
  });

  it('refuses options that make no valid configuration, before starting anything', async () => {
    const { spawn, spawned } = scripted(listens);
    await expect(
      startLocalEngine({ spawn, modulePath: '/engine.js', modelDir: '/models/m', port: 70_000 }),
    ).rejects.toMatchObject({ code: 'ENGINE_START_FAILED', message: expect.stringContaining('port') as unknown });
    expect(spawned).toEqual([]);
  });
});

describe('the engine process entry', () => {
  it('reports ENGINE_START_FAILED naming the fields of a malformed configuration, and exits', async () => {
    const host = new ProcessHost<unknown, never>({
      name: 'engine',
      spawn: spawnNodeChild,
      modulePath: ENGINE_ENTRY,
      env: { [ENGINE_CONFIG_ENV]: JSON.stringify({ modelDir: 7, host: '127.0.0.1', port: 1, token: 't' }) },
      maxRestarts: 0,
    });
    const said = nextEvent<[unknown]>(host, 'message', 'the engine’s start_failed message', { timeoutMs: 20_000 });
    const started = host.start();
    expect(engineChildMessageSchema.parse((await said)[0])).toEqual({
      type: 'start_failed',
      code: 'ENGINE_START_FAILED',
      message: 'EARSHOT_ENGINE_CONFIG is malformed: modelDir: Invalid input: expected string, received number',
    });
    await expect(started).rejects.toThrow('engine process failed: EarshotError: EARSHOT_ENGINE_CONFIG is malformed');
  }, 30_000);
});
