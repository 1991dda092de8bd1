import { describe, expect, it } from 'vitest';
import {
  changesDeviceList,
  parseServerInfo,
  parseSubscribeLine,
  pulseDeviceKey,
  pulseDeviceList,
  pulseSourceName,
} from './pulse-devices.ts';

/**
 * What pactl 16.1 printed here (`pactl --format=json list sources` / `list sinks` / `info`)
 * against a PulseAudio with a "Speakers" null sink and a "Headset microphone" source; volume,
 * port and latency fields dropped (Earshot reads none of them).
 */
const SOURCES = JSON.stringify([
  {
    index: 0,
    name: 'spk.monitor',
    description: 'Monitor of Speakers',
    sample_specification: 's16le 2ch 48000Hz',
    monitor_source: 'spk',
    properties: { 'device.description': 'Monitor of Speakers', 'device.class': 'monitor' },
  },
  {
    index: 4,
    name: 'hs_mic',
    description: 'Headset microphone',
    sample_specification: 's16le 1ch 16000Hz',
    monitor_source: '',
    properties: { 'device.master_device': 'hs_out.monitor', 'device.class': 'filter' },
  },
]);
const SINKS = JSON.stringify([{ index: 0, name: 'spk', description: 'Speakers', monitor_source: 'spk.monitor' }]);
const INFO =
  '{"server_name":"pulseaudio","server_version":"16.1","default_sink_name":"spk","default_source_name":"hs_mic"}';

describe('pulseDeviceList', () => {
  it('lists microphones by description and monitors as system audio named after their output', () => {
    const list = pulseDeviceList(SOURCES, SINKS, parseServerInfo(INFO));
    expect(list).toEqual([
      {
        key: 'PulseAudio:spk.monitor',
        name: 'System audio — Speakers',
        index: 0,
        hostApi: 'PulseAudio',
        maxInputChannels: 2,
        defaultSampleRate: 48000,
        isDefault: false,
        kind: 'system',
      },
      {
        key: 'PulseAudio:hs_mic',
        name: 'Headset microphone',
        index: 4,
        hostApi: 'PulseAudio',
        maxInputChannels: 1,
        defaultSampleRate: 16000,
        isDefault: true,
        kind: 'microphone',
      },
    ]);
  });

  it('falls back to the source name where a description is missing, and to the monitor’s own name without its sink', () => {
    const sources = JSON.stringify([
      { index: 1, name: 'alsa_input.usb-mic', sample_specification: 'n/a' },
      { index: 2, name: 'gone.monitor', description: 'Monitor of Gone', monitor_source: 'gone' },
    ]);
    const list = pulseDeviceList(sources, '[]', parseServerInfo('{}'));
    expect(list.map((d) => [d.name, d.kind, d.maxInputChannels, d.defaultSampleRate])).toEqual([
      ['alsa_input.usb-mic', 'microphone', 2, 48000],
      ['System audio — gone', 'system', 2, 48000],
    ]);
  });

  it('rejects output that is not a source list, rather than listing nothing', () => {
    expect(() => pulseDeviceList('{"error":"x"}', '[]', parseServerInfo('{}'))).toThrow();
  });
});

describe('keys', () => {
  it('round-trips a source name, even one with colons, and refuses other keys', () => {
    const key = pulseDeviceKey('bluez_input.00:11:22:33:44:55.0');
    expect(pulseSourceName(key)).toBe('bluez_input.00:11:22:33:44:55.0');
    expect(pulseSourceName('ALSA:pulse')).toBeNull();
  });
});

describe('parseSubscribeLine', () => {
  it('reads what pactl subscribe prints and keeps source, sink and server changes only', () => {
    const lines = [
      "Event 'new' on source #7",
      "Event 'remove' on sink #2",
      "Event 'change' on server #4294967295",
      "Event 'new' on source-output #12",
      "Event 'change' on client #5",
      'Got SIGINT, exiting.',
    ];
    const events = lines.map(parseSubscribeLine);
    expect(events[0]).toEqual({ event: 'new', facility: 'source', index: 7 });
    expect(events[5]).toBeNull();
    expect(events.map((e) => (e ? changesDeviceList(e) : null))).toEqual([true, true, true, false, false, null]);
  });
});
