import { FRAME_MS } from '../../src/shared/audio-frame.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import type { PipelineTap } from './pipeline-tap.ts';
import { locateProgram, msToSamples, refine, type Program } from './utterance-timing.ts';

/**
 * Turns one measured run — the played program, the frames the capture process produced and
 * the transcript events as they reached the front end — into per-utterance latencies, all on
 * one clock (wall-clock ms; capture stamps samples with it, the front end stamps arrivals).
 */
export interface ArrivedEvent {
  /** `performance.timeOrigin + performance.now()` when the front end got it. */
  readonly at: number;
  readonly event: TranscriptEvent;
}

export interface LatencyMeasurement {
  /** End of speech → the utterance's (last) final, per utterance with a final after its end. */
  readonly speechToScreenMs: number[];
  /** Speech onset → first non-empty partial of that utterance. */
  readonly firstPartialMs: number[];
  /** End of speech → the last partial before the final (the whole text shown, not yet final). */
  readonly lastPartialMs: number[];
  /** Final minus last partial: what the engine's end-of-turn silence adds. */
  readonly endpointWaitMs: number[];
  /** A frame's last sample captured → the frame reaching main. */
  readonly captureToMainMs: number[];
  /** Utterances that got more than one final, and ones with no final after their end. */
  readonly split: number;
  readonly missed: number;
  readonly alignment: { lagMs: number; score: number; perUtteranceSpreadMs: number };
}

export function measureLatencies(
  program: Program,
  tap: PipelineTap,
  arrived: readonly ArrivedEvent[],
): LatencyMeasurement {
  const captured = tap.captured();
  const global = locateProgram(program, captured.samples);
  // Each utterance is re-located within ±20 ms, so a dropped frame cannot shift later ones.
  const lags = program.spans.map((span) => {
    const local = refine(
      program.samples,
      captured.samples,
      span.onset,
      Math.min(span.end, span.onset + msToSamples(1000)),
      global.lag,
      msToSamples(20),
    );
    return local.score > 0.5 ? local.lag : global.lag;
  });
  const onsets = program.spans.map((s, i) => captured.captureTimeOf(s.onset + lags[i]!));
  const ends = program.spans.map((s, i) => captured.captureTimeOf(s.end + lags[i]!));

  // An event belongs to the latest utterance whose speech had begun when it arrived.
  const owner = (at: number): number => {
    let index = -1;
    for (let i = 0; i < onsets.length; i++) if (onsets[i]! <= at) index = i;
    return index;
  };
  const out = {
    speechToScreenMs: [] as number[],
    firstPartialMs: [] as number[],
    lastPartialMs: [] as number[],
    endpointWaitMs: [] as number[],
  };
  let split = 0;
  let missed = 0;
  program.spans.forEach((_, i) => {
    const mine = arrived.filter((a) => owner(a.at) === i && a.event.text.length > 0);
    const finals = mine.filter((a) => a.event.isFinal);
    if (finals.length > 1) split += 1;
    const final = finals.at(-1);
    if (!final || final.at < ends[i]!) {
      missed += 1;
      return;
    }
    out.speechToScreenMs.push(final.at - ends[i]!);
    const partials = mine.filter((a) => !a.event.isFinal && a.event.segmentId === final.event.segmentId);
    const firstPartial = mine.find((a) => !a.event.isFinal);
    if (firstPartial) out.firstPartialMs.push(firstPartial.at - onsets[i]!);
    const lastPartial = partials.at(-1);
    if (lastPartial) {
      out.lastPartialMs.push(Math.max(0, lastPartial.at - ends[i]!));
      out.endpointWaitMs.push(final.at - lastPartial.at);
    }
  });
  const spread = Math.max(...lags) - Math.min(...lags);
  return {
    ...out,
    captureToMainMs: tap.frames.map((f) => f.receivedMs - (f.captureTimeMs + FRAME_MS)),
    split,
    missed,
    alignment: {
      lagMs: Math.round(global.lag / 16),
      score: Math.round(global.score * 1000) / 1000,
      perUtteranceSpreadMs: Math.round((spread * 1000) / 16_000),
    },
  };
}
