import { describe, expect, it } from 'vitest';
import { CAPTURE_PROTOCOL_VERSION, type CaptureFrameMessage, type CaptureMessage } from '../shared/capture-protocol.ts';
import type { DeviceInfo } from '../shared/devices.ts';
import { mic } from '../shared/testing/devices.ts';
import { FrameBatcher, FRAMES_PER_MESSAGE, framesPerMessage } from './frame-batcher.ts';

const v = CAPTURE_PROTOCOL_VERSION;

function frame(seq: number): CaptureFrameMessage {
  return {
    v,
    type: 'frame',
    seq,
    captureTimeMs: 1000 + seq * 20,
    sampleRate: 16000,
    samples: new Int16Array(320).fill(seq),
    preRoll: false,
    timing: { callbackMs: 0, sentMs: 0 },
  };
}

const level = (rmsDb: number): CaptureMessage => ({ v, type: 'level', level: { rmsDb, peakDb: 0 } });

/** The frame numbers and other message types the parent would see, in order. */
function seen(posted: unknown[]): (number | string)[] {
  return posted.flatMap((m): (number | string)[] => {
    const message = m as CaptureMessage;
    if (message.type === 'frames') return message.frames.map((f) => f.seq);
    if (message.type === 'frame') return [message.seq];
    return [message.type];
  });
}

describe('FrameBatcher', () => {
  it('sends frames a few at a time, in order, each unchanged', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 3);
    for (let seq = 0; seq < 7; seq++) batcher.post(frame(seq));
    expect(posted).toHaveLength(2);
    expect(posted[0]).toEqual({ v, type: 'frames', frames: [frame(0), frame(1), frame(2)] });
    expect(seen(posted)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('sends held frames ahead of any other message, so the parent sees the original order', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 5);
    batcher.post(frame(0));
    batcher.post(frame(1));
    batcher.post({ v, type: 'reply', id: 1, ok: true, value: null });
    batcher.post(frame(2));
    batcher.post({ v, type: 'stop-helper', id: 3 });
    expect(seen(posted)).toEqual([0, 1, 'reply', 2, 'stop-helper']);
    // One held frame goes as a plain `frame`, as before batching.
    expect((posted[2] as CaptureMessage).type).toBe('frame');
  });

  it('lets level readings ride with held frames, and sends them at once when no frame is held', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 2);
    batcher.post(level(-50)); // monitoring only: nothing to wait for
    expect(posted).toEqual([level(-50)]);
    batcher.post(frame(0));
    batcher.post(level(-40));
    batcher.post(frame(1));
    expect(posted[1]).toEqual({
      v,
      type: 'frames',
      frames: [frame(0), frame(1)],
      levels: [{ rmsDb: -40, peakDb: 0 }],
    });
  });

  it('flush() sends what is held (the process is exiting)', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 4);
    batcher.post(frame(0));
    batcher.post(frame(1));
    expect(posted).toEqual([]);
    batcher.flush();
    batcher.flush();
    expect(seen(posted)).toEqual([0, 1]);
  });

  it('with one frame per message sends each frame as it comes', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 1);
    batcher.post(frame(0));
    batcher.post(level(-30));
    expect(posted).toEqual([frame(0), level(-30)]);
  });

  it('reads its override from the environment, within bounds', () => {
    expect(framesPerMessage({})).toBe(FRAMES_PER_MESSAGE);
    expect(framesPerMessage({ EARSHOT_CAPTURE_FRAMES_PER_MESSAGE: '5' })).toBe(5);
    expect(framesPerMessage({ EARSHOT_CAPTURE_FRAMES_PER_MESSAGE: '0' })).toBe(FRAMES_PER_MESSAGE);
    expect(framesPerMessage({ EARSHOT_CAPTURE_FRAMES_PER_MESSAGE: 'many' })).toBe(FRAMES_PER_MESSAGE);
  });
});

describe('FrameBatcher on a quiet microphone', () => {
  const opened = (device: DeviceInfo): CaptureMessage => ({
    v,
    type: 'stream-opened',
    stream: { device, deviceRate: 16000, deviceChannels: 1, sessionRate: 16000 },
  });
  const quiet = (seq: number): CaptureFrameMessage => ({
    ...frame(seq),
    samples: new Int16Array(320).fill(seq % 2 ? 50 : -50),
  });
  const loud = (seq: number): CaptureFrameMessage => ({ ...frame(seq), samples: new Int16Array(320).fill(3000) });
  /** How many frames each `frames`/`frame` message carried. */
  const sizes = (posted: unknown[]): number[] =>
    posted.flatMap((m) => {
      const message = m as CaptureMessage;
      if (message.type === 'frames') return [message.frames.length];
      return message.type === 'frame' ? [1] : [];
    });

  it('after 2 s of quiet sends 200 ms at a time, and the first loud frame at once with all it held', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 2);
    batcher.post(opened(mic('Mic A', 1)));
    let seq = 0;
    while (seq < 100) batcher.post(quiet(seq++)); // 2 s: the normal cadence still
    expect(sizes(posted).every((n) => n === 2)).toBe(true);
    posted.length = 0;
    while (seq < 125) batcher.post(quiet(seq++));
    expect(sizes(posted)).toEqual([10, 10]); // 20 quiet frames out, 5 held
    posted.length = 0;
    batcher.post(loud(seq++));
    expect(sizes(posted)).toEqual([6]);
    // Speech: the normal cadence again, and for 2 s after it.
    posted.length = 0;
    for (let i = 0; i < 50; i++) batcher.post(loud(seq++));
    for (let i = 0; i < 100; i++) batcher.post(quiet(seq++));
    expect(sizes(posted).every((n) => n === 2)).toBe(true);
    expect(seen(posted.splice(0))).toHaveLength(150);
  });

  it('never holds system audio longer (the echo gate waits for it)', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 2);
    batcher.post(opened({ ...mic('Speakers', 2), kind: 'system' }));
    for (let seq = 0; seq < 300; seq++) batcher.post(quiet(seq));
    expect(sizes(posted).every((n) => n === 2)).toBe(true);
  });

  it('holds frames in order with other messages, as at the normal cadence', () => {
    const posted: unknown[] = [];
    const batcher = new FrameBatcher((m) => posted.push(m), 2);
    batcher.post(opened(mic('Mic A', 1)));
    for (let seq = 0; seq < 105; seq++) batcher.post(quiet(seq));
    batcher.post({ v, type: 'reply', id: 1, ok: true, value: null });
    expect(seen(posted).slice(-3)).toEqual([103, 104, 'reply']);
  });
});
