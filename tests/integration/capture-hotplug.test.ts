import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureHost } from '../../src/core/capture-host/capture-host.ts';
import { createNodeCaptureHost } from '../../src/core/capture-host/node-capture-host.ts';
import type { OpenedStream } from '../../src/shared/capture-protocol.ts';
import type { DeviceInfo, DeviceLost } from '../../src/shared/devices.ts';
import type { ErrorPayload } from '../../src/shared/result.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { addMicrophone } from '../helpers/pulse-devices.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { collectFrames, concatFrames, peakAbs, speechWav, waitForEvent } from './capture-helpers.ts';

const unavailable = virtualMicUnavailableReason();

/** Polls (bounded) until the process is gone; returns how long it took, or null if it stayed. */
async function waitForExit(pid: number, timeoutMs: number): Promise<number | null> {
  const start = performance.now();
  for (let i = 0; i < 200 && performance.now() - start < timeoutMs; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return performance.now() - start;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

describe.skipIf(unavailable !== null)(
  `capture hot-plug and process lifecycle${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    let dir: string;
    let speech: string;
    const hosts: CaptureHost[] = [];
    const newHost = (): CaptureHost => {
      const host = createNodeCaptureHost(mic.env);
      hosts.push(host);
      return host;
    };

    beforeAll(async () => {
      mic = await startVirtualMic();
      dir = await mkdtemp(join(tmpdir(), 'earshot-hotplug-test-'));
      speech = join(dir, 'speech.wav');
      await speechWav(speech, 'The default microphone keeps listening.');
    });

    afterEach(async () => {
      await Promise.all(hosts.splice(0).map((h) => h.dispose()));
      // Leave Mic B plugged in for the next test whatever happened.
      await mic.replug('b').catch(() => undefined);
    });

    afterAll(async () => {
      await mic?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('lists a microphone plugged in while idle within 2 s, from the sound server’s notice, without a refresh', async () => {
      const host = newHost();
      const before = await host.listDevices();
      const changed = waitForEvent<DeviceInfo[]>(
        host,
        'devicesChanged',
        'devicesChanged listing the headset',
        2000,
        (devices) => devices.some((d) => d.key === 'PulseAudio:usb_headset'),
      );
      // A third source, as if a USB headset had been plugged in.
      const headset = await addMicrophone(mic, 'usb_headset', 'USB Headset');
      try {
        const after = await changed;
        expect(after.find((d) => d.key === 'PulseAudio:usb_headset')).toMatchObject({
          name: 'USB Headset',
          kind: 'microphone',
        });
        expect(after.filter((d) => d.kind === 'microphone')).toHaveLength(
          before.filter((d) => d.kind === 'microphone').length + 1,
        );
        const gone = waitForEvent<DeviceInfo[]>(
          host,
          'devicesChanged',
          'devicesChanged without the headset',
          2000,
          (devices) => !devices.some((d) => d.key === 'PulseAudio:usb_headset'),
        );
        await headset.unplug();
        expect((await gone).map((d) => d.key)).not.toContain('PulseAudio:usb_headset');
      } finally {
        await headset.unplug().catch(() => undefined);
      }
    });

    it('reports device-lost within 2 s of unplugging, continues on the default device, and switches back on replug', async () => {
      const host = newHost();
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000, fallbackToDefault: true });
      await waitForEvent(host, 'frame', 'frames from Mic B', 10_000);
      const fellBack = waitForEvent<OpenedStream>(
        host,
        'streamOpened',
        'the fallback stream',
        10_000,
        (s) => s.device.isDefault,
      );
      const lostEvent = waitForEvent<DeviceLost>(host, 'deviceLost', 'device-lost after unplugging Mic B', 5000);
      const unpluggedAt = performance.now();
      await mic.unplug('b');
      const lost = await lostEvent;
      expect(performance.now() - unpluggedAt).toBeLessThan(2000);
      expect(lost).toMatchObject({
        lostKey: mic.deviceKey('b'),
        lostName: mic.deviceName('b'),
        fallbackKey: 'default',
      });
      expect(lost.message).toMatch(/disconnected.*system default/);
      await fellBack;

      // The default device (Mic A) is what is heard now: speech played into it arrives as frames.
      await waitForEvent(host, 'frame', 'frames from the default device', 10_000);
      const after = collectFrames(host);
      await mic.play(speech, 'a');
      await waitForEvent(host, 'frame', 'one more frame after playback', 5000);
      after.stop();
      expect(peakAbs(concatFrames(after.frames))).toBeGreaterThan(1000);
      const seqs = after.frames.map((f) => f.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

      const restored = waitForEvent<DeviceInfo>(
        host,
        'deviceRestored',
        'device-restored after replugging Mic B',
        15_000,
      );
      await mic.replug('b');
      expect((await restored).key).toBe(mic.deviceKey('b'));
      await waitForEvent(host, 'frame', 'frames after the switch back', 10_000);
    });

    it('stops with a DEVICE_LOST error when fallback is off', async () => {
      const host = newHost();
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000, fallbackToDefault: false });
      await waitForEvent(host, 'frame', 'frames from Mic B', 10_000);
      const lostEvent = waitForEvent<DeviceLost>(host, 'deviceLost', 'device-lost', 5000);
      const failed = waitForEvent<ErrorPayload>(host, 'error', 'the capture error', 5000);
      let framesAfterUnplug = 0;
      host.on('frame', () => framesAfterUnplug++);
      await mic.unplug('b');
      const [lost, error] = await Promise.allSettled([lostEvent, failed]);
      // On failure, say whether audio kept flowing (from wherever PulseAudio moved the stream).
      expect(lost, `device-lost; frames after unplug: ${framesAfterUnplug}`).toMatchObject({ status: 'fulfilled' });
      expect(lost.status === 'fulfilled' && lost.value).toMatchObject({ fallbackKey: null });
      expect(error.status === 'fulfilled' && error.value).toMatchObject({
        code: 'DEVICE_LOST',
        message: expect.stringContaining(mic.deviceName('b')) as unknown,
      });
    });

    it('restarts a crashed capture process and resumes capture with frame numbers continuing', async () => {
      const host = newHost();
      await host.start({ deviceKey: mic.deviceKey('a'), sampleRate: 16000 });
      const before = await waitForEvent<{ seq: number }>(host, 'frame', 'frame 10', 10_000, (f) => f.seq >= 10);
      const crashed = waitForEvent<ErrorPayload>(host, 'error', 'the crash report', 5000);
      const oldPid = host.pid!;
      process.kill(oldPid, 'SIGKILL');
      expect(await crashed).toMatchObject({ code: 'CAPTURE_CRASHED' });
      const resumed = await waitForEvent<{ seq: number }>(host, 'frame', 'a frame from the restarted process', 15_000);
      expect(host.pid).not.toBe(oldPid);
      expect(resumed.seq).toBeGreaterThan(before.seq);
    });

    it('exits when its parent dies, releasing the microphone', async () => {
      const script = `
      import { createNodeCaptureHost } from ${JSON.stringify(join(REPO_ROOT, 'src/core/capture-host/node-capture-host.ts'))};
      const host = createNodeCaptureHost(JSON.parse(process.env.MIC_ENV));
      await host.start({ deviceKey: ${JSON.stringify(mic.deviceKey('a'))}, sampleRate: 16000 });
      host.once('frame', () => process.stdout.write('capture-pid ' + host.pid + '\\n'));
    `;
      const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
        env: { ...process.env, MIC_ENV: JSON.stringify(mic.env) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const childPid = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('Timed out after 15000 ms waiting for the parent to report its capture pid')),
          15_000,
        );
        let out = '';
        parent.stdout.setEncoding('utf8').on('data', (t: string) => {
          out += t;
          const match = /capture-pid (\d+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
      });
      parent.kill('SIGKILL');
      expect(await waitForExit(childPid, 5000)).not.toBeNull();
    });
  },
);
