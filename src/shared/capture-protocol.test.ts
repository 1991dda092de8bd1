import { describe, expect, it } from 'vitest';
import { CAPTURE_PROTOCOL_VERSION, captureRequestSchema, parseCaptureMessage } from './capture-protocol.ts';

const frame = {
  v: CAPTURE_PROTOCOL_VERSION,
  type: 'frame',
  seq: 3,
  captureTimeMs: 123.5,
  sampleRate: 16000,
  samples: new Int16Array(320),
  preRoll: false,
  timing: { callbackMs: 1, sentMs: 2 },
};

describe('capture protocol', () => {
  it('accepts a frame carrying an Int16Array and nothing else as samples', () => {
    expect(parseCaptureMessage(frame)).toMatchObject({ type: 'frame', seq: 3 });
    expect(parseCaptureMessage({ ...frame, samples: Array.from(new Int16Array(320)) })).toBeNull();
    expect(parseCaptureMessage({ ...frame, samples: new Float32Array(320) })).toBeNull();
  });

  it('accepts a batch of well-formed frames with level readings, and drops a batch with any bad frame', () => {
    const second = { ...frame, seq: 4 };
    const level = { rmsDb: -20, peakDb: -6 };
    expect(parseCaptureMessage({ v: CAPTURE_PROTOCOL_VERSION, type: 'frames', frames: [frame, second] })).toEqual({
      v: CAPTURE_PROTOCOL_VERSION,
      type: 'frames',
      frames: [frame, second],
    });
    expect(
      parseCaptureMessage({ v: CAPTURE_PROTOCOL_VERSION, type: 'frames', frames: [frame], levels: [level] }),
    ).toMatchObject({ levels: [level] });
    const batch = (frames: unknown, levels?: unknown): unknown =>
      parseCaptureMessage({ v: CAPTURE_PROTOCOL_VERSION, type: 'frames', frames, levels });
    expect(batch([frame, { ...second, samples: new Float32Array(320) }])).toBeNull();
    expect(batch([frame, { ...second, seq: -1 }])).toBeNull();
    expect(batch([frame, { ...second, timing: { callbackMs: 1 } }])).toBeNull();
    expect(batch([])).toBeNull();
    expect(batch('frames')).toBeNull();
    expect(batch([frame], [{ rmsDb: 'loud', peakDb: 0 }])).toBeNull();
  });

  it('refuses messages from another protocol version', () => {
    expect(parseCaptureMessage({ ...frame, v: CAPTURE_PROTOCOL_VERSION + 1 })).toBeNull();
    expect(parseCaptureMessage({ type: 'level', level: { rmsDb: -3, peakDb: 0 } })).toBeNull();
  });

  it('accepts replies only with a known error code', () => {
    const reply = {
      v: CAPTURE_PROTOCOL_VERSION,
      type: 'reply',
      id: 4,
      ok: false,
      error: { code: 'DEVICE_BUSY', message: 'busy' },
    };
    expect(parseCaptureMessage(reply)).toMatchObject({ ok: false, error: { code: 'DEVICE_BUSY' } });
    expect(parseCaptureMessage({ ...reply, error: { code: 'PA_9985', message: 'raw' } })).toBeNull();
  });

  it('validates requests: rates, pre-roll bounds, known types', () => {
    const start = {
      v: CAPTURE_PROTOCOL_VERSION,
      type: 'start',
      id: 1,
      deviceKey: 'default',
      sampleRate: 16000,
      preRollMs: 500,
      fallbackToDefault: true,
    };
    expect(captureRequestSchema.safeParse(start).success).toBe(true);
    expect(captureRequestSchema.safeParse({ ...start, sampleRate: 100 }).success).toBe(false);
    expect(captureRequestSchema.safeParse({ ...start, preRollMs: -1 }).success).toBe(false);
    expect(captureRequestSchema.safeParse({ ...start, type: 'format-disk' }).success).toBe(false);
  });
});
