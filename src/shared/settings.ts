import { z } from 'zod';
import { DEFAULT_DEVICE_KEY } from './devices.ts';
import { providerIdSchema } from './session.ts';

/**
 * Everything a person can change, validated on every read and write. Each field has a
 * default so an older or partial file still loads; unknown fields are dropped.
 * Secrets are never here: they live in main's keychain store.
 */
export const settingsSchema = z.object({
  version: z.literal(1).default(1),
  deviceKey: z.string().default(DEFAULT_DEVICE_KEY),
  fallbackToDefaultDevice: z.boolean().default(true),
  preRollMs: z.number().int().min(0).max(2000).default(500),
  provider: providerIdSchema.default('local'),
  modelId: z.string().nullable().default(null),
  openaiModel: z.string().default('gpt-4o-transcribe'),
  compatibleUrl: z.string().default(''),
  deepgramModel: z.string().default('nova-3'),
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
});
export type Settings = z.infer<typeof settingsSchema>;

/** A change from the UI: any subset of fields, captions merged field by field. */
export const settingsPatchSchema = settingsSchema
  .omit({ version: true, captions: true })
  .partial()
  .extend({ captions: settingsSchema.shape.captions.unwrap().partial().optional() })
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
