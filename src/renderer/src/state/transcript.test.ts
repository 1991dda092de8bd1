import { describe, expect, it } from 'vitest';
import { fakeMain } from '../testing/fake-transport.ts';
import { TranscriptStore } from './transcript.svelte.ts';

function store() {
  const errors: string[] = [];
  return { t: new TranscriptStore(fakeMain().api, (e) => errors.push(e.code)), errors };
}

describe('TranscriptStore', () => {
  it('keeps one partial, replaced by its final in the same place', () => {
    const { t } = store();
    t.apply({ segmentId: 'a', text: 'hel', isFinal: false });
    t.apply({ segmentId: 'a', text: 'hello', isFinal: false });
    expect(t.rowCount).toBe(1);
    expect(t.rowAt(0)).toMatchObject({ segmentId: 'a', text: 'hello', isFinal: false });
    t.apply({ segmentId: 'a', text: 'Hello.', isFinal: true });
    expect(t.rowCount).toBe(1);
    expect(t.rowAt(0)).toMatchObject({ segmentId: 'a', text: 'Hello.', isFinal: true });
    expect(t.partial).toBeNull();
    expect(t.lastFinal?.text).toBe('Hello.');
  });

  it('ignores a late partial for a segment already final, and replaces a corrected final in place', () => {
    const { t } = store();
    t.apply({ segmentId: 'a', text: 'One.', isFinal: true });
    t.apply({ segmentId: 'b', text: 'Two.', isFinal: true });
    t.apply({ segmentId: 'a', text: 'on', isFinal: false });
    expect(t.partial).toBeNull();
    t.apply({ segmentId: 'a', text: 'Won.', isFinal: true });
    expect(t.segments.map((s) => s.text)).toEqual(['Won.', 'Two.']);
  });

  it('drops a withdrawn (empty) partial and leaves no row for an empty final', () => {
    const { t } = store();
    t.apply({ segmentId: 'a', text: 'uh', isFinal: false });
    t.apply({ segmentId: 'a', text: '', isFinal: false });
    expect(t.rowCount).toBe(0);
    t.apply({ segmentId: 'b', text: 'mm', isFinal: false });
    t.apply({ segmentId: 'b', text: '  ', isFinal: true });
    expect(t.rowCount).toBe(0);
    expect(t.lastFinal).toBeNull();
  });

  it('counts finals that arrive while the person reads further up', () => {
    const { t } = store();
    t.pauseFollowing();
    t.apply({ segmentId: 'a', text: 'One.', isFinal: true });
    t.apply({ segmentId: 'b', text: 'Two.', isFinal: true });
    expect(t.unseen).toBe(2);
    t.resumeFollowing();
    expect(t.unseen).toBe(0);
    expect(t.following).toBe(true);
  });
});
