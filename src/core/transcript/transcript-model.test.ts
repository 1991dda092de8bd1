import { describe, expect, it } from 'vitest';
import { TranscriptModel } from './transcript-model.ts';

describe('TranscriptModel', () => {
  it('keeps one stable id from partial to final and drops repeated finals', () => {
    const model = new TranscriptModel();
    expect(model.apply(1, { key: 'item_1', text: 'hello', isFinal: false, startMs: 0 })).toEqual([
      { segmentId: 'seg-1', text: 'hello', isFinal: false, startMs: 0 },
    ]);
    const [final] = model.apply(1, { key: 'item_1', text: 'Hello there.', isFinal: true, startMs: 0, endMs: 900 });
    expect(final).toMatchObject({ segmentId: 'seg-1', isFinal: true });
    expect(model.apply(1, { key: 'item_1', text: 'Hello there.', isFinal: true, startMs: 0, endMs: 900 })).toEqual([]);
    // Another service name over the same audio with the same words: a duplicate.
    expect(model.apply(2, { key: 'item_9', text: 'hello there', isFinal: true, startMs: 50, endMs: 880 })).toEqual([]);
    expect(model.segments).toHaveLength(1);
  });

  it('hands an orphaned partial to the first segment of the next connection', () => {
    const model = new TranscriptModel();
    model.apply(1, { key: 'a', text: 'one two', isFinal: false, startMs: 1000 });
    model.orphanConnection(1);
    // The new connection reuses the key "a" for different audio: it must not collide.
    const [partial] = model.apply(2, { key: 'a', text: 'one', isFinal: false, startMs: 1000 });
    expect(partial?.segmentId).toBe('seg-1');
    const [next] = model.apply(2, { key: 'b', text: 'three', isFinal: false, startMs: 3000 });
    expect(next?.segmentId).toBe('seg-2');
  });

  it('retracts abandoned partials and empty finals, and promotes or retracts at the end', () => {
    const model = new TranscriptModel();
    model.apply(1, { key: 'a', text: 'noise', isFinal: false });
    expect(model.apply(1, { key: 'a', text: '', isFinal: true })).toEqual([
      { segmentId: 'seg-1', text: '', isFinal: false },
    ]);
    model.apply(1, { key: 'b', text: 'last words', isFinal: false });
    expect(model.finish(true)).toEqual([{ segmentId: 'seg-2', text: 'last words', isFinal: true }]);
    const other = new TranscriptModel();
    other.apply(1, { key: 'b', text: 'last words', isFinal: false });
    expect(other.finish(false)).toEqual([{ segmentId: 'seg-1', text: '', isFinal: false }]);
  });

  it("keeps the partials of a dead connection for its heir (and its heir's heir), not for other connections", () => {
    const model = new TranscriptModel();
    model.apply(1, { key: 't0', text: 'unfinished turn', isFinal: false, startMs: 100, endMs: 900 });
    model.orphanConnection(1, 3); // connection 3 re-sends connection 1's audio
    // The successor (2) speaks about later audio: a new segment, and the orphan stays reserved.
    expect(model.apply(2, { key: 't0', text: 'later words', isFinal: true, startMs: 2_000, endMs: 2_500 })).toEqual([
      { segmentId: 'seg-2', text: 'later words', isFinal: true, startMs: 2_000, endMs: 2_500 },
    ]);
    model.orphanConnection(3, 4); // the repair died too: connection 4 inherits
    expect(model.apply(4, { key: 't0', text: 'Unfinished turn.', isFinal: true, startMs: 100, endMs: 900 })).toEqual([
      { segmentId: 'seg-1', text: 'Unfinished turn.', isFinal: true, startMs: 100, endMs: 900 },
    ]);
    expect(model.partials).toEqual([]);
  });

  describe('finals held back behind unfinished earlier audio (rotation repair)', () => {
    it('shows a held final as a partial, then keeps it after the earlier final, in audio order', () => {
      const model = new TranscriptModel();
      model.apply(1, { key: 't0', text: 'first words', isFinal: false, startMs: 100, endMs: 900 });
      model.orphanConnection(1, 3);
      // The successor (2) finishes later audio first: held, its words still on screen.
      model.apply(2, { key: 't0', text: 'later', isFinal: false, startMs: 2_000 }, true);
      expect(
        model.apply(2, { key: 't0', text: 'Later words.', isFinal: true, startMs: 2_000, endMs: 2_500 }, true),
      ).toEqual([{ segmentId: 'seg-2', text: 'Later words.', isFinal: false, startMs: 2_000, endMs: 2_500 }]);
      model.apply(2, { key: 't1', text: 'Even later.', isFinal: true, startMs: 3_000, endMs: 3_400 }, true);
      expect(model.segments).toEqual([]);
      expect(model.heldCount).toBe(2);
      // A straggling partial of a held final changes nothing.
      expect(model.apply(2, { key: 't0', text: 'later wor', isFinal: false, startMs: 2_000 }, true)).toEqual([]);
      // The repair (3) delivers the earlier final: it comes out at once…
      expect(model.apply(3, { key: 't0', text: 'First words.', isFinal: true, startMs: 100, endMs: 900 })).toEqual([
        { segmentId: 'seg-1', text: 'First words.', isFinal: true, startMs: 100, endMs: 900 },
      ]);
      // …and the held ones follow it when released.
      expect(model.releaseHeld()).toEqual([
        { segmentId: 'seg-2', text: 'Later words.', isFinal: true, startMs: 2_000, endMs: 2_500 },
        { segmentId: 'seg-3', text: 'Even later.', isFinal: true, startMs: 3_000, endMs: 3_400 },
      ]);
      expect(model.segments.map((s) => s.text)).toEqual(['First words.', 'Later words.', 'Even later.']);
      expect(model.partials).toEqual([]);
      expect(model.releaseHeld()).toEqual([]);
    });

    it('retracts an empty held final at once and drops a held duplicate at release', () => {
      const model = new TranscriptModel();
      model.apply(2, { key: 'a', text: 'um', isFinal: false, startMs: 2_000 }, true);
      expect(model.apply(2, { key: 'a', text: '', isFinal: true }, true)).toEqual([
        { segmentId: 'seg-1', text: '', isFinal: false },
      ]);
      model.apply(2, { key: 'b', text: 'same words', isFinal: true, startMs: 3_000, endMs: 3_500 }, true);
      model.apply(3, { key: 'x', text: 'Same words.', isFinal: true, startMs: 3_010, endMs: 3_490 });
      expect(model.releaseHeld()).toEqual([{ segmentId: 'seg-2', text: '', isFinal: false }]);
      expect(model.segments.map((s) => s.text)).toEqual(['Same words.']);
    });

    it('keeps a held final under its id when its connection dies before the release', () => {
      const model = new TranscriptModel();
      model.apply(2, { key: 'a', text: 'Kept words.', isFinal: true, startMs: 2_000, endMs: 2_500 }, true);
      model.apply(2, { key: 'b', text: 'open turn', isFinal: false, startMs: 3_000 }, true);
      model.orphanConnection(2);
      // The replacement replays only the open turn: it takes over that partial, not the held final.
      expect(model.apply(5, { key: 'a', text: 'open turn go', isFinal: false, startMs: 3_000 }, true)).toEqual([
        { segmentId: 'seg-2', text: 'open turn go', isFinal: false, startMs: 3_000 },
      ]);
      expect(model.releaseHeld()).toEqual([
        { segmentId: 'seg-1', text: 'Kept words.', isFinal: true, startMs: 2_000, endMs: 2_500 },
      ]);
    });

    it('finishes in audio order: the earlier partial, the held finals, then the later partial', () => {
      const model = new TranscriptModel();
      model.apply(2, { key: 'a', text: 'Middle.', isFinal: true, startMs: 2_000, endMs: 2_500 }, true);
      model.apply(2, { key: 'b', text: 'last', isFinal: false, startMs: 3_000 }, true);
      model.apply(3, { key: 'a', text: 'first', isFinal: false, startMs: 100 });
      expect(model.finish(true).map((e) => [e.segmentId, e.text, e.isFinal])).toEqual([
        ['seg-3', 'first', true],
        ['seg-1', 'Middle.', true],
        ['seg-2', 'last', true],
      ]);
      expect(model.segments.map((s) => s.text)).toEqual(['first', 'Middle.', 'last']);
      expect(model.heldCount).toBe(0);
      // The held final was the service's own; only the partials were promoted.
      expect(['seg-3', 'seg-1', 'seg-2'].map((id) => model.wasPromoted(id))).toEqual([true, false, true]);
    });
  });
});
