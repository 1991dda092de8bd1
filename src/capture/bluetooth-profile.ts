import { z } from 'zod';
import { errorMessage } from '../shared/errors.ts';
import type { PulseEvent } from './pulse-devices.ts';

/**
 * Whether a microphone is a Bluetooth headset in its call profile (HSP/HFP), from
 * `pactl --format=json list sources` and `list cards`. In that profile the headset sends
 * narrowband speech (CVSD at 8 kHz, mSBC at 16 kHz) and transcripts get worse; the person can
 * do something about it, so the capture health path says so.
 *
 * Sources read (read, not copied):
 * - pulseaudio/pulseaudio src/utils/pactl.c (commit b4b3889f), `get_card_info_callback`: a
 *   card prints `name`, `properties`, `profiles` (an object keyed by profile name) and
 *   `active_profile` (a name or null); `get_source_info_callback`: a source prints `name`,
 *   `description`, `sample_specification`, `properties`, but not its card's index.
 * - pulseaudio src/modules/bluetooth/module-bluez5-device.c (commit 3e5db72a): the card is
 *   `bluez_card.<address>` with `device.bus=bluetooth` and `device.string=<address>`; its
 *   source `bluez_source.<address>.<profile>` carries `bluetooth.protocol=<profile>` and, as
 *   every source of a card does (pulsecore/source.c merges the card's proplist), the card's
 *   `device.string`. Profile names (bluez5-util.c, `pa_bluetooth_profile_to_string`):
 *   `a2dp_sink`, `a2dp_source`, `headset_head_unit`, `handsfree_head_unit`,
 *   `headset_audio_gateway`, `handsfree_audio_gateway`, `off`. bt-codec-cvsd.c: 8000 Hz;
 *   bt-codec-msbc.c: 16000 Hz.
 * - PipeWire/pipewire spa/plugins/bluez5/bluez5-device.c (commit f03a55d7): card profiles
 *   `off`, `audio-gateway` (A2DP source and HSP/HFP AG), `a2dp-sink[-<codec>]`,
 *   `headset-head-unit[-<codec>]`; each node has `api.bluez5.address`, `api.bluez5.profile`
 *   (defs.h `spa_bt_profile_name`: `headset-head-unit`, `headset-audio-gateway`,
 *   `a2dp-source` …) and `api.bluez5.codec` (`cvsd`, `msbc` …). pipewire-pulse answers pactl
 *   with these as the card's and source's properties.
 *
 * The card is found through the Bluetooth address both carry, since pactl's JSON gives a
 * source no card index.
 */

const propertiesSchema = z.record(z.string(), z.unknown()).optional();
const cardSchema = z.object({
  name: z.string(),
  properties: propertiesSchema,
  profiles: z.record(z.string(), z.object({ description: z.string().nullable().optional() })).optional(),
  active_profile: z.string().nullable().optional(),
});
const sourceSchema = z.object({
  name: z.string(),
  description: z.string().nullable().optional(),
  sample_specification: z.string().optional(),
  properties: propertiesSchema,
});

/** A headset heard through its call profile. */
export interface CallProfile {
  /** The headset as the desktop names it: the card's description. */
  readonly headset: string;
  /** The card's active profile, e.g. `handsfree_head_unit` or `headset-head-unit-cvsd`. */
  readonly profile: string;
  /** The rate the headset sends, when the source or codec says (8000 or 16000). */
  readonly rateHz: number | null;
}

const PULSE_CALL_PROFILES = new Set([
  'headset_head_unit',
  'handsfree_head_unit',
  'headset_audio_gateway',
  'handsfree_audio_gateway',
]);

/** Whether a card profile name is HSP/HFP (PulseAudio's names, or PipeWire's). */
export function isCallProfile(profile: string): boolean {
  return PULSE_CALL_PROFILES.has(profile) || profile.startsWith('headset-head-unit') || profile === 'audio-gateway';
}

/** A source's own transport when it names one; PipeWire's `audio-gateway` carries an A2DP source too. */
function sourceTransport(properties: Record<string, unknown>): string | null {
  const value = properties['api.bluez5.profile'] ?? properties['bluetooth.protocol'];
  return typeof value === 'string' ? value : null;
}

function text(properties: Record<string, unknown>, key: string): string | null {
  const value = properties[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function bluetoothAddress(properties: Record<string, unknown>): string | null {
  if (text(properties, 'api.bluez5.address')) return text(properties, 'api.bluez5.address');
  return properties['device.bus'] === 'bluetooth' ? text(properties, 'device.string') : null;
}

const CODEC_RATES: Record<string, number> = { cvsd: 8000, msbc: 16000 };

function rateOf(source: z.infer<typeof sourceSchema>, properties: Record<string, unknown>): number | null {
  const match = /(\d+)Hz/.exec(source.sample_specification ?? '');
  if (match) return Number(match[1]);
  const codec = text(properties, 'api.bluez5.codec') ?? text(properties, 'bluetooth.codec');
  return codec ? (CODEC_RATES[codec.toLowerCase()] ?? null) : null;
}

/**
 * The call profile `sourceName` is heard through, or null: not a Bluetooth source, no card
 * found for it, or a card in a high-quality profile. Throws when the JSON is not pactl's.
 */
export function callProfileOf(sourceName: string, sourcesJson: string, cardsJson: string): CallProfile | null {
  const source = z
    .array(sourceSchema)
    .parse(JSON.parse(sourcesJson))
    .find((s) => s.name === sourceName);
  const properties = source?.properties ?? {};
  const address = bluetoothAddress(properties);
  if (!source || !address) return null;
  const card = z
    .array(cardSchema)
    .parse(JSON.parse(cardsJson))
    .find((c) => bluetoothAddress(c.properties ?? {}) === address);
  const profile = card?.active_profile;
  if (!card || !profile || !isCallProfile(profile)) return null;
  const transport = sourceTransport(properties);
  if (transport !== null && /^(a2dp|bap)/.test(transport)) return null;
  const cardProperties = card.properties ?? {};
  return {
    headset: text(cardProperties, 'device.description') ?? source.description ?? card.name,
    profile,
    rateHz: rateOf(source, properties),
  };
}

/** What a person reads: what happened, then what to do (the catalog's entry). */
export function callProfileMessage(call: CallProfile): string {
  const rate = call.rateHz ? `${call.rateHz / 1000} kHz` : '8/16 kHz';
  return `“${call.headset}” switched to its call profile: ${rate}, lower quality. ${errorMessage('BLUETOOTH_CALL_PROFILE')}`;
}

/** Whether a `pactl subscribe` event can change a card's profile or its sources. */
export function changesCallProfile(event: PulseEvent): boolean {
  return event.facility === 'card' || event.facility === 'source';
}
