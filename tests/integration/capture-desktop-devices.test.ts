import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureHost } from '../../src/core/capture-host/capture-host.ts';
import { createNodeCaptureHost } from '../../src/core/capture-host/node-capture-host.ts';
import type { OpenedStream } from '../../src/shared/capture-protocol.ts';
import type { DeviceInfo, DeviceLost } from '../../src/shared/devices.ts';
import { readWav } from '../../src/core/sources/wav.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { addMicrophone, addSpeakers, type VirtualDevice } from '../helpers/pulse-devices.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { align, collectFrames, concatFrames, peakAbs, speechWav, waitForEvent } from './capture-helpers.ts';

const unavailable = virtualMicUnavailableReason();

/**
 * Devices as a Linux desktop has them (issue 13): a "Headset microphone" source and a
 * "Speakers" sink exist only in the sound server, nothing in ALSA. Earshot lists both by
 * name with their kinds, records each (the very samples played), loses the headset when it
 * is unplugged mid-capture, and lists a hot-plugged source from the server's notice.
 */
describe.skipIf(unavailable !== null)(
  `devices as the desktop knows them${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    let dir: string;
    let speakers: VirtualDevice;
    let headset: VirtualDevice;
    const speech = { you: '', others: '' };
    const hosts: CaptureHost[] = [];
    const newHost = (): CaptureHost => {
      const host = createNodeCaptureHost(mic.env);
      hosts.push(host);
      return host;
    };

    beforeAll(async () => {
      mic = await startVirtualMic();
      dir = await mkdtemp(join(tmpdir(), 'earshot-desktop-devices-'));
      speech.you = join(dir, 'you.wav');
      speech.others = join(dir, 'others.wav');
      await speechWav(speech.you, 'I will send the report on Friday.');
      await speechWav(speech.others, 'Thanks, the numbers look good to us.');
      speakers = await addSpeakers(mic, 'meeting_speakers', 'Speakers');
      headset = await addMicrophone(mic, 'headset_mic', 'Headset microphone');
    });

    afterEach(async () => {
      await Promise.all(hosts.splice(0).map((h) => h.dispose()));
    });

    afterAll(async () => {
      await mic?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('earshot devices --json lists the headset and the speakers’ system audio by name, with their kinds', async () => {
      const run = await earshotJson(['devices', '--json'], mic.env);
      const byKey = new Map(run.map((d) => [d.key, d]));
      expect(byKey.get(headset.key)).toMatchObject({ name: 'Headset microphone', kind: 'microphone' });
      expect(byKey.get(speakers.key)).toMatchObject({ name: 'System audio — Speakers', kind: 'system' });
      // Nothing PortAudio would have shown: no raw ALSA names, no "default"/"pulse" entries.
      expect(run.every((d) => d.hostApi === 'PulseAudio')).toBe(true);
    });

    it('records from the speakers’ monitor and from the headset at once, each hearing only its own speech', async () => {
      const [system, headsetHost] = [newHost(), newHost()];
      const fromSystem = collectFrames(system);
      const fromHeadset = collectFrames(headsetHost);
      await Promise.all([
        system.start({ deviceKey: speakers.key, sampleRate: 16000 }),
        headsetHost.start({ deviceKey: headset.key, sampleRate: 16000 }),
      ]);
      await Promise.all([
        waitForEvent(system, 'frame', 'frames from the system audio', 10_000),
        waitForEvent(headsetHost, 'frame', 'frames from the headset', 10_000),
      ]);
      await Promise.all([speakers.play(speech.others), headset.play(speech.you)]);
      await Promise.all([
        waitForEvent(system, 'frame', 'one more system frame', 5000),
        waitForEvent(headsetHost, 'frame', 'one more headset frame', 5000),
      ]);
      fromSystem.stop();
      fromHeadset.stop();
      const recorded = { others: concatFrames(fromSystem.frames), you: concatFrames(fromHeadset.frames) };
      const played = { others: (await readWav(speech.others)).samples, you: (await readWav(speech.you)).samples };
      // The very samples played, not merely sound: each recording holds its own speech…
      expect(align(recorded.others, played.others, 16000).ncc).toBeGreaterThan(0.9);
      expect(align(recorded.you, played.you, 16000).ncc).toBeGreaterThan(0.9);
      // …and not the other side's.
      expect(align(recorded.others, played.you, 16000).ncc).toBeLessThan(0.3);
      expect(align(recorded.you, played.others, 16000).ncc).toBeLessThan(0.3);
    });

    it('unplugging the headset mid-capture gives DEVICE_LOST and falls back to the default microphone', async () => {
      const host = newHost();
      await host.start({ deviceKey: headset.key, sampleRate: 16000, fallbackToDefault: true });
      await waitForEvent(host, 'frame', 'frames from the headset', 10_000);
      const lost = waitForEvent<DeviceLost>(host, 'deviceLost', 'device-lost after unplugging the headset', 5000);
      const fellBack = waitForEvent<OpenedStream>(host, 'streamOpened', 'the fallback stream', 10_000);
      await headset.unplug();
      expect(await lost).toMatchObject({
        lostKey: headset.key,
        lostName: 'Headset microphone',
        fallbackKey: 'default',
      });
      expect((await fellBack).device).toMatchObject({ key: mic.deviceKey('a'), kind: 'microphone' });
      // The fallback really records: speech into the default microphone arrives.
      const after = collectFrames(host);
      await mic.play(speech.you, 'a');
      await waitForEvent(host, 'frame', 'one more frame after playback', 5000);
      after.stop();
      expect(peakAbs(concatFrames(after.frames))).toBeGreaterThan(1000);
      headset = await addMicrophone(mic, 'headset_mic', 'Headset microphone');
    });

    it('lists a hot-plugged source within 2 s, from the sound server’s notice', async () => {
      const host = newHost();
      await host.listDevices();
      const listed = waitForEvent<DeviceInfo[]>(host, 'devicesChanged', 'the new headset listed', 2000, (devices) =>
        devices.some((d) => d.key === 'PulseAudio:bt_headset'),
      );
      const plugged = await addMicrophone(mic, 'bt_headset', 'WH-1000XM4');
      try {
        expect((await listed).find((d) => d.key === plugged.key)).toMatchObject({
          name: 'WH-1000XM4',
          kind: 'microphone',
        });
      } finally {
        await plugged.unplug();
      }
    });
  },
);

/** Runs bin/earshot and parses its stdout as a device list (bounded). */
function earshotJson(args: string[], env: Readonly<Record<string, string>>): Promise<DeviceInfo[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO_ROOT, 'bin/earshot'), args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Timed out after 30000 ms waiting for earshot ${args.join(' ')}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as DeviceInfo[]);
      else reject(new Error(`earshot ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}
