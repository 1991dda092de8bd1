import type { DeviceInfo } from './devices.ts';
import { mic } from './testing/devices.ts';
import { describe, expect, it } from 'vitest';
import {
  buildDeviceList,
  deviceKey,
  findDevice,
  needsPresenceProbe,
  resolveDeviceSelector,
  type RawDevice,
  type RawHostApis,
} from './device-list.ts';

const raw = (id: number, name: string, hostAPIName: string, maxInputChannels = 2): RawDevice => ({
  id,
  name,
  hostAPIName,
  maxInputChannels,
  maxOutputChannels: 2,
  defaultSampleRate: 48000,
});

const linuxDevices = [
  raw(0, 'pulse', 'ALSA', 32),
  raw(1, 'earshot_mic_a', 'ALSA'),
  raw(2, 'earshot_mic_b', 'ALSA'),
  raw(3, 'default', 'ALSA', 32),
  raw(4, 'HDMI out', 'ALSA', 0),
];
const linuxApis: RawHostApis = {
  defaultHostAPI: 0,
  HostAPIs: [
    { id: 0, name: 'ALSA', type: 'ALSA', deviceCount: 5, defaultInput: 3, defaultOutput: 3 },
    { id: 1, name: 'OSS', type: 'OSS', deviceCount: 0, defaultInput: 2 ** 32 - 1, defaultOutput: 2 ** 32 - 1 },
  ],
};

describe('buildDeviceList', () => {
  it('lists inputs only, keyed by host API and name, with the system default marked', () => {
    const list = buildDeviceList(linuxDevices, linuxApis, 'linux');
    expect(list.map((d) => d.key)).toEqual(['ALSA:pulse', 'ALSA:earshot_mic_a', 'ALSA:earshot_mic_b', 'ALSA:default']);
    expect(list.filter((d) => d.isDefault).map((d) => d.name)).toEqual(['default']);
    expect(list[1]).toEqual({
      key: 'ALSA:earshot_mic_a',
      name: 'earshot_mic_a',
      index: 1,
      hostApi: 'ALSA',
      maxInputChannels: 2,
      defaultSampleRate: 48000,
      isDefault: false,
      kind: 'microphone',
    });
  });

  it('keeps keys stable when indices shift (a device plugged in before the others)', () => {
    const shifted = [raw(0, 'USB Mic', 'ALSA'), ...linuxDevices.map((d) => ({ ...d, id: d.id + 1 }))];
    const before = buildDeviceList(linuxDevices, linuxApis, 'linux');
    const after = buildDeviceList(
      shifted,
      { ...linuxApis, HostAPIs: [{ ...linuxApis.HostAPIs[0]!, defaultInput: 4 }] },
      'linux',
    );
    for (const device of before) expect(findDevice(after, device.key)?.name).toBe(device.name);
    expect(findDevice(after, 'default')?.name).toBe('default');
  });

  it('tells identical names apart by occurrence, not index', () => {
    const list = buildDeviceList(
      [raw(5, 'USB Mic', 'ALSA'), raw(9, 'USB Mic', 'ALSA')],
      { ...linuxApis, HostAPIs: [linuxApis.HostAPIs[0]!] },
      'linux',
    );
    expect(list.map((d) => d.key)).toEqual(['ALSA:USB Mic', 'ALSA:USB Mic#2']);
  });

  it('shows one copy of each mic on Windows (WASAPI), not one per host API', () => {
    const devices = [
      raw(0, 'Microphone (Realtek(R) Au', 'MME'),
      raw(1, 'Microphone (Realtek(R) Audio)', 'Windows DirectSound'),
      raw(2, 'Microphone (Realtek(R) Audio)', 'Windows WASAPI'),
    ];
    const apis: RawHostApis = {
      defaultHostAPI: 0,
      HostAPIs: [
        { id: 0, name: 'MME', type: 'MME', deviceCount: 1, defaultInput: 0, defaultOutput: 0 },
        { id: 1, name: 'Windows DirectSound', type: 'DirectSound', deviceCount: 1, defaultInput: 1, defaultOutput: 1 },
        { id: 2, name: 'Windows WASAPI', type: 'WASAPI', deviceCount: 1, defaultInput: 2, defaultOutput: 2 },
      ],
    };
    const list = buildDeviceList(devices, apis, 'win32');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      key: deviceKey('Windows WASAPI', 'Microphone (Realtek(R) Audio)'),
      isDefault: true,
    });
  });

  it('returns an empty list when there is no input at all', () => {
    expect(buildDeviceList([raw(0, 'Speakers', 'ALSA', 0)], linuxApis, 'linux')).toEqual([]);
  });
});

describe('resolveDeviceSelector', () => {
  const list = buildDeviceList(linuxDevices, linuxApis, 'linux');
  it.each([
    ['default', 'default'],
    ['ALSA:earshot_mic_b', 'ALSA:earshot_mic_b'],
    ['earshot_mic_b', 'ALSA:earshot_mic_b'],
    ['EARSHOT_MIC_A', 'ALSA:earshot_mic_a'],
    ['2', 'ALSA:earshot_mic_b'],
    ['mic_b', 'ALSA:earshot_mic_b'],
  ])('resolves %s to %s', (selector, key) => {
    expect(resolveDeviceSelector(list, selector)).toBe(key);
  });

  it('returns null for an unknown or ambiguous selector', () => {
    expect(resolveDeviceSelector(list, 'no such mic')).toBeNull();
    expect(resolveDeviceSelector(list, 'earshot_mic')).toBeNull();
    expect(resolveDeviceSelector(list, '42')).toBeNull();
  });
});

describe('needsPresenceProbe', () => {
  it.each([
    ['ALSA', 'earshot_mic_b', true],
    ['ALSA', 'default', false],
    ['ALSA', 'pulse', false],
    ['ALSA', 'HDA Intel PCH: ALC3246 Analog (hw:0,0)', false],
    ['Core Audio', 'MacBook Pro Microphone', false],
    ['Windows WASAPI', 'Microphone (USB Audio)', false],
    ['PulseAudio', 'Headset microphone', true],
  ])('%s “%s” → %s', (hostApi, name, expected) => {
    expect(needsPresenceProbe({ hostApi, name })).toBe(expected);
  });
});

describe('findDevice with system audio listed', () => {
  it('never takes an output monitor for the default microphone', () => {
    const monitor: DeviceInfo = { ...mic('System audio — Speakers', 0, true), kind: 'system' };
    expect(findDevice([monitor, mic('Headset', 1)], 'default')).toBeUndefined();
    expect(findDevice([monitor, mic('Headset', 1, true)], 'default')?.name).toBe('Headset');
    expect(findDevice([monitor], monitor.key)).toBe(monitor);
  });
});
