import { EarshotError } from '../../../shared/errors.ts';
import type { ProviderId } from '../../../shared/session.ts';
import { TurnDetector } from '../../turns/turn-detector.ts';
import { AssemblyAiAdapter } from '../assemblyai.ts';
import { DeepgramAdapter } from '../deepgram.ts';
import { needsClientTurns, OpenAiRealtimeAdapter } from '../openai-realtime.ts';
import type { ProviderAdapter, ProviderConfig } from '../types.ts';
import { RivaAdapter } from '../riva.ts';
import { SpeachesAdapter } from '../speaches.ts';
import { VllmAdapter } from './vllm.ts';

/**
 * One entry per server dialect: what a configuration must carry, and how its adapter is made.
 * A new dialect is a module beside this one plus its line here (and its id in
 * src/shared/session.ts); createProvider does the rest.
 */
export interface Dialect {
  /** Human name for usage errors. */
  readonly name: string;
  readonly needsKey: boolean;
  readonly needsUrl: boolean;
  /** Served model name required (the server has no default). */
  readonly needsModel: boolean;
  create(config: ProviderConfig): ProviderAdapter;
}

const openAiFamily = (name: string, needsKey: boolean, needsUrl: boolean): Dialect => ({
  name,
  needsKey,
  needsUrl,
  needsModel: false,
  create: (config) => {
    if (needsClientTurns(config)) requireVad(config, `${name} model ${config.model ?? ''}`);
    return new OpenAiRealtimeAdapter(config);
  },
});

export const DIALECTS: Readonly<Record<ProviderId, Dialect>> = {
  local: openAiFamily('local engine', false, true),
  openai: openAiFamily('OpenAI', true, false),
  'openai-compatible': openAiFamily('OpenAI-compatible', false, true),
  deepgram: {
    name: 'Deepgram',
    needsKey: true,
    needsUrl: false,
    needsModel: false,
    create: (c) => new DeepgramAdapter(c),
  },
  assemblyai: {
    name: 'AssemblyAI',
    needsKey: true,
    needsUrl: false,
    needsModel: false,
    create: (c) => new AssemblyAiAdapter(c),
  },
  vllm: {
    name: 'vLLM',
    needsKey: false,
    needsUrl: true,
    needsModel: true,
    create: (config) => {
      const vadModelPath = requireVad(config, 'vLLM realtime');
      return new VllmAdapter(
        config,
        config.model!,
        () => new TurnDetector({ vadModelPath, sampleRate: config.sampleRate ?? 16_000, silenceMs: 500 }),
      );
    },
  },
  speaches: {
    name: 'Speaches',
    needsKey: false,
    needsUrl: true,
    needsModel: true,
    create: (c) => new SpeachesAdapter(c),
  },
  riva: { name: 'NVIDIA Riva', needsKey: false, needsUrl: true, needsModel: false, create: (c) => new RivaAdapter(c) },
};

/** Client-side turns need the Silero model; without it the session could not commit at all. */
function requireVad(config: ProviderConfig, what: string): string {
  if (config.vadModelPath) return config.vadModelPath;
  throw new EarshotError(
    'VAD_MISSING',
    `${what} has no voice activity detection of its own, so Earshot finds the pauses itself and needs the Silero VAD model: pass --vad-model or set EARSHOT_VAD_MODEL.`,
  );
}
