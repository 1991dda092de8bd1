import type { z } from 'zod';
import {
  betaTranscriptionSessionUpdateSchema,
  transcriptionSessionUpdateSchema,
  type NoiseReduction,
  type ServerVad,
  type TranscriptionSession,
  type TranscriptionUpdate,
  type TurnDetectionUpdate,
} from '../shared/realtime/session.ts';
import type { ModelInfo } from './decoder-protocol.ts';
import type { RecognizerSettings } from './recognizers/events.ts';
import {
  SUPPORTED_RATES,
  VAD_LIMITS,
  invalidSetting,
  rejectedValue,
  valueAt,
  type VadNumber,
} from './session-limits.ts';

// Callers and tests catch `InvalidSetting` from here; it lives with the limits it reports.
export { InvalidSetting } from './session-limits.ts';

/** The effective transcription session, in the GA shape it is reported in. */
export interface SessionConfig {
  readonly rate: number;
  readonly language: string;
  readonly prompt: string;
  readonly turnDetection: ServerVad | null;
  readonly noiseReduction: NoiseReduction | null;
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

export function sessionObject(id: string, config: SessionConfig, model: ModelInfo): TranscriptionSession {
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

/**
 * Applies a GA `session.update` payload (read with the shared schema). Only fields present
 * change; unknown fields are ignored; any invalid value throws `InvalidSetting` before anything
 * is applied.
 */
export function applySessionUpdate(current: SessionConfig, session: unknown): SessionConfig {
  const input = parse(transcriptionSessionUpdateSchema, session).audio?.input;
  if (!input) return current;
  const at = ['session', 'audio', 'input'];
  let next = current;
  if (input.format) {
    const { type, rate } = input.format;
    if (type !== undefined && type !== 'audio/pcm') throw rejectedValue([...at, 'format', 'type'], type);
    next = { ...next, rate: supportedRate(rate ?? 24_000, [...at, 'format', 'rate']) };
  }
  next = applyTranscription(next, input.transcription);
  if (input.turn_detection !== undefined)
    next = {
      ...next,
      turnDetection: turnDetection(input.turn_detection, [...at, 'turn_detection'], next.turnDetection),
    };
  // Accepted and reported for compatibility; the engine's models do not use it.
  if (input.noise_reduction !== undefined) next = { ...next, noiseReduction: input.noise_reduction };
  return next;
}

/** The beta `transcription_session.update` with flat fields (compatibility). */
export function applyBetaUpdate(current: SessionConfig, session: unknown): SessionConfig {
  const update = parse(betaTranscriptionSessionUpdateSchema, session);
  let next = current;
  const format = update.input_audio_format;
  if (format !== undefined && format !== 'pcm16') throw rejectedValue(['session', 'input_audio_format'], format);
  if (format === 'pcm16') next = { ...next, rate: 24_000 };
  next = applyTranscription(next, update.input_audio_transcription);
  if (update.turn_detection !== undefined)
    next = {
      ...next,
      turnDetection: turnDetection(update.turn_detection, ['session', 'turn_detection'], next.turnDetection),
    };
  if (update.input_audio_noise_reduction !== undefined)
    next = { ...next, noiseReduction: update.input_audio_noise_reduction };
  return next;
}

function parse<T>(schema: z.ZodType<T>, session: unknown): T {
  const parsed = schema.safeParse(session);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw invalidSetting(['session', ...issue.path], valueAt(session, issue.path), issue.message);
}

function supportedRate(rate: number, path: readonly PropertyKey[]): number {
  if (!SUPPORTED_RATES.includes(rate)) throw rejectedValue(path, rate);
  return rate;
}

function applyTranscription(current: SessionConfig, value: TranscriptionUpdate | null | undefined): SessionConfig {
  // `model` names a cloud model; the engine runs the model it was started with and says so in session.updated.
  if (!value) return current;
  return { ...current, language: value.language ?? current.language, prompt: value.prompt ?? current.prompt };
}

function turnDetection(
  value: TurnDetectionUpdate | null,
  path: readonly PropertyKey[],
  current: ServerVad | null,
): ServerVad | null {
  if (value === null) return null;
  if (value.type !== undefined && value.type !== 'server_vad') throw rejectedValue([...path, 'type'], value.type);
  const base = current ?? DEFAULT_VAD;
  const pick = (key: VadNumber): number => {
    const v = value[key];
    if (v === undefined || v === null) return base[key];
    const [min, max] = VAD_LIMITS[key];
    if (v < min || v > max) throw rejectedValue([...path, key], v);
    return v;
  };
  return {
    type: 'server_vad',
    threshold: pick('threshold'),
    prefix_padding_ms: pick('prefix_padding_ms'),
    silence_duration_ms: pick('silence_duration_ms'),
  };
}
