import { describe, expect, it } from 'vitest';
import type { HealthWarning, Level } from '../../shared/devices.ts';
import { CapturePipeline } from './capture-pipeline.ts';

interface Captured {
  frames: { samples: Int16Array; captureTimeMs: number; callbackMs: number }[];
  levels: Level[];
  health: HealthWarning[];
}

async function pipeline(
  deviceRate: number,
  channels: number,
  sessionRate: number,
): Promise<{ p: CapturePipeline; out: Captured }> {
  const out: Captured = { frames: [], levels: [], health: [] };
  const p = await CapturePipeline.create(
    { deviceRate, channels, sessionRate, deviceName: 'Test mic' },
    {
      frame: (samples, captureTimeMs, callbackMs) => out.frames.push({ samples, captureTimeMs, callbackMs }),
      level: (l) => out.levels.push(l),
      health: (w) => out.health.push(w),
    },
    { nowMs: 0 },
  );
  return { p, out };
}

describe('CapturePipeline', () => {
  it('turns 1 s of 48 kHz stereo in 10 ms chunks into 20 ms mono frames at 16 kHz, 20 levels, timestamps 20 ms apart', async () => {
    const { p, out } = await pipeline(48000, 2, 16000);
    for (let k = 0; k < 100; k++) {
      const chunk = new Int16Array(480 * 2);
      for (let i = 0; i < 480; i++) {
        const v = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (k * 480 + i)) / 48000));
        chunk[2 * i] = v;
        chunk[2 * i + 1] = v;
      }
      p.push(chunk, 1000 + (k + 1) * 10);
    }
    p.close();
    // The resampler holds back a few ms, so the last frame of the second may still be pending.
    expect(out.frames.length).toBeGreaterThanOrEqual(49);
    expect(out.frames.every((f) => f.samples.length === 320)).toBe(true);
    expect(out.frames[0]!.captureTimeMs).toBeCloseTo(1000, 3);
    expect(out.frames[10]!.captureTimeMs - out.frames[9]!.captureTimeMs).toBeCloseTo(20, 3);
    expect(out.levels).toHaveLength(20);
    expect(out.levels[5]!.peakDb).toBeCloseTo(20 * Math.log10(8000 / 32768), 0);
    expect(out.health).toEqual([]);
  });

  it('rejects a session rate whose 20 ms frame is not a whole number of samples', async () => {
    await expect(pipeline(48000, 1, 11025)).rejects.toThrow(/whole number/);
  });
});
