import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESPEAK_HELDOUT_DIR, LIBRIVOX_DIR } from './paths.ts';
import type { ProgramClip } from './utterance-timing.ts';

/**
 * The real speech the end-to-end tests and the speech-to-screen benchmark play into the
 * virtual microphone, with reference texts.
 *
 * Documented WER of the test models on the 40 held-out files (model READMEs): streaming
 * 57.7%, offline 42.3%. On LibriVox (human speech) both output nonsense (WER > 100%), so
 * those clips test the pipeline, never accuracy.
 */
export const DOCUMENTED_WER = { streaming: 57.7, offline: 42.3 } as const;

/** `count` held-out espeak utterances starting at `from` (files alternate an unseen voice and training voices). */
export function heldoutClips(from: number, count: number): ProgramClip[] {
  const rows = readFileSync(join(ESPEAK_HELDOUT_DIR, 'transcripts.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.split('\t'));
  const picked = rows.slice(from, from + count);
  if (picked.length !== count)
    throw new Error(`only ${rows.length} held-out files; asked for ${from}..${from + count}`);
  return picked.map(([file, reference]) => ({ file: join(ESPEAK_HELDOUT_DIR, file!), reference: reference!.trim() }));
}

/** The five LibriVox clips in order, references without the `<s>` markers. */
export function librivoxClips(): ProgramClip[] {
  const references = new Map<string, string>();
  for (const line of readFileSync(join(LIBRIVOX_DIR, 'transcription'), 'utf8').split('\n')) {
    const match = /^<s>(.*)<\/s>\s*\((\S+)\)/.exec(line.trim());
    if (match) references.set(match[2]!, match[1]!.trim());
  }
  return readFileSync(join(LIBRIVOX_DIR, 'fileids'), 'utf8')
    .split('\n')
    .map((id) => id.trim())
    .filter(Boolean)
    .map((id) => ({ file: join(LIBRIVOX_DIR, `${id}.wav`), reference: references.get(id) ?? '' }));
}
