import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its start-up size for the rest of the process.
 *
 * V8 doubles the young generation (new space: two semi-spaces) each time the bytes surviving
 * its scavenges add up to its size, and shrinks it back only while the process allocates
 * slowly (under about 1 MB/s). Earshot's main process handles audio frames that live for a
 * few seconds (the replay buffer), so every scavenge copies survivors: listening in real time
 * it stays small, but a file sent at full speed (`transcribe --input … --fast`, 50× real time)
 * grows it step by step toward its ceiling (64 MB on Node 24): +89 MB of main's resident memory
 * over a 3-hour file, looking like a leak and never handed back (README, "Hours and idle"). A
 * small young generation means more frequent scavenges, but each costs about the survivors,
 * which are the same whatever its size; the 3-hour run did not get slower.
 *
 * The growth factor is read at each growth step, so setting it to 1 after start-up holds the
 * size; `--max-semi-space-size` would be the flag for it but is read only when the heap is set
 * up, before any of our code runs. young-generation.test.ts checks that this still holds.
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
