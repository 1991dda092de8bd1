import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJournalLine } from '../../shared/journal-record.ts';
import type { TranscriptEvent } from '../../shared/transcript.ts';
import { Journal } from '../transcript/journal.ts';
import { TranscriptOutput } from './transcript-output.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-output-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(): { output: TranscriptOutput; events: TranscriptEvent[]; journal: Journal } {
  const events: TranscriptEvent[] = [];
  const output = new TranscriptOutput((event) => events.push(event));
  const journal = Journal.open(dir, {
    sessionId: 'quit-1',
    startedAt: 1,
    provider: 'openai',
    deviceKey: null,
    deviceName: null,
    sampleRate: 24_000,
  });
  output.begin(journal);
  return { output, events, journal };
}

function journaledFinals(journal: Journal): [string, boolean][] {
  return readFileSync(journal.path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line): [string, boolean][] => {
      const record = parseJournalLine(line);
      return record?.type === 'final' ? [[record.segment.text, record.promoted ?? false]] : [];
    });
}

describe('a run’s transcript at its end', () => {
  it('journals the partials it promotes as promoted, the service’s finals as they are', async () => {
    const { output, events, journal } = start();
    output.apply(1, { key: 'a', text: 'confirmed words', isFinal: true, startMs: 0, endMs: 900 }, false);
    output.apply(1, { key: 'b', text: 'still speaking', isFinal: false, startMs: 1_000 }, false);
    output.finish(true);
    await output.closeJournal();
    expect(journaledFinals(journal)).toEqual([
      ['confirmed words', false],
      ['still speaking', true],
    ]);
    expect(events.filter((e) => e.isFinal).map((e) => e.text)).toEqual(['confirmed words', 'still speaking']);
  });

  it('shows and journals nothing a closing connection says after the end', async () => {
    const { output, events, journal } = start();
    output.apply(1, { key: 'a', text: 'on screen', isFinal: false }, false);
    output.finish(true);
    const shown = events.length;
    expect(output.apply(1, { key: 'z', text: 'too late', isFinal: true }, false)).toBe(0);
    output.releaseHeld();
    await output.closeJournal();
    expect(events).toHaveLength(shown);
    expect(journaledFinals(journal)).toEqual([['on screen', true]]);
  });
});
