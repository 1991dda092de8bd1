/**
 * What this engine accepts in a session update beyond the protocol's own shape, and the `error`
 * a client gets for anything else: a rejected setting names the field at fault (`param`) and
 * says what would be accepted. The shape itself is checked by the shared schemas
 * (src/shared/realtime/session.ts); their issues are reported here in the same words.
 */

/** The rates a client may send: OpenAI's 24 kHz, and 16 kHz as an extension. */
export const SUPPORTED_RATES: readonly number[] = [24_000, 16_000];

/** What this engine's VAD accepts; OpenAI documents no range beyond a threshold of 0 to 1. */
export const VAD_LIMITS = {
  threshold: [0.01, 0.99],
  prefix_padding_ms: [0, 2000],
  silence_duration_ms: [100, 5000],
} as const;
export type VadNumber = keyof typeof VAD_LIMITS;

/** A rejected setting: becomes an `error` event with this param and changes nothing. */
export class InvalidSetting extends Error {
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.param = param;
  }
}

/** A well-formed value outside what the engine runs (a rate, a VAD kind or range, an audio format). */
export function rejectedValue(path: readonly PropertyKey[], value: unknown): InvalidSetting {
  return invalidSetting(path, value, `${String(path.at(-1))} ${shown(value)} is not supported.`);
}

/**
 * A value the shared schema refused, or `rejectedValue`'s: `path` runs from the event root
 * (`session`, …). A noise-reduction setting is reported as a whole: it has only one field.
 */
export function invalidSetting(path: readonly PropertyKey[], value: unknown, fallback: string): InvalidSetting {
  const noise = path.findIndex((p) => p === 'noise_reduction' || p === 'input_audio_noise_reduction');
  const at = noise >= 0 ? path.slice(0, noise + 1) : path;
  return new InvalidSetting(at.join('.'), message(at, value) ?? fallback);
}

function message(path: readonly PropertyKey[], value: unknown): string | undefined {
  const key = path.at(-1);
  const parent = path.at(-2);
  if (path.length === 1) return 'session must be an object.';
  if (parent === 'format' && key === 'type')
    return `Audio format ${shown(value)} is not supported; send "audio/pcm" (PCM16 little-endian mono).`;
  if (parent === 'format' && key === 'rate')
    return `Sample rate ${shown(value)} is not supported; use ${SUPPORTED_RATES.join(' or ')}.`;
  if (parent === 'turn_detection' && key === 'type')
    return `turn_detection type ${shown(value)} is not supported; use "server_vad" or null.`;
  if (parent === 'turn_detection' && typeof key === 'string' && key in VAD_LIMITS) {
    const [min, max] = VAD_LIMITS[key as VadNumber];
    return `${key} must be a number from ${min} to ${max}.`;
  }
  switch (key) {
    case 'type':
      return `This engine only runs transcription sessions; session.type ${shown(value)} is not supported.`;
    case 'audio':
    case 'input':
      return `${path.join('.')} must be an object.`;
    case 'format':
      return 'format must be an object like {"type": "audio/pcm", "rate": 24000}.';
    case 'input_audio_format':
      return `input_audio_format ${shown(value)} is not supported; use "pcm16".`;
    case 'transcription':
    case 'input_audio_transcription':
      return 'transcription must be an object.';
    case 'language':
    case 'prompt':
    case 'model':
      return `${key} must be a string.`;
    case 'turn_detection':
      return 'turn_detection must be an object or null.';
    case 'noise_reduction':
    case 'input_audio_noise_reduction':
      return 'noise_reduction must be null or {"type": "near_field" | "far_field"}.';
    default:
      return undefined;
  }
}

/** A client value quoted in an error message, whatever its type. */
function shown(v: unknown): string {
  return JSON.stringify(v)?.slice(0, 60) ?? 'undefined';
}

/** The value at `path` inside `root` (what a schema issue refers to), or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
