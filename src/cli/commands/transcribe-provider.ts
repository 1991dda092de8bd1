import type { ProviderConfig } from '../../core/providers/index.ts';
import { isServerProvider, modelProblem, PROVIDER_PRESETS } from '../../shared/provider-presets.ts';
import { providerIds, providerIdSchema, type ProviderId } from '../../shared/session.ts';
import { UsageError } from '../errors.ts';
import { checkedUrl, type CliKeyInput } from './transcribe-key.ts';

export interface CliProviderInput extends CliKeyInput {
  readonly provider?: string | undefined;
  readonly model?: string | undefined;
  readonly 'turn-detection'?: string | undefined;
  readonly 'sample-rate'?: string | undefined;
  readonly 'session-minutes'?: string | undefined;
}

/** The dialect options a generic OpenAI-compatible server needs told; every other dialect knows its server's. */
export type DialectOptions = Pick<ProviderConfig, 'turnDetection' | 'sampleRate' | 'maxSessionMs'>;

/**
 * The provider `transcribe` was asked for, once its options make sense together: a known id, a
 * usable address (required for a server the person runs), the model where the server needs
 * one, and dialect options only where they apply. Each refusal says what to pass instead.
 * The same rules as Settings (src/shared/provider-presets.ts, provider-url.ts).
 */
export function checkProviderOptions(values: CliProviderInput): { id: ProviderId; options: DialectOptions } {
  const parsed = providerIdSchema.safeParse(values.provider ?? 'local');
  if (!parsed.success)
    throw new UsageError(`--provider must be one of ${providerIds.join(', ')}; not "${values.provider}".`);
  const id = parsed.data;
  const preset = PROVIDER_PRESETS[id];
  if (values.url === undefined && isServerProvider(id))
    throw new UsageError(`--provider ${id} needs --url, the server's address (e.g. --url ${preset.exampleUrl}).`);
  if (values.url !== undefined) checkedUrl(id, values.url);
  const missing = modelProblem(id, values.model);
  if (missing !== null) {
    const example = preset.exampleModel ?? 'NAME';
    throw new UsageError(
      `--provider ${id} needs --model: ${missing}. Pass --model ${example}, or the name the server loaded.`,
    );
  }
  return { id, options: dialectOptions(id, values) };
}

function dialectOptions(id: ProviderId, values: CliProviderInput): DialectOptions {
  const given = (['turn-detection', 'sample-rate', 'session-minutes'] as const).filter((o) => values[o] !== undefined);
  if (given.length === 0) return {};
  if (id !== 'openai-compatible')
    throw new UsageError(
      `--${given[0]} applies to --provider openai-compatible only: the ${presetName(id)} dialect already knows what its server needs.`,
    );
  const options: { -readonly [K in keyof DialectOptions]: DialectOptions[K] } = {};
  const turns = values['turn-detection'];
  if (turns !== undefined) {
    if (turns !== 'server_vad' && turns !== 'manual')
      throw new UsageError(
        `--turn-detection must be server_vad (the server finds turns) or manual (Earshot does, for models without VAD); not "${turns}".`,
      );
    options.turnDetection = turns;
  }
  const rate = values['sample-rate'];
  if (rate !== undefined) {
    if (rate !== '16000' && rate !== '24000')
      throw new UsageError(`--sample-rate must be 16000 or 24000 (what the server expects); not "${rate}".`);
    options.sampleRate = Number(rate);
  }
  const minutes = values['session-minutes'];
  if (minutes !== undefined) {
    const n = Number(minutes);
    if (!Number.isInteger(n) || n < 0 || n > 1440)
      throw new UsageError(`--session-minutes must be 0 (no limit) to 1440; not "${minutes}".`);
    options.maxSessionMs = n === 0 ? null : n * 60_000;
  }
  return options;
}

function presetName(id: ProviderId): string {
  return PROVIDER_PRESETS[id].name;
}
