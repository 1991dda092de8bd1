import { z } from 'zod';
import { DEFAULT_DEVICE_KEY } from './devices.ts';
import { modelProblem, type ServerProvider } from './provider-presets.ts';
import { checkProviderUrl } from './provider-url.ts';
import { providerIdSchema } from './session.ts';
import type { SpeakerNames } from './transcript.ts';

/**
 * Everything a person can change, validated on every read and write. Each field has a
 * default so an older or partial file still loads; unknown fields are dropped.
 * Secrets are never here: they live in main's keychain store.
 */
export const settingsSchema = z.object({
  version: z.literal(1).default(1),
  deviceKey: z.string().default(DEFAULT_DEVICE_KEY),
  fallbackToDefaultDevice: z.boolean().default(true),
  /** Meeting mode: the system-audio device transcribed beside the microphone; null (default): off. */
  systemDeviceKey: z.string().nullable().default(null),
  /** How the two speakers are named on screen, in exports and captions ("You" / "Others"). */
  micSpeakerName: z.string().trim().min(1).max(40).default('You'),
  systemSpeakerName: z.string().trim().min(1).max(40).default('Others'),
  preRollMs: z.number().int().min(0).max(2000).default(500),
  provider: providerIdSchema.default('local'),
  modelId: z.string().nullable().default(null),
  openaiModel: z.string().default('gpt-4o-transcribe'),
  compatibleUrl: z.string().trim().superRefine(refineProviderUrl).default(''),
  /** Empty: the server's own default model. */
  compatibleModel: z.string().trim().default(''),
  /** `manual`: the server has no VAD, Earshot decides where turns end (OpenAI's no-VAD models). */
  compatibleTurnDetection: z.enum(['server_vad', 'manual']).default('server_vad'),
  compatibleSampleRate: z.union([z.literal(16_000), z.literal(24_000)]).default(24_000),
  /** Minutes after which the server ends a session (Earshot rotates just before); 0: no limit. */
  compatibleSessionMinutes: z.number().int().min(0).max(1440).default(60),
  vllmUrl: z.string().trim().superRefine(refineProviderUrl).default(''),
  vllmModel: z.string().trim().superRefine(refineModel('vllm')).default('mistralai/Voxtral-Mini-4B-Realtime-2602'),
  speachesUrl: z.string().trim().superRefine(refineProviderUrl).default(''),
  speachesModel: z
    .string()
    .trim()
    .superRefine(refineModel('speaches'))
    .default('Systran/faster-distil-whisper-small.en'),
  rivaUrl: z.string().trim().superRefine(refineProviderUrl).default(''),
  /** Empty: the model the NIM was deployed with. */
  rivaModel: z.string().trim().default(''),
  deepgramModel: z.string().default('nova-3'),
  /** Empty: Deepgram's cloud. Else a self-hosted Deepgram (no key is sent: it authorizes at the container). */
  deepgramUrl: z.string().trim().superRefine(refineProviderUrl).default(''),
  language: z.string().default('en'),
  captions: z
    .object({
      enabled: z.boolean().default(false),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7390),
      allowLan: z.boolean().default(false),
    })
    .prefault({}),
  globalShortcut: z.string().default('CommandOrControl+Shift+Space'),
  startAtLogin: z.boolean().default(false),
  startHidden: z.boolean().default(false),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** A cloud service unreachable this long (s) hands the audio to the offline model, if one is installed; 0: never. */
  failoverAfterSeconds: z.number().int().min(0).max(3600).default(15),
  /** After a failover, go back to the cloud service once it answers again (else stay offline for the session). */
  failoverSwitchBack: z.boolean().default(true),
});
export type Settings = z.infer<typeof settingsSchema>;

/** Empty (not set yet) or an address a key may be sent to; see provider-url.ts. */
function refineProviderUrl(value: string, context: z.RefinementCtx): void {
  if (value === '') return;
  const checked = checkProviderUrl(value);
  if (!checked.ok) context.addIssue({ code: 'custom', message: checked.problem });
}

/** A server that needs its model refuses an empty name, saying what to enter. */
function refineModel(id: 'vllm' | 'speaches'): (value: string, context: z.RefinementCtx) => void {
  return (value, context) => {
    const problem = modelProblem(id, value);
    if (problem !== null) context.addIssue({ code: 'custom', message: `${problem}: enter it in Settings` });
  };
}

type WithoutDefaults<T extends z.ZodRawShape> = {
  [K in keyof T]: T[K] extends z.ZodDefault<infer Inner> ? Inner : T[K];
};

/** `.partial()` alone would still fill absent fields with their defaults, so a patch would reset them. */
function withoutDefaults<T extends z.ZodRawShape>(shape: T): WithoutDefaults<T> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [key, field instanceof z.ZodDefault ? field.unwrap() : field]),
  ) as WithoutDefaults<T>;
}

const { version: _version, captions: captionsField, ...patchableFields } = settingsSchema.shape;

/** A change from the UI: any subset of fields (absent ones stay as they are), captions merged field by field. */
export const settingsPatchSchema = z
  .object(withoutDefaults(patchableFields))
  .partial()
  .extend({ captions: z.object(withoutDefaults(captionsField.unwrap().shape)).partial().strict().optional() })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** The speakers as the person named them. */
export function speakerNames(settings: Pick<Settings, 'micSpeakerName' | 'systemSpeakerName'>): SpeakerNames {
  return { mic: settings.micSpeakerName, system: settings.systemSpeakerName };
}

export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

/** Where each self-hosted server's address and model live in the settings. */
export const SERVER_SETTING_KEYS = {
  'openai-compatible': { url: 'compatibleUrl', model: 'compatibleModel' },
  vllm: { url: 'vllmUrl', model: 'vllmModel' },
  speaches: { url: 'speachesUrl', model: 'speachesModel' },
  riva: { url: 'rivaUrl', model: 'rivaModel' },
} as const satisfies Record<ServerProvider, { url: keyof Settings; model: keyof Settings }>;

export type ServerUrlKey = (typeof SERVER_SETTING_KEYS)[ServerProvider]['url'];
export type ServerModelKey = (typeof SERVER_SETTING_KEYS)[ServerProvider]['model'];

export function serverUrl(settings: Settings, id: ServerProvider): string {
  return settings[SERVER_SETTING_KEYS[id].url];
}

export function serverModel(settings: Settings, id: ServerProvider): string {
  return settings[SERVER_SETTING_KEYS[id].model];
}
