import { z } from 'zod';

/** The key of the "System default" choice: follows whatever the OS calls the default input. */
export const DEFAULT_DEVICE_KEY = 'default';

/**
 * What a device hears: a microphone (headsets included), or `system` — what the computer
 * plays, an output's monitor on Linux sound servers (Meeting mode's "Others").
 */
export const deviceKinds = ['microphone', 'system'] as const;
export type DeviceKind = (typeof deviceKinds)[number];

export const deviceInfoSchema = z.object({
  /** Stable across re-enumeration and restarts: host API + name (+ #n only to break ties). */
  key: z.string(),
  name: z.string(),
  index: z.number().int(),
  hostApi: z.string(),
  maxInputChannels: z.number().int(),
  defaultSampleRate: z.number(),
  isDefault: z.boolean(),
  kind: z.enum(deviceKinds),
});
export type DeviceInfo = z.infer<typeof deviceInfoSchema>;

export const levelSchema = z.object({ rmsDb: z.number(), peakDb: z.number() });
export type Level = z.infer<typeof levelSchema>;

/**
 * `bluetooth-call-profile`: the microphone belongs to a Bluetooth headset in its call profile
 * (HSP/HFP), which hears at 8 or 16 kHz (capture/bluetooth-profile.ts).
 */
export const healthWarningKinds = ['digital-silence', 'clipping', 'stalled', 'bluetooth-call-profile'] as const;
export const healthSchema = z.object({
  kind: z.enum(healthWarningKinds),
  /** true while the condition holds; false when it clears. */
  active: z.boolean(),
  deviceName: z.string(),
  message: z.string(),
});
export type HealthWarning = z.infer<typeof healthSchema>;

export const deviceLostSchema = z.object({
  lostKey: z.string(),
  lostName: z.string(),
  /** The device now in use, or null when capture stopped. */
  fallbackKey: z.string().nullable(),
  message: z.string(),
});
export type DeviceLost = z.infer<typeof deviceLostSchema>;

/** The quietest level reported: digital silence would otherwise be −∞ dBFS, which JSON cannot carry. */
export const LEVEL_FLOOR_DB = -100;

export function toDbfs(amplitude: number): number {
  return amplitude > 0 ? Math.max(LEVEL_FLOOR_DB, 20 * Math.log10(amplitude)) : LEVEL_FLOOR_DB;
}
