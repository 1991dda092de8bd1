import type { ProviderId } from './session.ts';

/**
 * What Settings, the provider picker and the CLI know about each speech service before
 * connecting: its name, whether it is somebody's server (a URL to enter, a key that is
 * optional and bound to that URL), and whether it needs the name of the model it serves.
 * One table, so the three front ends ask for the same things and refuse the same gaps.
 */

/** Services a team runs itself: each has a URL (and maybe a key bound to it) in Settings. */
export const serverProviders = ['openai-compatible', 'vllm', 'speaches', 'riva'] as const;
export type ServerProvider = (typeof serverProviders)[number];

export interface ProviderPreset {
  readonly name: string;
  readonly kind: 'local' | 'cloud' | 'server';
  /** A key must be set before a session can start (cloud services). */
  readonly keyRequired: boolean;
  /** A session cannot start without a model name (the server would refuse or ignore it). */
  readonly modelRequired: boolean;
  /** The server's usual address, shown as the URL field's placeholder. */
  readonly exampleUrl: string | null;
  /** A model name the service is commonly run with, shown as the model field's hint. */
  readonly exampleModel: string | null;
}

export const PROVIDER_PRESETS: Readonly<Record<ProviderId, ProviderPreset>> = {
  local: {
    name: 'This computer (offline)',
    kind: 'local',
    keyRequired: false,
    modelRequired: false,
    exampleUrl: null,
    exampleModel: null,
  },
  openai: {
    name: 'OpenAI',
    kind: 'cloud',
    keyRequired: true,
    modelRequired: false,
    exampleUrl: null,
    exampleModel: 'gpt-4o-transcribe',
  },
  'openai-compatible': {
    name: 'OpenAI-compatible server',
    kind: 'server',
    keyRequired: false,
    modelRequired: false,
    exampleUrl: 'wss://speech.example.org/v1/realtime',
    exampleModel: null,
  },
  // vLLM's realtime endpoint takes the served model in its first `session.update`, and refuses
  // audio before it (vllm-project/vllm, vllm/entrypoints/openai/realtime/).
  vllm: {
    name: 'vLLM',
    kind: 'server',
    keyRequired: false,
    modelRequired: true,
    exampleUrl: 'ws://gpu-box:8000/v1/realtime',
    exampleModel: 'mistralai/Voxtral-Mini-4B-Realtime-2602',
  },
  // Speaches declares `model` a required query parameter of /v1/realtime; without it the
  // handshake fails with HTTP 403 (speaches-ai/speaches, src/speaches/routers/realtime_ws.py).
  speaches: {
    name: 'Speaches',
    kind: 'server',
    keyRequired: false,
    modelRequired: true,
    exampleUrl: 'ws://gpu-box:8000/v1/realtime',
    exampleModel: 'Systran/faster-distil-whisper-small.en',
  },
  // Riva ASR NIM serves realtime on port 9000 with its deployed model by default
  // (docs.nvidia.com/nim/riva/asr/latest/realtime-asr.html).
  riva: {
    name: 'NVIDIA Riva / NIM',
    kind: 'server',
    keyRequired: false,
    modelRequired: false,
    exampleUrl: 'ws://gpu-box:9000/v1/realtime',
    exampleModel: null,
  },
  deepgram: {
    name: 'Deepgram',
    kind: 'cloud',
    keyRequired: true,
    modelRequired: false,
    exampleUrl: null,
    exampleModel: 'nova-3',
  },
  assemblyai: {
    name: 'AssemblyAI',
    kind: 'cloud',
    keyRequired: true,
    modelRequired: false,
    exampleUrl: null,
    exampleModel: null,
  },
};

export function isServerProvider(id: ProviderId): id is ServerProvider {
  return (serverProviders as readonly string[]).includes(id);
}

/**
 * What is wrong with the model given for a provider, or null. The sentence says what to
 * enter and, where Settings and the CLI differ, leaves the "where" to the caller.
 */
export function modelProblem(id: ProviderId, model: string | undefined): string | null {
  const preset = PROVIDER_PRESETS[id];
  if (!preset.modelRequired || (model ?? '').trim() !== '') return null;
  const example = preset.exampleModel ? ` (for example ${preset.exampleModel})` : '';
  return `${preset.name} needs the name of the model it serves${example}`;
}
