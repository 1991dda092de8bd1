import type { ModelInfo } from './decoder-protocol.ts';
import type { RecognizerSettings } from './recognizers/events.ts';

/** The rates a client may send: OpenAI's 24 kHz, and 16 kHz as an extension. */
export const SUPPORTED_RATES = [24_000, 16_000] as const;

export interface ServerVad {
  readonly type: 'server_vad';
  readonly threshold: number;
  readonly prefix_padding_ms: number;
  readonly silence_duration_ms: number;
}

/** The effective transcription session, in the GA shape it is reported in. */
export interface SessionConfig {
  readonly rate: number;
  readonly language: string;
  readonly prompt: string;
  readonly turnDetection: ServerVad | null;
  readonly noiseReduction: { readonly type: string } | null;
}

export const DEFAULT_VAD: ServerVad = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
};

export function defaultSessionConfig(model: ModelInfo): SessionConfig {
  return { rate: 24_000, language: model.language, prompt: '', turnDetection: DEFAULT_VAD, noiseReduction: null };
}

export function sessionObject(id: string, config: SessionConfig, model: ModelInfo): Record<string, unknown> {
  return {
    type: 'transcription',
    object: 'realtime.transcription_session',
    id,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: config.rate },
        transcription: { model: model.name, language: config.language, prompt: config.prompt },
        turn_detection: config.turnDetection,
        noise_reduction: config.noiseReduction,
      },
    },
    include: [],
  };
}

export function recognizerSettings(config: SessionConfig): RecognizerSettings {
  const vad = config.turnDetection;
  return {
    inputRate: config.rate,
    vad: vad
      ? { threshold: vad.threshold, prefixPaddingMs: vad.prefix_padding_ms, silenceDurationMs: vad.silence_duration_ms }
      : null,
  };
}

/** A rejected setting: becomes an `error` event with this param and changes nothing. */
export class InvalidSetting extends Error {
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.param = param;
  }
}

type Obj = Record<string, unknown>;
/** A client value quoted in an error message, whatever its type. */
const shown = (v: unknown): string => JSON.stringify(v)?.slice(0, 60) ?? 'undefined';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies a GA `session.update` payload. Only fields present change; unknown fields are
 * ignored; any invalid value throws `InvalidSetting` before anything is applied.
 */
export function applySessionUpdate(current: SessionConfig, session: unknown): SessionConfig {
  if (!isObj(session)) throw new InvalidSetting('session', 'session must be an object.');
  if (session['type'] !== undefined && session['type'] !== 'transcription') {
    throw new InvalidSetting(
      'session.type',
      `This engine only runs transcription sessions; session.type ${shown(session['type'])} is not supported.`,
    );
  }
  const audio = session['audio'];
  if (audio === undefined) return current;
  if (!isObj(audio)) throw new InvalidSetting('session.audio', 'session.audio must be an object.');
  const input = audio['input'];
  if (input === undefined) return current;
  if (!isObj(input)) throw new InvalidSetting('session.audio.input', 'session.audio.input must be an object.');
  let next = current;
  if (input['format'] !== undefined)
    next = { ...next, rate: parseFormat(input['format'], 'session.audio.input.format') };
  if (input['transcription'] !== undefined)
    next = applyTranscription(next, input['transcription'], 'session.audio.input.transcription');
  if ('turn_detection' in input)
    next = {
      ...next,
      turnDetection: parseTurnDetection(
        input['turn_detection'],
        'session.audio.input.turn_detection',
        next.turnDetection,
      ),
    };
  if ('noise_reduction' in input)
    next = {
      ...next,
      noiseReduction: parseNoiseReduction(input['noise_reduction'], 'session.audio.input.noise_reduction'),
    };
  return next;
}

/** The beta `transcription_session.update` with flat fields (compatibility). */
export function applyBetaUpdate(current: SessionConfig, session: unknown): SessionConfig {
  if (!isObj(session)) throw new InvalidSetting('session', 'session must be an object.');
  let next = current;
  const format = session['input_audio_format'];
  if (format !== undefined && format !== 'pcm16') {
    throw new InvalidSetting(
      'session.input_audio_format',
      `input_audio_format ${shown(format)} is not supported; use "pcm16".`,
    );
  }
  if (format === 'pcm16') next = { ...next, rate: 24_000 };
  if (session['input_audio_transcription'] !== undefined) {
    next = applyTranscription(next, session['input_audio_transcription'], 'session.input_audio_transcription');
  }
  if ('turn_detection' in session)
    next = {
      ...next,
      turnDetection: parseTurnDetection(session['turn_detection'], 'session.turn_detection', next.turnDetection),
    };
  if ('input_audio_noise_reduction' in session) {
    next = {
      ...next,
      noiseReduction: parseNoiseReduction(
        session['input_audio_noise_reduction'],
        'session.input_audio_noise_reduction',
      ),
    };
  }
  return next;
}

function parseFormat(format: unknown, param: string): number {
  if (!isObj(format))
    throw new InvalidSetting(param, 'format must be an object like {"type": "audio/pcm", "rate": 24000}.');
  if (format['type'] !== undefined && format['type'] !== 'audio/pcm') {
    throw new InvalidSetting(
      `${param}.type`,
      `Audio format ${shown(format['type'])} is not supported; send "audio/pcm" (PCM16 little-endian mono).`,
    );
  }
  const rate = format['rate'] ?? 24_000;
  if (!SUPPORTED_RATES.includes(rate as 24_000)) {
    throw new InvalidSetting(`${param}.rate`, `Sample rate ${shown(rate)} is not supported; use 24000 or 16000.`);
  }
  return rate as number;
}

function applyTranscription(current: SessionConfig, value: unknown, param: string): SessionConfig {
  if (value === null) return current;
  if (!isObj(value)) throw new InvalidSetting(param, 'transcription must be an object.');
  const language = value['language'];
  const prompt = value['prompt'];
  if (language !== undefined && language !== null && typeof language !== 'string')
    throw new InvalidSetting(`${param}.language`, 'language must be a string.');
  if (prompt !== undefined && prompt !== null && typeof prompt !== 'string')
    throw new InvalidSetting(`${param}.prompt`, 'prompt must be a string.');
  // `model` names a cloud model; the engine runs the model it was started with and says so in session.updated.
  return {
    ...current,
    language: typeof language === 'string' ? language : current.language,
    prompt: typeof prompt === 'string' ? prompt : current.prompt,
  };
}

function parseTurnDetection(value: unknown, param: string, current: ServerVad | null): ServerVad | null {
  if (value === null) return null;
  if (!isObj(value)) throw new InvalidSetting(param, 'turn_detection must be an object or null.');
  if (value['type'] !== undefined && value['type'] !== 'server_vad') {
    throw new InvalidSetting(
      `${param}.type`,
      `turn_detection type ${shown(value['type'])} is not supported; use "server_vad" or null.`,
    );
  }
  const base = current ?? DEFAULT_VAD;
  const num = (key: keyof ServerVad, min: number, max: number): number => {
    const v = value[key];
    if (v === undefined || v === null) return base[key] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new InvalidSetting(`${param}.${key}`, `${key} must be a number from ${min} to ${max}.`);
    }
    return v;
  };
  return {
    type: 'server_vad',
    threshold: num('threshold', 0.01, 0.99),
    prefix_padding_ms: num('prefix_padding_ms', 0, 2000),
    silence_duration_ms: num('silence_duration_ms', 100, 5000),
  };
}

function parseNoiseReduction(value: unknown, param: string): { type: string } | null {
  if (value === null) return null;
  if (!isObj(value) || (value['type'] !== 'near_field' && value['type'] !== 'far_field')) {
    throw new InvalidSetting(param, 'noise_reduction must be null or {"type": "near_field" | "far_field"}.');
  }
  // Accepted and reported for compatibility; the engine's models do not use it.
  return { type: value['type'] };
}
