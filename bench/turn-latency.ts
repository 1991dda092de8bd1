import type { TimedEvent } from '../tests/helpers/cli-process.ts';
import type { ConversationSpan } from '../tests/helpers/conversation.ts';
import { locateProgram } from '../tests/helpers/utterance-timing.ts';
import type { SpeakerSource } from '../src/shared/transcript.ts';
import type { TappedAudio } from './source-tap.ts';

/** A turn's speech on the wall clock: when its voice started and stopped reaching the source. */
export interface TurnTimes {
  readonly speaker: SpeakerSource;
  readonly onsetWall: number;
  readonly endWall: number;
}

/**
 * Where each turn of `program` was heard on the tapped source, on the wall clock. `spans`
 * are the turns this source carries (its own speaker's: the system audio holds only the other
 * side); the program is found in the tap by cross-correlation (utterance-timing.ts).
 */
export function turnTimes(
  samples: Int16Array,
  spans: readonly ConversationSpan[],
  tapped: TappedAudio,
): { turns: TurnTimes[]; alignmentScore: number } {
  const at = locateProgram({ samples, spans }, tapped.samples);
  return {
    turns: spans.map((s) => ({
      speaker: s.speaker,
      onsetWall: tapped.wallMs(at.lag + s.onset),
      endWall: tapped.wallMs(at.lag + s.end),
    })),
    alignmentScore: Math.round(at.score * 100) / 100,
  };
}

export interface SourceLatencies {
  /** Speech end → the final that completes the turn, ms. */
  readonly speechEndToFinalMs: number[];
  /** Speech onset → the turn's first partial, ms. */
  readonly firstPartialMs: number[];
  /** Turns with no final of this source after their speech ended. */
  readonly missed: number;
  /** Finals of this source that belong to no turn of its own (a split, or the other side leaking in). */
  readonly strayFinals: number;
}

/** How long after a turn's speech end its final may come and still count as its own. */
const FINAL_WINDOW_MS = 3000;

/**
 * Latencies of one source's turns from the CLI's timed events (`source` absent in a
 * one-source run: the microphone). A turn's window runs from its onset to the next turn of
 * the same source or 3 s past its end, whichever is first; its final is the first final of
 * the source in that window that came after its voice stopped (a turn the engine split gives
 * one before, and the later one completes it), its first partial the first partial there.
 * Every other final of the source is stray.
 */
export function sourceLatencies(
  source: SpeakerSource,
  turns: readonly TurnTimes[],
  events: readonly TimedEvent[],
): SourceLatencies {
  const mine = turns.filter((t) => t.speaker === source);
  const of = (type: string): number[] =>
    events
      .filter((e) => e.event.type === type && ((e.event['source'] as string | undefined) ?? 'mic') === source)
      .filter((e) => typeof e.event['text'] === 'string' && e.event['text'] !== '')
      .map((e) => e.at);
  const finals = of('final');
  const partials = of('partial');
  const out = { speechEndToFinalMs: [] as number[], firstPartialMs: [] as number[], missed: 0, strayFinals: 0 };
  let matched = 0;
  mine.forEach((turn, i) => {
    const until = Math.min(mine[i + 1]?.onsetWall ?? Infinity, turn.endWall + FINAL_WINDOW_MS);
    const inWindow = (at: number): boolean => at >= turn.onsetWall && at < until;
    // 200 ms of slack: the tap and the CLI's own stream may see the audio a frame or so apart.
    const final = finals.find((at) => inWindow(at) && at >= turn.endWall - 200);
    const partial = partials.find(inWindow);
    if (final === undefined) out.missed++;
    else {
      matched++;
      out.speechEndToFinalMs.push(Math.round(final - turn.endWall));
    }
    if (partial !== undefined) out.firstPartialMs.push(Math.round(partial - turn.onsetWall));
  });
  out.strayFinals = finals.length - matched;
  return out;
}
