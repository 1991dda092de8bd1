import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/core/sources/wav.ts';
import { BIN_EARSHOT } from '../helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { peakAbs, rmsDbfs, speechWav } from './capture-helpers.ts';

const unavailable = virtualMicUnavailableReason();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/earshot to completion (bounded); `whileRunning` gets stderr as it streams. */
function earshot(
  args: string[],
  env: Record<string, string>,
  onStderr?: (soFar: string) => void,
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN_EARSHOT, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      stderr += t;
      onStderr?.(stderr);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`earshot ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(unavailable !== null)(
  `earshot devices / record${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let mic: VirtualMic;
    let dir: string;
    let speech: string;

    beforeAll(async () => {
      mic = await startVirtualMic();
      dir = await mkdtemp(join(tmpdir(), 'earshot-cli-capture-'));
      speech = join(dir, 'speech.wav');
      await speechWav(speech, 'Testing one two three, this is my microphone.');
    });

    afterAll(async () => {
      await mic?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('devices --json prints exactly an array of device objects and nothing else', async () => {
      const run = await earshot(['devices', '--json'], mic.env);
      expect(run.code).toBe(0);
      const devices = JSON.parse(run.stdout) as Record<string, unknown>[];
      expect(Array.isArray(devices)).toBe(true);
      for (const d of devices) {
        expect(Object.keys(d).sort()).toEqual([
          'defaultSampleRate',
          'hostApi',
          'index',
          'isDefault',
          'key',
          'kind',
          'maxInputChannels',
          'name',
        ]);
      }
      expect(devices.map((d) => d['name'])).toEqual(expect.arrayContaining([mic.deviceName('a'), mic.deviceName('b')]));
      expect(devices.filter((d) => d['isDefault'] === true).map((d) => d['name'])).toEqual([mic.deviceName('a')]);
      expect(devices.find((d) => d['name'] === 'System audio — SpeakerB')).toMatchObject({ kind: 'system' });
    });

    it('devices prints a readable table with the default marked', async () => {
      const run = await earshot(['devices'], mic.env);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`\\s${mic.deviceKey('b')}\\s`));
      expect(run.stdout).toMatch(new RegExp(`^\\*\\s+\\d+\\s+${mic.deviceKey('a')}\\s+microphone\\s`, 'm'));
      expect(run.stdout).toMatch(/\sPulseAudio:virtspk_b\.monitor\s+system\s/);
    });

    it('record --device <name> writes a 16-bit mono WAV of exactly N seconds holding the played speech', async () => {
      const out = join(dir, 'mic-b.wav');
      // Playback starts once the recorder says it is recording (assigned in the callback).
      const playback: { done?: Promise<void> } = {};
      const run = await earshot(
        ['record', '--device', mic.deviceName('b'), '--seconds', '5', '--out', out],
        mic.env,
        (stderr) => {
          if (!playback.done && stderr.includes('Recording')) playback.done = mic.play(speech, 'b');
        },
      );
      await playback.done;
      expect(run.stderr).toMatch(/Recording 5 s from “Mic B” at 16000 Hz/);
      expect(run.code).toBe(0);
      const wav = await readWav(out);
      expect(wav).toMatchObject({ sampleRate: 16000, channels: 1 });
      expect(wav.samples.length).toBe(5 * 16000);
      expect(rmsDbfs(wav.samples)).toBeGreaterThan(-45);
      expect(run.stdout).toBe('');
    });

    it('record --rate 24000 from the default device (Mic A, silent) records zeros at 24 kHz', async () => {
      const out = join(dir, 'default.wav');
      const run = await earshot(
        ['record', '--device', 'default', '--rate', '24000', '--seconds', '1', '--out', out],
        mic.env,
      );
      expect(run.code).toBe(0);
      const wav = await readWav(out);
      expect(wav.sampleRate).toBe(24000);
      expect(wav.samples.length).toBe(24000);
      expect(peakAbs(wav.samples)).toBe(0);
    });

    it('an unknown device prints error[DEVICE_NOT_FOUND] with the choices, exits 1, no stack trace', async () => {
      const run = await earshot(
        ['record', '--device', 'USB Yeti', '--seconds', '1', '--out', join(dir, 'x.wav')],
        mic.env,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^error\[DEVICE_NOT_FOUND\]: No microphone matches "USB Yeti"\. Available: .*PulseAudio:virtmic_b/m,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });

    it('bad arguments are usage errors (exit 2), not crashes', async () => {
      const noSeconds = await earshot(['record', '--out', join(dir, 'y.wav')], mic.env);
      expect(noSeconds.code).toBe(2);
      expect(noSeconds.stderr).toMatch(/^error\[USAGE\]: --seconds is required/);
      const badRate = await earshot(
        ['record', '--rate', '22050.5', '--seconds', '1', '--out', join(dir, 'y.wav')],
        mic.env,
      );
      expect(badRate.code).toBe(2);
      expect(badRate.stderr).toMatch(/^error\[USAGE\]: --rate/);
    });
  },
);
