import { describe, expect, it } from 'vitest';
import { CAPTURE_PROTOCOL_VERSION, type CaptureFrameMessage, type CaptureMessage } from '../shared/capture-protocol.ts';
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
