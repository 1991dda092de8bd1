import type { AudioFrame } from '../../src/shared/audio-frame.ts';
import { EchoGate } from '../../src/core/session/meeting/echo-gate.ts';
import { buildConversation, type Conversation, type Turn } from '../../tests/helpers/conversation.ts';
import { heldoutClips } from '../../tests/helpers/speech-clips.ts';
import { round, type BenchSuite } from '../suite.ts';

const RATE = 16_000;
const FRAME = 320;

/**
 * Meeting mode's echo gate on held-out speech: a scripted call whose other side leaks into the
 * mic at several levels and delays. Per case: the share of the leak's voiced mic frames that
 * still went out with sound (leak that reaches the recognizer as "You"), the share of frames
 * your voice dominates that were silenced (own speech lost), and the gate's CPU per second of
 * audio. The utterance-level figures (leaked utterances, lost utterances through the real
 * recognizer) come from tests/e2e/meeting-mode.test.ts.
 */
const suite: BenchSuite = {
  name: 'echo-gate',
  description: 'meeting mode: leak kept out of the mic, own speech kept, CPU per audio second',
  async run(context) {
    const turns: Turn[] = heldoutClips(0, context.quick ? 4 : 12).map((c, i) => ({
      ...c,
      speaker: i % 2 === 0 ? 'mic' : 'system',
    }));
    const figures: Record<string, unknown> = {};
    for (const leakDb of [-8, -14, -20]) {
      for (const leakDelayMs of [40, 150]) {
        const conversation = await buildConversation(turns, { leakDb, leakDelayMs });
        const outcome = measure(conversation);
        figures[`leak ${leakDb} dB, ${leakDelayMs} ms`] = outcome;
        context.log(`leak ${leakDb} dB ${leakDelayMs} ms: ${JSON.stringify(outcome)}`);
      }
    }
    const clips = heldoutClips(20, 2);
    const doubleTalk = await buildConversation(
      [
        { ...clips[0]!, speaker: 'system' },
        { ...clips[1]!, speaker: 'mic' },
      ],
      { gapMs: -1500 },
    );
    figures['double talk −14 dB'] = measure(doubleTalk);
    return figures;
  },
};

function measure(conversation: Conversation): Record<string, number> {
  const out: AudioFrame[] = [];
  const gate = new EchoGate({ sampleRate: RATE }, (frame) => out.push(frame));
  const frames = Math.floor(conversation.mic.length / FRAME);
  const frame = (samples: Int16Array, seq: number): AudioFrame => ({
    seq,
    captureTimeMs: seq * 20,
    sampleRate: RATE,
    samples: samples.subarray(seq * FRAME, (seq + 1) * FRAME),
  });
  const t0 = performance.now();
  for (let seq = 0; seq < frames; seq++) {
    gate.reference(frame(conversation.system, seq));
    gate.mic(frame(conversation.mic, seq));
  }
  gate.flush();
  const cpuMs = performance.now() - t0;
  const energy = (s: Int16Array): number => s.reduce((sum, v) => sum + v * v, 0);
  const voiced = (s: Int16Array): boolean => s.some((v) => Math.abs(v) > 300);
  let leakFrames = 0;
  let leakPassed = 0;
  let ownFrames = 0;
  let ownLost = 0;
  for (const span of conversation.spans) {
    for (let seq = Math.ceil(span.onset / FRAME); seq < Math.floor(span.end / FRAME); seq++) {
      const original = frame(conversation.mic, seq).samples;
      if (!voiced(original)) continue;
      if (span.speaker === 'system') {
        leakFrames += 1;
        if (voiced(out[seq]!.samples)) leakPassed += 1;
        continue;
      }
      const own = energy(frame(conversation.own, seq).samples);
      if (own < 4 * Math.max(1, energy(original) - own)) continue;
      ownFrames += 1;
      if (!voiced(out[seq]!.samples)) ownLost += 1;
    }
  }
  return {
    leakPassedPct: round((100 * leakPassed) / Math.max(1, leakFrames), 1),
    ownLostPct: round((100 * ownLost) / Math.max(1, ownFrames), 1),
    lagMs: gate.stats.lagMs ?? -1,
    cpuMsPerAudioSecond: round(cpuMs / ((frames * 20) / 1000), 2),
  };
}

export default suite;
