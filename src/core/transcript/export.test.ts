import { describe, expect, it } from 'vitest';
import type { Segment } from '../../shared/transcript.ts';
import { exportFileName, exportTranscript, parseTranscriptJson, parseTxt } from './export.ts';

const segments: Segment[] = [
  { segmentId: 'seg-1', text: 'Hello there.', isFinal: true, startMs: 400, endMs: 1300 },
  // Out of order and overlapping the first: OpenAI completions can arrive out of order.
  { segmentId: 'seg-3', text: 'A third one <b>bold</b> & done --> ok', isFinal: true, startMs: 5200, endMs: 6100 },
  {
    segmentId: 'seg-2',
    text: 'General Kenobi, you are a bold one.',
    isFinal: true,
    startMs: 1200,
    endMs: 2900,
    words: [{ text: 'General', startMs: 1200, endMs: 1500 }],
  },
  { segmentId: 'seg-4', text: 'No times at all on this one', isFinal: true },
  {
    segmentId: 'seg-5',
    text: 'This is a very long segment that goes on and on, far past two subtitle lines of forty-two characters each, so it must be split into several cues in time order.',
    isFinal: true,
    startMs: 8000,
    endMs: 16000,
  },
  { segmentId: 'seg-6', text: 'line one\n\nline two after a blank', isFinal: true, startMs: 17_000, endMs: 18_000 },
];

/** A strict SRT reader: numbered blocks, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, text, blank line. */
function parseSrt(text: string): { index: number; start: number; end: number; lines: string[] }[] {
  expect(text.endsWith('\n')).toBe(true);
  const blocks = text.trimEnd().split('\n\n');
  return blocks.map((block, i) => {
    const [index, timing, ...lines] = block.split('\n');
    expect(Number(index)).toBe(i + 1);
    const m = /^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$/.exec(timing!);
    expect(m, `cue ${i + 1} timing "${timing}"`).not.toBeNull();
    const ms = (h: string, mi: string, s: string, f: string): number =>
      ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Number(f);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.trim().length > 0 && !l.includes('-->'))).toBe(true);
    return {
      index: Number(index),
      start: ms(m![1]!, m![2]!, m![3]!, m![4]!),
      end: ms(m![5]!, m![6]!, m![7]!, m![8]!),
      lines,
    };
  });
}

/** A strict WebVTT reader (header, optional NOTE, cues with `.` millis, no raw < & >). */
function parseVtt(text: string): { start: number; end: number; lines: string[] }[] {
  const blocks = text.trimEnd().split('\n\n');
  expect(blocks[0]).toBe('WEBVTT');
  return blocks
    .slice(1)
    .filter((b) => !b.startsWith('NOTE'))
    .map((block) => {
      const [timing, ...lines] = block.split('\n');
      const m = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/.exec(timing!);
      expect(m, `timing "${timing}"`).not.toBeNull();
      const ms = (h: string, mi: string, s: string, f: string): number =>
        ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Number(f);
      expect(lines.every((l) => l.trim() && !/[<>]/.test(l) && !/&(?!amp;|lt;|gt;)/.test(l))).toBe(true);
      return { start: ms(m![1]!, m![2]!, m![3]!, m![4]!), end: ms(m![5]!, m![6]!, m![7]!, m![8]!), lines };
    });
}

function expectMonotonic(cues: { start: number; end: number }[]): void {
  expect(cues.length).toBeGreaterThan(0);
  cues.forEach((cue, i) => {
    expect(cue.end).toBeGreaterThan(cue.start);
    if (i > 0) expect(cue.start).toBeGreaterThanOrEqual(cues[i - 1]!.end);
  });
}

describe('exportTranscript', () => {
  it('writes well-formed SRT with monotonic, non-overlapping cues timed from audio time', () => {
    const cues = parseSrt(exportTranscript(segments, 'srt'));
    expectMonotonic(cues);
    expect(cues[0]).toMatchObject({ start: 400, lines: ['Hello there.'] });
    expect(cues[1]!.lines.join(' ')).toBe('General Kenobi, you are a bold one.');
    expect(cues.every((c) => c.lines.length <= 2 && c.lines.every((l) => l.length <= 42))).toBe(true);
    // The long segment became several cues, together holding all of its words.
    const long = cues.filter((c) => c.start >= 8000 && c.start < 16_000);
    expect(long.length).toBeGreaterThan(1);
    expect(long.map((c) => c.lines.join(' ')).join(' ')).toBe(segments[4]!.text);
  });

  it('writes well-formed WebVTT with escaped text and monotonic cues', () => {
    const vtt = exportTranscript(segments, 'vtt', { title: 'Stand-up --> notes' });
    const cues = parseVtt(vtt);
    expectMonotonic(cues);
    expect(vtt).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; done --&gt; ok');
    expect(cues.map((c) => c.lines.join(' ')).join(' ')).toContain('line one line two after a blank');
  });

  it('round-trips TXT: one line per final', () => {
    const txt = exportTranscript(segments, 'txt');
    expect(parseTxt(txt)).toEqual(segments.map((s) => s.text.replace(/\s+/g, ' ').trim()));
  });

  it('round-trips JSON exactly, with the session metadata', () => {
    const meta = {
      title: 'Weekly',
      sessionId: '20260101-000000-abc123',
      startedAt: 1_767_225_600_000,
      provider: 'local',
    };
    const parsed = parseTranscriptJson(exportTranscript(segments, 'json', meta));
    expect(parsed.segments).toEqual(segments);
    expect(parsed).toMatchObject(meta);
  });

  it('rejects JSON that is not an Earshot transcript with INPUT_INVALID', () => {
    expect(() => parseTranscriptJson('{"segments": [{"text": 1}]}')).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }) as Error,
    );
    expect(() => parseTranscriptJson('{not json')).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }) as Error);
  });

  it('exports an empty transcript as valid empty documents', () => {
    expect(exportTranscript([], 'txt')).toBe('');
    expect(exportTranscript([], 'srt')).toBe('');
    expect(exportTranscript([], 'vtt')).toBe('WEBVTT\n\n');
    expect(parseTranscriptJson(exportTranscript([], 'json')).segments).toEqual([]);
  });

  it('makes safe file names', () => {
    expect(exportFileName({ title: 'a/b: c*?' }, 'srt')).toBe('a b c.srt');
    expect(exportFileName({ sessionId: '2026-x' }, 'vtt')).toBe('2026-x.vtt');
    expect(exportFileName({}, 'txt')).toBe('transcript.txt');
  });
});
