import { readWav } from '../../src/core/sources/wav.ts';
import { msToSamples, PROGRAM_RATE, speechBounds, type ProgramClip, type ProgramSpan } from './utterance-timing.ts';
import type { SpeakerSource } from '../../src/shared/transcript.ts';

/** One turn of a scripted call: who says it, and the clip. */
export interface Turn extends ProgramClip {
  readonly speaker: SpeakerSource;
}

export interface ConversationSpan extends ProgramSpan {
  readonly speaker: SpeakerSource;
}

/**
 * A scripted call as the two sources hear it, both 16 kHz and the same length: `mic` holds your
 * turns plus the other side leaking from the speakers (`leakDb` below, `leakDelayMs` late, as a
 * room would carry it); `system` holds the other side's turns only, as the output's monitor does.
 */
export interface Conversation {
  readonly mic: Int16Array;
  readonly system: Int16Array;
  /** Your turns alone (the mic without the leak): which frames your voice dominates. */
  readonly own: Int16Array;
  /** Turns in spoken order, placed in both programs (samples at PROGRAM_RATE). */
  readonly spans: readonly ConversationSpan[];
}

export async function buildConversation(
  turns: readonly Turn[],
  options: {
    leadMs?: number;
    gapMs?: number;
    tailMs?: number;
    /** null: no leak in the mic program (the test routes the speakers into the mic in PulseAudio). */
    leakDb?: number | null;
    leakDelayMs?: number;
  } = {},
): Promise<Conversation> {
  const lead = msToSamples(options.leadMs ?? 2000);
  const gap = msToSamples(options.gapMs ?? 1500);
  const tail = msToSamples(options.tailMs ?? 1500);
  const gain = options.leakDb === null ? 0 : 10 ** ((options.leakDb ?? -14) / 20);
  const delay = msToSamples(options.leakDelayMs ?? 40);
  const audio = await Promise.all(turns.map((t) => readWav(t.file)));
  const spans: ConversationSpan[] = [];
  let length = lead;
  audio.forEach((a, i) => {
    if (a.sampleRate !== PROGRAM_RATE || a.channels !== 1) throw new Error(`${turns[i]!.file}: expected 16 kHz mono`);
    const bounds = speechBounds(a.samples);
    spans.push({
      ...turns[i]!,
      clipStart: length,
      clipEnd: length + a.samples.length,
      onset: length + bounds.onset,
      end: length + bounds.end,
    });
    length += a.samples.length + (i === audio.length - 1 ? tail + delay : gap);
  });
  const mic = new Int16Array(length);
  const system = new Int16Array(length);
  const own = new Int16Array(length);
  audio.forEach((a, i) => {
    const span = spans[i]!;
    if (span.speaker === 'mic') {
      own.set(a.samples, span.clipStart);
      for (let j = 0; j < a.samples.length; j++)
        mic[span.clipStart + j] = clamp(mic[span.clipStart + j]! + a.samples[j]!);
      return;
    }
    system.set(a.samples, span.clipStart);
    for (let j = 0; j < a.samples.length; j++) {
      const at = span.clipStart + delay + j;
      mic[at] = clamp(mic[at]! + a.samples[j]! * gain);
    }
  });
  return { mic, system, own, spans };
}

function clamp(value: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(value)));
}
