import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/core/sources/wav.ts';
import type { CaptureHost } from '../../src/core/capture-host/capture-host.ts';
import { createMicrophoneSource } from '../../src/core/sources/microphone-source.ts';
import { createNodeCaptureHost } from '../../src/core/capture-host/node-capture-host.ts';
import type { OpenedStream } from '../../src/shared/capture-protocol.ts';
import type { HealthWarning, Level } from '../../src/shared/devices.ts';
import { EarshotError } from '../../src/shared/errors.ts';
import { LIBRIVOX_DIR } from '../helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import {
  align,
  collectFrames,
  concatFrames,
  peakAbs,
  rmsDbfs,
  speechSpanSeconds,
  speechWav,
  waitForEvent,
} from './capture-helpers.ts';

const unavailable = virtualMicUnavailableReason();
const SPEECH = join(LIBRIVOX_DIR, 'sense_and_sensibility_01_austen_64kb-0890.wav');

describe.skipIf(unavailable !== null)(
  `capture from the virtual microphone${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    let dir: string;
    let shortSpeech: string;
    const hosts: CaptureHost[] = [];
    const newHost = (): CaptureHost => {
      const host = createNodeCaptureHost(mic.env);
      hosts.push(host);
      return host;
    };

    beforeAll(async () => {
      mic = await startVirtualMic();
      dir = await mkdtemp(join(tmpdir(), 'earshot-capture-test-'));
      shortSpeech = join(dir, 'hello.wav');
      await speechWav(shortSpeech, 'Hello, this is the microphone test.');
    });

    afterEach(async () => {
      await Promise.all(hosts.splice(0).map((h) => h.dispose()));
    });

    afterAll(async () => {
      await mic?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('lists the virtual microphones by name, with stable keys and the system default marked', async () => {
      const host = newHost();
      const devices = await host.listDevices();
      const names = devices.map((d) => d.name);
      expect(names).toEqual(expect.arrayContaining([mic.deviceName('a'), mic.deviceName('b')]));
      expect(devices.find((d) => d.name === mic.deviceName('b'))).toMatchObject({
        key: mic.deviceKey('b'),
        hostApi: 'PulseAudio',
        kind: 'microphone',
      });
      // Listed by the sound server, as a desktop shows them: no raw ALSA names.
      expect(devices.every((d) => d.hostApi === 'PulseAudio')).toBe(true);
      expect(devices.filter((d) => d.isDefault).map((d) => d.name)).toEqual([mic.deviceName('a')]);
      const again = await host.refreshDevices();
      expect(again.map((d) => d.key)).toEqual(devices.map((d) => d.key));
    });

    it('records the speech played into Mic B — matching the source — while Mic A stays silent', async () => {
      const [hostA, hostB] = [newHost(), newHost()];
      const a = collectFrames(hostA);
      const b = collectFrames(hostB);
      // Mic B opens at 48 kHz so the recording goes through Earshot's own resampler to 16 kHz.
      await Promise.all([
        hostA.start({ deviceKey: mic.deviceKey('a'), sampleRate: 16000 }),
        hostB.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000, captureRate: 48000 }),
      ]);
      // PulseAudio takes up to ~1.5 s to start a stream: play only once both deliver.
      await Promise.all([
        waitForEvent(hostA, 'frame', 'the first frame from Mic A', 10_000),
        waitForEvent(hostB, 'frame', 'the first frame from Mic B', 10_000),
      ]);
      await mic.play(SPEECH, 'b');
      const playedAt = performance.timeOrigin + performance.now();
      await waitForEvent(
        hostB,
        'frame',
        'Mic B frames from after playback ended',
        10_000,
        (f: { captureTimeMs: number }) => f.captureTimeMs > playedAt + 500,
      );
      await Promise.all([hostA.stop(), hostB.stop()]);
      a.stop();
      b.stop();

      const recorded = concatFrames(b.frames);
      const source = (await readWav(SPEECH)).samples;
      expect(b.frames.every((f) => f.samples.length === 320 && f.sampleRate === 16000)).toBe(true);
      expect(b.frames.map((f) => f.seq)).toEqual(b.frames.map((_, i) => i));
      const { lag, ncc } = align(recorded, source, 16000);
      expect(ncc).toBeGreaterThanOrEqual(0.9);
      const segment = recorded.subarray(lag, lag + source.length);
      const [spanRec, spanSrc] = [speechSpanSeconds(segment, 16000), speechSpanSeconds(source, 16000)];
      expect(Math.abs(spanRec - spanSrc) / spanSrc).toBeLessThanOrEqual(0.02);
      expect(rmsDbfs(segment)).toBeGreaterThan(-40);

      const silent = concatFrames(a.frames);
      expect(silent.length).toBeGreaterThan(16000 * 3);
      expect(peakAbs(silent)).toBe(0);
    });

    it('switches devices live with setDevice: frames continue in sequence, a bad key leaves capture as it was', async () => {
      const host = newHost();
      const frames = collectFrames(host);
      await host.start({ deviceKey: mic.deviceKey('a'), sampleRate: 16000 });
      await waitForEvent(host, 'frame', 'frames from Mic A', 10_000);
      const switched = waitForEvent<OpenedStream>(
        host,
        'streamOpened',
        'the stream on Mic B',
        10_000,
        (s) => s.device.key === mic.deviceKey('b'),
      );
      await host.setDevice(mic.deviceKey('b'));
      await switched;
      const playing = mic.play(shortSpeech, 'b');
      await playing;
      await waitForEvent(host, 'frame', 'a frame after playback', 5000);
      let reopened = 0;
      host.on('streamOpened', () => reopened++);
      await expect(host.setDevice('ALSA:nothing here')).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
      await waitForEvent(host, 'frame', 'frames after the refused switch', 5000);
      expect(reopened).toBe(0);
      await host.stop();
      frames.stop();
      const seqs = frames.frames.map((f) => f.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      expect(peakAbs(concatFrames(frames.frames))).toBeGreaterThan(1000);
    });

    it('fails with a clear DEVICE_NOT_FOUND error for an unknown device, and keeps working', async () => {
      const host = newHost();
      const error = await host
        .start({ deviceKey: 'ALSA:no such microphone', sampleRate: 16000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EarshotError);
      expect(error).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
      expect((error as Error).message).toContain('no such microphone');
      const pid = host.pid;
      await host.start({ deviceKey: mic.deviceKey('a'), sampleRate: 16000 });
      await waitForEvent(host, 'frame', 'a frame after the failed start', 10_000);
      expect(host.pid).toBe(pid);
    });

    it('warns about digital silence on a device that delivers only zeros, with the device named', async () => {
      const host = newHost();
      const warning = waitForEvent<HealthWarning>(
        host,
        'health',
        'a digital-silence warning',
        10_000,
        (w) => w.kind === 'digital-silence' && w.active,
      );
      await host.start({ deviceKey: mic.deviceKey('a'), sampleRate: 16000 });
      expect(await warning).toMatchObject({
        deviceName: mic.deviceName('a'),
        message: expect.stringMatching(/digital silence/) as unknown,
      });
    });

    it('reports levels about 20 times a second, loud while speech plays', async () => {
      const host = newHost();
      const levels: { level: Level; at: number }[] = [];
      host.on('level', (level) => levels.push({ level, at: performance.now() }));
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 24000 });
      await waitForEvent(host, 'frame', 'the first frame', 10_000);
      const from = performance.now();
      await mic.play(shortSpeech, 'b');
      const to = performance.now();
      await host.stop();
      const during = levels.filter((l) => l.at >= from && l.at <= to);
      const perSecond = during.length / ((to - from) / 1000);
      expect(perSecond).toBeGreaterThan(10);
      expect(perSecond).toBeLessThan(30);
      expect(Math.max(...during.map((l) => l.level.peakDb))).toBeGreaterThan(-30);
    });

    it('starts a warm microphone with the last ~500 ms before start (pre-roll), frames contiguous', async () => {
      const host = newHost();
      await host.monitor({ deviceKey: mic.deviceKey('b'), sampleRate: 16000 });
      const playing = mic.play(shortSpeech, 'b');
      await waitForEvent(host, 'level', 'speech on the monitored mic', 15_000, (l: Level) => l.rmsDb > -45);
      // Let the ring fill past 500 ms: twelve more level readings are 600 ms of audio.
      let readings = 0;
      await waitForEvent(host, 'level', '600 ms more audio on the monitored mic', 5000, () => ++readings >= 12);
      const frames = collectFrames(host);
      const startedAt = performance.timeOrigin + performance.now();
      await host.start({ deviceKey: mic.deviceKey('b'), sampleRate: 16000, preRollMs: 500 });
      await playing;
      await host.stop();
      frames.stop();
      const first = frames.frames[0]!;
      expect(first.seq).toBe(0);
      // ~500 ms of audio from before start() was called (less the time the request took to arrive).
      expect(startedAt - first.captureTimeMs).toBeGreaterThan(200);
      expect(startedAt - first.captureTimeMs).toBeLessThan(1000);
      // Contiguous: 20 ms apart (give or take the clock's small re-anchoring on an earlier arrival).
      for (let i = 1; i < 30; i++) {
        expect(Math.abs(frames.frames[i]!.captureTimeMs - frames.frames[i - 1]!.captureTimeMs - 20)).toBeLessThan(5);
      }
      expect(peakAbs(concatFrames(frames.frames.slice(0, 25)))).toBeGreaterThan(300);
    });

    it('serves the session as a FrameSource that starts and stops like a WAV reader', async () => {
      const host = newHost();
      const source = createMicrophoneSource(host, { deviceKey: mic.deviceKey('a'), sampleRate: 16000 });
      const got: number[] = [];
      await source.start((frame) => got.push(frame.seq));
      await waitForEvent(host, 'frame', 'ten frames', 10_000, (f: { seq: number }) => f.seq >= 9);
      await source.stop();
      const count = got.length;
      expect(got.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(source.sampleRate).toBe(16000);
      // Nothing arrives after stop() resolved.
      await host.listDevices();
      expect(got.length).toBe(count);
    });
  },
);
