import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeEngines } from '../../../tests/fakes/fake-launchers.ts';
import { EarshotError } from '../../shared/errors.ts';
import { SettingsStore } from '../settings/settings-store.ts';
import { ProviderResolver } from './provider-resolver.ts';

/** Socket-free: the fake engines listen nowhere; only what the resolver hands a session is checked. */
let dir: string;
let settings: SettingsStore;
let engines: FakeEngines;
let keys: Map<string, string>;
let resolver: ProviderResolver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-providers-'));
  settings = await SettingsStore.open(dir);
  engines = new FakeEngines({ serve: false });
  keys = new Map();
  resolver = new ProviderResolver({
    settings,
    secrets: {
      set: (name, value) => Promise.resolve(void keys.set(name, value)),
      get: (name) => Promise.resolve(keys.get(name) ?? null),
      delete: (name) => Promise.resolve(void keys.delete(name)),
      has: (name) => Promise.resolve(keys.has(name)),
    },
    spawn: () => {
      throw new Error('no child process here');
    },
    launchEngine: engines.launch,
    engineEntry: 'engine-entry.js',
    modelsDir: join(dir, 'models'),
    vadModelPath: join(dir, 'vad.onnx'),
    resolveModelDir: (modelId) => {
      if (modelId === 'gone') return Promise.reject(new EarshotError('MODEL_MISSING'));
      return Promise.resolve(join(dir, 'models', modelId ?? 'default-model'));
    },
  });
});

afterEach(async () => {
  await resolver.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('ProviderResolver', () => {
  it('starts the engine on first use, keeps it warm, and restarts it for another model', async () => {
    const first = await resolver.resolve('local');
    expect(engines.started).toHaveLength(1);
    const engine = engines.started[0]!;
    expect(first).toEqual({ id: 'local', url: engine.url, apiKey: engine.token, language: settings.get().language });
    expect(engine.options).toMatchObject({
      modulePath: 'engine-entry.js',
      modelDir: join(dir, 'models', 'default-model'),
      vadModelPath: join(dir, 'vad.onnx'),
    });

    await resolver.resolve('local');
    expect(engines.started).toHaveLength(1);

    const other = await resolver.resolve('local', 'other-model');
    expect(engines.started).toHaveLength(2);
    expect(engine.stopped).toBe(true);
    expect(other.apiKey).toBe(engines.started[1]!.token);

    await resolver.dispose();
    expect(engines.started[1]!.stopped).toBe(true);
    expect(resolver.engine).toBeNull();
  });

  it('passes an engine start failure on with its code, and tries again next time', async () => {
    engines.failWith = new EarshotError('ENGINE_START_FAILED', 'The engine process did not start: exit 1');
    await expect(resolver.resolve('local')).rejects.toMatchObject({ code: 'ENGINE_START_FAILED' });
    expect(resolver.engine).toBeNull();
    engines.failWith = null;
    await resolver.resolve('local');
    expect(resolver.engine).toBe(engines.started[0]);
  });

  it('says which model is missing before starting any engine', async () => {
    await expect(resolver.resolve('local', 'gone')).rejects.toMatchObject({ code: 'MODEL_MISSING' });
    expect(engines.started).toEqual([]);
  });

  it('gives cloud providers their key and settings, and refuses without a key', async () => {
    await expect(resolver.resolve('openai')).rejects.toMatchObject({ code: 'PROVIDER_KEY_MISSING' });
    await expect(resolver.resolve('deepgram')).rejects.toMatchObject({ code: 'PROVIDER_KEY_MISSING' });
    keys.set('openai', 'sk-test');
    keys.set('assemblyai', 'aai-test');
    await settings.update({ openaiModel: 'gpt-4o-mini-transcribe', language: 'de' });
    expect(await resolver.resolve('openai')).toEqual({
      id: 'openai',
      apiKey: 'sk-test',
      model: 'gpt-4o-mini-transcribe',
      language: 'de',
    });
    expect(await resolver.resolve('assemblyai')).toEqual({ id: 'assemblyai', apiKey: 'aai-test', language: 'de' });
    expect(engines.started).toEqual([]);
  });

  it('needs a URL for an OpenAI-compatible server, maps it to the realtime path, and sends a key only if one is set', async () => {
    await expect(resolver.resolve('openai-compatible')).rejects.toMatchObject({
      code: 'PROVIDER_URL_INVALID',
      message: 'Set the OpenAI-compatible server address in Settings first.',
    });
    await settings.update({ compatibleUrl: 'http://127.0.0.1:8000/v1', compatibleTurnDetection: 'manual' });
    expect(await resolver.resolve('openai-compatible')).toEqual({
      id: 'openai-compatible',
      url: 'ws://127.0.0.1:8000/v1/realtime',
      language: settings.get().language,
      turnDetection: 'manual',
      sampleRate: 24_000,
      maxSessionMs: 60 * 60_000,
    });
  });

  it('gives a vLLM or Speaches server its address and the model it serves', async () => {
    await settings.update({ vllmUrl: 'https://gpu-box.example/', speachesUrl: 'ws://10.0.0.5:8000/v1/realtime' });
    expect(await resolver.resolve('vllm')).toMatchObject({
      id: 'vllm',
      url: 'wss://gpu-box.example/v1/realtime',
      model: 'mistralai/Voxtral-Mini-4B-Realtime-2602',
    });
    expect(await resolver.resolve('speaches')).toMatchObject({
      id: 'speaches',
      url: 'ws://10.0.0.5:8000/v1/realtime',
      model: 'Systran/faster-distil-whisper-small.en',
    });
    await expect(resolver.resolve('riva')).rejects.toMatchObject({ code: 'PROVIDER_URL_INVALID' });
  });

  it('sends no key to a self-hosted Deepgram, which authorizes at its container', async () => {
    await settings.update({ deepgramUrl: 'http://deepgram.internal:8080' });
    expect(await resolver.resolve('deepgram')).toEqual({
      id: 'deepgram',
      url: 'ws://deepgram.internal:8080/',
      model: 'nova-3',
      language: settings.get().language,
    });
  });
});
