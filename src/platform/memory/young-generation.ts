import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its start-up size for the rest of the process.
 *
 * V8 doubles the young generation (new space: two semi-spaces) each time the bytes surviving
 * its scavenges add up to its size, and shrinks it back only while the process allocates
 * slowly (under about 1 MB/s). Earshot's main process handles audio frames that live for a
 * few seconds (the replay buffer), so every scavenge copies survivors: listening in real time
 * it stays small, but a file sent at full speed (`transcribe --input … --fast`, 50× real time)
 * grows it step by step to its ceiling, 64 MB on Node 24 (~100 MB resident with both
 * semi-spaces touched), over the first hour of audio — memory that looks like a leak and is
 * never handed back. A small young generation costs nothing measurable here: a scavenge costs
 * the survivors, which are the same whatever its size (see the README's "Hours and idle").
 *
 * The growth factor is read at each growth step, so setting it to 1 after start-up holds the
 * size; `--max-semi-space-size` would be the flag for it but is read only when the heap is set
 * up, before any of our code runs. young-generation.test.ts checks that this still holds.
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
