import { describe, expect, it } from 'vitest';
import { parseSubscribeLine } from './pulse-devices.ts';
import { callProfileMessage, callProfileOf, changesCallProfile, isCallProfile } from './bluetooth-profile.ts';
import {
  pipewireCardsJson,
  pipewireSourcesJson,
  pulseCardsJson,
  pulseHeadsetSource,
  pulseSourcesJson,
} from './testing/pactl-bluetooth.ts';

describe('callProfileOf on PulseAudio', () => {
  it('finds the headset in its handsfree profile through the address its card and source share', () => {
    const source = pulseHeadsetSource('handsfree_head_unit');
    const call = callProfileOf(
      source,
      pulseSourcesJson('handsfree_head_unit', 16000),
      pulseCardsJson('handsfree_head_unit'),
    );
    expect(call).toEqual({ headset: 'WH-1000XM4', profile: 'handsfree_head_unit', rateHz: 16000 });
    expect(callProfileMessage(call!)).toMatch(
      /^“WH-1000XM4” switched to its call profile: 16 kHz, lower quality\. .*computer’s microphone/,
    );
  });

  it('reports the narrowband HSP profile at 8 kHz', () => {
    const source = pulseHeadsetSource('headset_head_unit');
    const call = callProfileOf(
      source,
      pulseSourcesJson('headset_head_unit', 8000),
      pulseCardsJson('headset_head_unit'),
    );
    expect(call?.rateHz).toBe(8000);
  });

  it('says nothing for the built-in microphone, whatever the headset does', () => {
    const call = callProfileOf(
      'alsa_input.pci-0000_00_1f.3.analog-stereo',
      pulseSourcesJson('handsfree_head_unit', 16000),
      pulseCardsJson('handsfree_head_unit'),
    );
    expect(call).toBeNull();
  });

  it('says nothing once the card is back in A2DP, or for a source that is gone', () => {
    const source = pulseHeadsetSource('handsfree_head_unit');
    expect(
      callProfileOf(source, pulseSourcesJson('handsfree_head_unit', 16000), pulseCardsJson('a2dp_sink')),
    ).toBeNull();
    expect(callProfileOf('bluez_source.gone', pulseSourcesJson('handsfree_head_unit', 16000), '[]')).toBeNull();
  });

  it('refuses output that is not pactl’s JSON', () => {
    expect(() => callProfileOf('x', 'Source #1\n\tName: x', '[]')).toThrow();
    expect(() => callProfileOf('x', '[{"index": 1}]', '[]')).toThrow();
  });
});

describe('callProfileOf on PipeWire (pipewire-pulse)', () => {
  const source = 'bluez_input.00_1B_66_A1_B2_C3.0';

  it('finds the headset in headset-head-unit (mSBC) and in its CVSD variant', () => {
    expect(callProfileOf(source, pipewireSourcesJson(), pipewireCardsJson('headset-head-unit'))).toEqual({
      headset: 'WH-1000XM4',
      profile: 'headset-head-unit',
      rateHz: 16000,
    });
    expect(callProfileOf(source, pipewireSourcesJson(), pipewireCardsJson('headset-head-unit-cvsd'))?.profile).toBe(
      'headset-head-unit-cvsd',
    );
  });

  it('says nothing in an A2DP profile, nor for audio-gateway’s A2DP source', () => {
    expect(callProfileOf(source, pipewireSourcesJson(), pipewireCardsJson('a2dp-sink'))).toBeNull();
    const a2dpSource = pipewireSourcesJson().replace(
      '"api.bluez5.profile":"headset-head-unit"',
      '"api.bluez5.profile":"a2dp-source"',
    );
    expect(callProfileOf(source, a2dpSource, pipewireCardsJson('audio-gateway'))).toBeNull();
    expect(callProfileOf(source, pipewireSourcesJson(), pipewireCardsJson('audio-gateway'))?.profile).toBe(
      'audio-gateway',
    );
  });

  it('falls back to the codec for the rate when the spec does not say', () => {
    const noSpec = pipewireSourcesJson().replace('float32le 1ch 16000Hz', 'n/a');
    expect(callProfileOf(source, noSpec, pipewireCardsJson('headset-head-unit'))?.rateHz).toBe(16000);
    const call = callProfileOf(source, noSpec.replace('"msbc"', '"lc3"'), pipewireCardsJson('headset-head-unit'));
    expect(callProfileMessage(call!)).toContain('8/16 kHz');
  });
});

describe('profile names and events', () => {
  it('knows both servers’ call profiles and not their high-quality ones', () => {
    for (const name of ['headset_head_unit', 'handsfree_head_unit', 'headset-head-unit', 'headset-head-unit-msbc'])
      expect(isCallProfile(name), name).toBe(true);
    for (const name of ['a2dp_sink', 'a2dp-sink-ldac', 'off', 'output:analog-stereo+input:analog-stereo'])
      expect(isCallProfile(name), name).toBe(false);
  });

  it('re-checks on card and source events only', () => {
    const events = ["Event 'change' on card #3", "Event 'new' on source #9", "Event 'change' on sink-input #2"];
    expect(events.map((line) => changesCallProfile(parseSubscribeLine(line)!))).toEqual([true, true, false]);
  });
});
