import { z } from 'zod';
import { PULSE_HOST_API } from '../shared/device-list.ts';
import type { DeviceInfo } from '../shared/devices.ts';

/**
 * The sound server's sources as a person knows them, from `pactl --format=json`. Field names
 * follow pactl's JSON printer (pulseaudio/pulseaudio, src/utils/pactl.c, `get_source_info_callback`
 * and `get_sink_info_callback`, 16.1): `name` (stable: the key), `description` (the human
 * name), `sample_specification` ("s16le 2ch 44100Hz"), `monitor_source` (on a source: the sink
 * it monitors, empty for a real source), `properties["device.class"]` ("monitor" for a monitor).
 * PipeWire's pipewire-pulse answers the same protocol, so pactl prints the same fields there.
 */

const sourceSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  description: z.string().nullable().optional(),
  sample_specification: z.string().optional(),
  monitor_source: z.string().nullable().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});
const sinkSchema = z.object({
  name: z.string(),
  description: z.string().nullable().optional(),
  monitor_source: z.string().nullable().optional(),
});
const infoSchema = z.object({
  server_name: z.string().optional(),
  server_version: z.string().optional(),
  default_source_name: z.string().nullable().optional(),
});

export type PulseServerInfo = z.infer<typeof infoSchema>;

/** The key of a sound-server source: its name, which the server keeps across restarts and re-plugs. */
export function pulseDeviceKey(sourceName: string): string {
  return `${PULSE_HOST_API}:${sourceName}`;
}

/** The source name a key made by pulseDeviceKey names, or null for another kind of key. */
export function pulseSourceName(key: string): string | null {
  const prefix = `${PULSE_HOST_API}:`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : null;
}

export function parseServerInfo(json: string): PulseServerInfo {
  return infoSchema.parse(JSON.parse(json));
}

/** "s16le 2ch 44100Hz" → channels and rate; pactl prints "n/a" for a spec it cannot tell. */
function parseSampleSpec(spec: string | undefined): { channels: number; rate: number } {
  const match = /(\d+)ch (\d+)Hz/.exec(spec ?? '');
  return match ? { channels: Number(match[1]), rate: Number(match[2]) } : { channels: 2, rate: 48000 };
}

/**
 * Sources as devices: microphones and headsets as `microphone`, each output's monitor as
 * `system`, named "System audio — <output>" after the sink's own description (the monitor's
 * description is "Monitor of <output>", which means nothing to most people).
 */
export function pulseDeviceList(sourcesJson: string, sinksJson: string, info: PulseServerInfo): DeviceInfo[] {
  const sources = z.array(sourceSchema).parse(JSON.parse(sourcesJson));
  const sinks = z.array(sinkSchema).parse(JSON.parse(sinksJson));
  const sinkDescription = new Map(sinks.map((s) => [s.name, s.description || s.name]));
  return sources.map((source) => {
    const monitored = source.monitor_source || null;
    const isMonitor = monitored !== null || source.properties?.['device.class'] === 'monitor';
    const spec = parseSampleSpec(source.sample_specification);
    const output = monitored ? (sinkDescription.get(monitored) ?? monitored) : null;
    return {
      key: pulseDeviceKey(source.name),
      name: isMonitor
        ? `System audio — ${output ?? (source.description || source.name)}`
        : source.description || source.name,
      index: source.index,
      hostApi: PULSE_HOST_API,
      maxInputChannels: spec.channels,
      defaultSampleRate: spec.rate,
      isDefault: source.name === info.default_source_name,
      kind: isMonitor ? ('system' as const) : ('microphone' as const),
    };
  });
}

/** What `pactl subscribe` says about one change: "Event 'new' on source #4". */
export interface PulseEvent {
  readonly event: 'new' | 'change' | 'remove';
  readonly facility: string;
  readonly index: number;
}

/** One line of `pactl subscribe` (pactl.c, `context_subscribe_callback`), or null for anything else. */
export function parseSubscribeLine(line: string): PulseEvent | null {
  const match = /^Event '(new|change|remove)' on ([a-z-]+) #(\d+)$/.exec(line.trim());
  if (!match) return null;
  return { event: match[1] as PulseEvent['event'], facility: match[2]!, index: Number(match[3]) };
}

/** Whether an event can change the device list: sources, sinks (their names label monitors), the server's defaults. */
export function changesDeviceList(event: PulseEvent): boolean {
  return event.facility === 'source' || event.facility === 'sink' || event.facility === 'server';
}
