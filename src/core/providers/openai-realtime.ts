import type { ProviderId } from '../../shared/session.ts';
import { TurnDetector } from '../turns/turn-detector.ts';
import { OpenAiStream } from './openai-stream.ts';
import {
  type CloseVerdict,
  type ConnectRequest,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderStream,
} from './types.ts';
import { classifyHttpStatus } from './close-verdicts.ts';

/**
 * How much silence ends a turn. OpenAI's documented default is 500 ms. The local engine ends
 * turns after 300 ms: measured on the streaming test model, 500 → 300 ms brings the final
 * from 830 to 630 ms after the end of speech (p50) with no utterance split and the same WER
 * (bench/suites/speech-to-screen.ts sweeps it). A pause that short inside a sentence only
 * splits it into two finals; no word is lost.
 */
export const OPENAI_TURN_SILENCE_MS = 500;
export const LOCAL_TURN_SILENCE_MS = 300;

export const OPENAI_REALTIME_URL = 'wss://api.openai.com/v1/realtime?intent=transcription';
/** OpenAI closes a Realtime session after 60 minutes (OpenAI's Realtime guide, developers.openai.com/api/docs/guides/realtime: a session lasts at most 60 minutes). */
export const OPENAI_MAX_SESSION_MS = 60 * 60_000;
export const OPENAI_PCM_RATE = 24_000;
/** The embedded engine's rate (protocol extension: avoids a 16→24→16 kHz round trip). */
export const ENGINE_PCM_RATE = 16_000;

/**
 * The OpenAI Realtime transcription protocol for three kinds of server:
 * - `openai`: api.openai.com, GA shape, 24 kHz, Bearer key;
 * - `openai-compatible`: any URL; detects GA or beta shape from the server's first event;
 * - `local`: Earshot's embedded engine, GA shape at 16 kHz (extension), Bearer token.
 *
 * The URL must not carry `model=` for OpenAI: it would select a conversation session
 * (openai/openai-node `src/resources/realtime`: the URL's `model` names a realtime
 * conversation model). The transcription model goes in `session.update`.
 */
export class OpenAiRealtimeAdapter implements ProviderAdapter {
  readonly id: ProviderId;
  readonly label: string;
  readonly sampleRate: number;
  readonly maxSessionMs: number | null;
  /** No rate rule is documented for `input_audio_buffer.append` (up to 15 MiB per event): replay at once. */
  readonly replayPacing = null;
  readonly #url: string;
  readonly #apiKey: string | undefined;
  readonly #config: ProviderConfig;

  constructor(config: ProviderConfig) {
    if (config.id !== 'openai' && config.id !== 'openai-compatible' && config.id !== 'local') {
      throw new TypeError(`OpenAiRealtimeAdapter cannot serve provider "${config.id}"`);
    }
    this.id = config.id;
    this.#config = config;
    this.#apiKey = config.apiKey;
    this.label =
      config.id === 'local'
        ? 'The local speech engine'
        : config.id === 'openai'
          ? 'OpenAI'
          : 'The OpenAI-compatible server';
    this.sampleRate = config.sampleRate ?? (config.id === 'local' ? ENGINE_PCM_RATE : OPENAI_PCM_RATE);
    this.maxSessionMs =
      config.maxSessionMs !== undefined ? config.maxSessionMs : config.id === 'local' ? null : OPENAI_MAX_SESSION_MS;
    this.#url = transcriptionUrl(config.url ?? OPENAI_REALTIME_URL);
  }

  connectRequest(): ConnectRequest {
    const headers: Record<string, string> = {};
    if (this.#apiKey) headers['Authorization'] = `Bearer ${this.#apiKey}`;
    // The beta header pins a socket to the old schema; send it only when asked for beta.
    if (this.#config.shape === 'beta') headers['OpenAI-Beta'] = 'realtime=v1';
    return { url: this.#url, headers };
  }

  createStream(): ProviderStream {
    const defaultModel = this.id === 'openai' ? 'gpt-4o-transcribe' : undefined;
    const model = this.#config.model ?? defaultModel;
    const clientTurns = needsClientTurns(this.#config);
    const vadModelPath = this.#config.vadModelPath;
    return new OpenAiStream({
      label: this.label,
      sampleRate: this.sampleRate,
      model,
      language: this.#config.language,
      turnDetection: clientTurns ? 'manual' : (this.#config.turnDetection ?? 'server_vad'),
      ...(clientTurns && vadModelPath
        ? { turns: new TurnDetector({ vadModelPath, sampleRate: this.sampleRate, silenceMs: OPENAI_TURN_SILENCE_MS }) }
        : {}),
      silenceDurationMs:
        this.#config.silenceDurationMs ?? (this.id === 'local' ? LOCAL_TURN_SILENCE_MS : OPENAI_TURN_SILENCE_MS),
      shape: this.#config.shape ?? (this.id === 'openai-compatible' ? 'auto' : 'ga'),
    });
  }

  classifyHandshake(status: number | null, detail: string): CloseVerdict {
    return classifyHttpStatus(this.label, status, detail);
  }
}

/**
 * OpenAI models that take no server VAD: the session must say `turn_detection: null` and the
 * client commits each turn (developers.openai.com/api/docs/guides/realtime-transcription:
 * "a final transcript when your application commits each audio turn", with `turn_detection: null`).
 */
export const CLIENT_TURN_MODELS: ReadonlySet<string> = new Set(['gpt-live-transcribe', 'gpt-realtime-whisper']);

/** True when Earshot must find turn ends itself: a no-VAD model, or `manual` with a VAD model to do it. */
export function needsClientTurns(config: ProviderConfig): boolean {
  if (config.id === 'local') return false;
  return CLIENT_TURN_MODELS.has(config.model ?? '') || (config.turnDetection === 'manual' && !!config.vadModelPath);
}

/** Accepts `ws://host:port` (the engine prints that) and adds the path and intent when missing. */
export function transcriptionUrl(raw: string): string {
  const url = new URL(raw);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/realtime';
  if (!url.searchParams.has('intent')) url.searchParams.set('intent', 'transcription');
  return url.toString();
}
