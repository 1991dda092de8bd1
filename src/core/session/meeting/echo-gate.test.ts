import { describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../../shared/audio-frame.ts';
import { buildConversation, type Conversation, type Turn } from '../../../../tests/helpers/conversation.ts';
import { heldoutClips } from '../../../../tests/helpers/speech-clips.ts';
import { requireSharedModels } from '../../../../tests/helpers/paths.ts';
import { EchoGate } from './echo-gate.ts';

const RATE = 16_000;
const FRAME = 320;

/** Turns alternate: you, the other side, you … (held-out espeak clips). */
function turns(count: number): Turn[] {
  return heldoutClips(0, count).map((clip, i) => ({ ...clip, speaker: i % 2 === 0 ? 'mic' : 'system' }));
}

interface Outcome {
  /** Mic frames of the other side's turns (leak only) that went out with sound. */
  readonly leakPassed: number;
  readonly leakFrames: number;
  /** Mic frames where your voice dominates (4× the leak's energy or more) that went out silenced. */
  readonly ownLost: number;
  readonly ownFrames: number;
  readonly lagMs: number | null;
}

/**
 * Feeds both programs through the gate as two capture processes would: 20 ms frames stamped on
 * one clock, the system side arriving `skewFrames` frames after the mic (another process).
 */
function run(conversation: Conversation, skewFrames: number, driftMs = 0): Outcome {
  const out: AudioFrame[] = [];
  const gate = new EchoGate({ sampleRate: RATE }, (frame) => out.push(frame));
  const frames = Math.floor(conversation.mic.length / FRAME);
  const frame = (samples: Int16Array, seq: number, drift = 0): AudioFrame => ({
    seq,
    captureTimeMs: 1_000_000 + seq * 20 + (drift * seq) / frames,
    sampleRate: RATE,
    samples: samples.subarray(seq * FRAME, (seq + 1) * FRAME),
  });
  for (let seq = 0; seq < frames + skewFrames; seq++) {
    if (seq < frames) gate.mic(frame(conversation.mic, seq));
    if (seq >= skewFrames) gate.reference(frame(conversation.system, seq - skewFrames, driftMs));
  }
  gate.flush();
  expect(out.map((f) => f.seq)).toEqual([...Array(frames).keys()]);
  const voiced = (f: AudioFrame): boolean => f.samples.some((s) => Math.abs(s) > 300);
  let leakPassed = 0;
  let leakFrames = 0;
  let ownLost = 0;
  let ownFrames = 0;
  for (const span of conversation.spans) {
    for (let seq = Math.ceil(span.onset / FRAME); seq < Math.floor(span.end / FRAME); seq++) {
      const original = frame(conversation.mic, seq);
      if (!voiced(original)) continue;
      const own = energy(frame(conversation.own, seq).samples);
      if (span.speaker === 'mic' && own < 4 * Math.max(1, energy(original.samples) - own)) continue;
      if (span.speaker === 'system') {
        leakFrames += 1;
        if (voiced(out[seq]!)) leakPassed += 1;
      } else {
        ownFrames += 1;
        if (!voiced(out[seq]!)) ownLost += 1;
      }
    }
  }
  return { leakPassed, leakFrames, ownLost, ownFrames, lagMs: gate.stats.lagMs };
}

function energy(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return sum;
}

describe('EchoGate: the speakers leaking into the mic at −14 dB', () => {
  requireSharedModels();

  it.each([
    { leakDelayMs: 40, skewFrames: 0, driftMs: 0 },
    { leakDelayMs: 180, skewFrames: 6, driftMs: 0 },
    { leakDelayMs: 40, skewFrames: 2, driftMs: 15 },
  ])(
    'leak $leakDelayMs ms late, system frames $skewFrames frames behind, the two capture clocks $driftMs ms apart by the end: ' +
      '≥ 90% of leaked voiced frames silenced, ≤ 3% of own lost',
    async ({ leakDelayMs, skewFrames, driftMs }) => {
      const conversation = await buildConversation(turns(8), { leakDelayMs });
      const outcome = run(conversation, skewFrames, driftMs);
      console.log(
        `[echo-gate] delay ${leakDelayMs} ms, drift ${driftMs} ms: leak passed ${outcome.leakPassed}/${outcome.leakFrames} voiced frames, ` +
          `own lost ${outcome.ownLost}/${outcome.ownFrames}, lag found ${outcome.lagMs} ms`,
      );
      expect(outcome.lagMs).not.toBeNull();
      expect(Math.abs(outcome.lagMs! - leakDelayMs)).toBeLessThanOrEqual(20 + driftMs);
      expect(outcome.leakPassed).toBeLessThanOrEqual(outcome.leakFrames * 0.1);
      expect(outcome.ownLost).toBeLessThanOrEqual(outcome.ownFrames * 0.03);
    },
  );

  it('double talk: your words over the other side pass (the mix is not explained by the speakers)', async () => {
    const clips = heldoutClips(10, 2);
    const conversation = await buildConversation(
      [
        { ...clips[0]!, speaker: 'system' },
        { ...clips[1]!, speaker: 'mic' },
      ],
      { gapMs: -1500 },
    );
    const outcome = run(conversation, 2);
    console.log(
      `[echo-gate] double talk: own lost ${outcome.ownLost}/${outcome.ownFrames} frames your voice dominates`,
    );
    expect(outcome.ownLost).toBeLessThanOrEqual(outcome.ownFrames * 0.1);
  });
});
