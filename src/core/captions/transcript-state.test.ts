import { describe, expect, it } from 'vitest';
import { TranscriptState } from './transcript-state.ts';

function snapshot(state: TranscriptState): unknown {
  // Frames are WebSocket text frames; the JSON starts after the 2- or 4-byte header.
  const frame = state.snapshotFrame();
  const offset = (frame[1]! & 0x7f) === 126 ? 4 : 2;
  return JSON.parse(frame.subarray(offset).toString('utf8'));
}

describe('TranscriptState', () => {
  it('keeps the last N finals, oldest first, and the latest partial', () => {
    const state = new TranscriptState(2);
    for (const id of ['a', 'b', 'c']) state.apply({ segmentId: id, text: id.toUpperCase(), isFinal: true });
    state.apply({ segmentId: 'd', text: 'D…', isFinal: false });
    expect(snapshot(state)).toMatchObject({
      segments: [
        { id: 'b', text: 'B' },
        { id: 'c', text: 'C' },
      ],
      partial: { id: 'd', text: 'D…', final: false },
      state: 'idle',
    });
  });

  it('replaces a re-finalized segment in place and drops a partial that arrives after its final', () => {
    const state = new TranscriptState(5);
    state.apply({ segmentId: 'a', text: 'first try', isFinal: true });
    state.apply({ segmentId: 'b', text: 'second', isFinal: true });
    expect(state.apply({ segmentId: 'a', text: 'corrected', isFinal: true }).kind).toBe('final');
    expect(state.apply({ segmentId: 'a', text: 'stale partial', isFinal: false }).kind).toBe('stale');
    expect(snapshot(state)).toMatchObject({ segments: [{ id: 'a', text: 'corrected' }, { id: 'b' }], partial: null });
  });

  it('clears the partial when its final arrives, and the screen when a new session starts', () => {
    const state = new TranscriptState(5);
    state.apply({ segmentId: 'a', text: 'par', isFinal: false });
    state.apply({ segmentId: 'a', text: 'partial done', isFinal: true });
    expect(snapshot(state)).toMatchObject({ partial: null });
    expect(state.setSessionState('streaming')).toBe(true);
    expect(state.setSessionState('streaming')).toBe(false);
    state.apply({ segmentId: 'b', text: 'unfinished', isFinal: false });
    state.setSessionState('idle');
    expect(snapshot(state)).toMatchObject({ segments: [{ id: 'a' }], partial: null, state: 'idle' });
    state.setSessionState('starting');
    expect(snapshot(state)).toEqual({ type: 'snapshot', segments: [], partial: null, state: 'starting' });
  });

  it('keeps no empty text: an empty partial withdraws the partial, an empty final leaves no segment', () => {
    const state = new TranscriptState(5);
    state.apply({ segmentId: 'a', text: 'kept', isFinal: true });
    state.apply({ segmentId: 'b', text: 'maybe', isFinal: false });
    expect(state.apply({ segmentId: 'b', text: '', isFinal: false }).kind).toBe('partial');
    expect(snapshot(state)).toMatchObject({ segments: [{ id: 'a' }], partial: null });
    state.apply({ segmentId: 'c', text: 'hmm', isFinal: false });
    expect(state.apply({ segmentId: 'c', text: '  ', isFinal: true }).kind).toBe('final');
    state.apply({ segmentId: 'a', text: '', isFinal: true });
    expect(snapshot(state)).toMatchObject({ segments: [], partial: null });
  });

  it('reuses the encoded snapshot until something changes', () => {
    const state = new TranscriptState(5);
    const first = state.snapshotFrame();
    expect(state.snapshotFrame()).toBe(first);
    state.apply({ segmentId: 'a', text: 'x', isFinal: true });
    expect(state.snapshotFrame()).not.toBe(first);
  });
});
