import { open } from 'node:fs/promises';
import { encodeWav } from '../src/core/sources/wav.ts';
import { heldoutClips } from '../tests/helpers/speech-clips.ts';
import { buildProgram, PROGRAM_RATE } from '../tests/helpers/utterance-timing.ts';
import { round } from './suite.ts';

const PAUSE_MS = 2500;

/** Writes `minutes` of the held-out program, repeated, as one 16 kHz mono WAV without holding it in memory. */
export async function writeLongProgram(
  path: string,
  minutes: number,
): Promise<{ seconds: number; utterances: number }> {
  const clips = heldoutClips(0, 40);
  const cycle = await buildProgram(clips, { leadMs: PAUSE_MS, gapMs: PAUSE_MS, tailMs: 0 });
  const repeats = Math.max(1, Math.round((minutes * 60 * PROGRAM_RATE) / cycle.samples.length));
  const dataBytes = repeats * cycle.samples.byteLength;
  const header = encodeWav({ sampleRate: PROGRAM_RATE, channels: 1, samples: new Int16Array(0) });
  header.writeUInt32LE(36 + dataBytes, 4);
  header.writeUInt32LE(dataBytes, 40);
  const body = Buffer.from(cycle.samples.buffer, cycle.samples.byteOffset, cycle.samples.byteLength);
  const file = await open(path, 'w');
  try {
    await file.write(header);
    for (let i = 0; i < repeats; i++) await file.write(body);
  } finally {
    await file.close();
  }
  return { seconds: round((repeats * cycle.samples.length) / PROGRAM_RATE, 1), utterances: repeats * clips.length };
}
