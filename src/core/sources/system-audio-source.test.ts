import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AudioFrame } from '../../shared/audio-frame.ts';
import { type EarshotError } from '../../shared/errors.ts';
import type { CaptureMessage } from '../../shared/system-audio/capture-messages.ts';
import { createSystemAudioSource, type CaptureContextEvents } from './system-audio-source.ts';

/** A capture page stand-in: the test speaks for it through `events`. */
function fakeContext(): {
  events: () => CaptureContextEvents;
  closed: () => number;
  open: (e: CaptureContextEvents) => { close(): void };
} {
  let events: CaptureContextEvents | null = null;
  let closed = 0;
  return {
    events: () => {
      if (!events) throw new Error('not opened');
      return events;
    },
    closed: () => closed,
    open: (e) => {
      events = e;
      return { close: () => void closed++ };
    },
  };
}

const say = (events: CaptureContextEvents, message: CaptureMessage): void => events.message(message);

/** Waits (bounded) until `count` frames arrived: the resampler's setup is asynchronous. */
async function framesUntil(frames: AudioFrame[], count: number): Promise<void> {
  await vi.waitFor(() => expect(frames.length).toBeGreaterThanOrEqual(count), { timeout: 5_000, interval: 5 });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createSystemAudioSource', () => {
  it('turns 48 kHz chunks into 20 ms 16 kHz PCM16 frames on the capture clock, the tone intact', async () => {
    const ctx = fakeContext();
    const source = createSystemAudioSource({ sampleRate: 16_000, os: 'win32', openContext: ctx.open });
    const frames: AudioFrame[] = [];
    const starting = source.start((f) => frames.push(f));
    say(ctx.events(), { type: 'started', sampleRate: 48_000, channels: 2, trackLabel: 'System Audio' });
    await starting;
    // One second of a 1 kHz sine at half scale, in the worklet's 960-sample chunks.
    const t0 = 1_700_000_000_000;
    for (let c = 0; c < 50; c++) {
      const samples = Float32Array.from(
        { length: 960 },
        (_, i) => 0.5 * Math.sin((2 * Math.PI * 1_000 * (c * 960 + i)) / 48_000),
      );
      say(ctx.events(), { type: 'chunk', captureTimeMs: t0 + c * 20, samples });
    }
    await framesUntil(frames, 48);
    expect(frames.every((f) => f.sampleRate === 16_000 && f.samples.length === 320)).toBe(true);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i));
    expect(frames.map((f) => f.captureTimeMs)).toEqual(frames.map((_, i) => t0 + i * 20));
    // Past the filter's start-up the tone keeps its level (RMS of 0.5·sin = 0.3536 → 11585) and its
    // pitch: 20 ms of 1 kHz is 20 periods, 40 sign changes (a sample rounding to 0 counts as positive).
    const middle = frames[20]!.samples;
    const rms = Math.sqrt(middle.reduce((sum, s) => sum + s * s, 0) / middle.length);
    expect(rms).toBeGreaterThan(11_585 * 0.97);
    expect(rms).toBeLessThan(11_585 * 1.03);
    let crossings = 0;
    for (let i = 1; i < middle.length; i++) if (middle[i]! < 0 !== middle[i - 1]! < 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(39);
    expect(crossings).toBeLessThanOrEqual(41);
    await source.stop();
    expect(ctx.closed()).toBe(1);
  });

  it('pads audio the page never delivered with silence, so later frames stay on the clock', async () => {
    const ctx = fakeContext();
    const source = createSystemAudioSource({ sampleRate: 16_000, os: 'darwin', openContext: ctx.open });
    const frames: AudioFrame[] = [];
    const starting = source.start((f) => frames.push(f));
    say(ctx.events(), { type: 'started', sampleRate: 16_000, channels: 1, trackLabel: 'System Audio' });
    await starting;
    say(ctx.events(), { type: 'chunk', captureTimeMs: 0, samples: new Float32Array(320).fill(0.25) });
    // 400 ms missing, then audio again.
    say(ctx.events(), { type: 'chunk', captureTimeMs: 420, samples: new Float32Array(320).fill(0.25) });
    await framesUntil(frames, 22);
    expect(frames[21]!.captureTimeMs).toBe(420);
    expect(frames[21]!.samples.every((s) => s === toPcm(0.25))).toBe(true);
    expect(frames.slice(1, 21).every((f) => f.samples.every((s) => s === 0))).toBe(true);
    await source.stop();
  });

  it('rejects start with the catalog error a person can act on when the page reports a failure', async () => {
    const ctx = fakeContext();
    const source = createSystemAudioSource({ sampleRate: 16_000, os: 'darwin', openContext: ctx.open });
    const starting = source.start(() => {});
    say(ctx.events(), {
      type: 'failed',
      stage: 'get-display-media',
      name: 'NotAllowedError',
      message: 'Permission denied',
    });
    await expect(starting).rejects.toMatchObject({ code: 'SYSTEM_AUDIO_PERMISSION_DENIED' });
    expect(ctx.closed()).toBe(1);
  });

  it('reports a macOS track that ends before any audio as missing permission, after start', async () => {
    const ctx = fakeContext();
    const trouble: EarshotError[] = [];
    const source = createSystemAudioSource({
      sampleRate: 16_000,
      os: 'darwin',
      openContext: ctx.open,
      onTrouble: (e) => trouble.push(e),
    });
    const starting = source.start(() => {});
    say(ctx.events(), { type: 'started', sampleRate: 48_000, channels: 2, trackLabel: 'System Audio' });
    await starting;
    say(ctx.events(), { type: 'ended', hadAudio: false });
    expect(trouble.map((e) => e.code)).toEqual(['SYSTEM_AUDIO_PERMISSION_DENIED']);
    await source.stop();
  });

  it('gives up with a failed start when the page never answers', async () => {
    vi.useFakeTimers();
    const ctx = fakeContext();
    const source = createSystemAudioSource({
      sampleRate: 16_000,
      os: 'win32',
      openContext: ctx.open,
      startTimeoutMs: 5_000,
    });
    const starting = source.start(() => {});
    const outcome = expect(starting).rejects.toMatchObject({ code: 'SYSTEM_AUDIO_START_FAILED' });
    await vi.advanceTimersByTimeAsync(5_000);
    await outcome;
    expect(ctx.closed()).toBe(1);
  });

  it('drops malformed messages and chunks before `started` without acting on them', async () => {
    const ctx = fakeContext();
    const frames: AudioFrame[] = [];
    const source = createSystemAudioSource({ sampleRate: 16_000, os: 'win32', openContext: ctx.open });
    const starting = source.start((f) => frames.push(f));
    ctx.events().message({ type: 'chunk', captureTimeMs: 'soon', samples: [1, 2, 3] });
    ctx.events().message({ type: 'failed', stage: 'elsewhere', name: 'X', message: '' });
    say(ctx.events(), { type: 'chunk', captureTimeMs: 0, samples: new Float32Array(320) });
    say(ctx.events(), { type: 'started', sampleRate: 16_000, channels: 1, trackLabel: 'System Audio' });
    await starting;
    expect(frames).toEqual([]);
    await source.stop();
  });
});

function toPcm(x: number): number {
  return Math.round(x * 32767);
}
