import { percentiles } from '../../bench/suite.ts';
import { loadModelManifest } from '../../src/platform/models/manifest-file.ts';
import { createRecognizerSession, loadRecognizer } from '../../src/engine/recognizers/factory.ts';
import { buildSessionAudio, frames, loadHeldout, sessionWer } from '../fixtures/engine/heldout.ts';
import { VAD_MODEL } from './paths.ts';
import { speechBounds } from './utterance-timing.ts';

/**
 * What the end-of-turn silence costs: the engine's recognizer session (in process, no
 * transport) fed held-out utterances separated by 1 s of silence, once per
 * `silence_duration_ms`, reporting when each final would be ready after the end of speech
 * (in audio time), how many utterances split or vanished, and the WER. The speech-to-screen
 * figure is this plus a few ms of transport, so this says what a setting would buy.
 */
export interface EndpointSetting {
  readonly silenceDurationMs: number;
  readonly finalAfterSpeechEndMs: Record<string, number>;
  readonly utterances: number;
  readonly split: number;
  readonly missing: number;
  readonly werPercent: number;
}

export async function sweepEndpointSilence(
  modelDir: string,
  settings: readonly number[],
  utteranceCount: number,
): Promise<EndpointSetting[]> {
  const utterances = (await loadHeldout(16_000)).slice(0, utteranceCount);
  const audio = buildSessionAudio(utterances, 16_000);
  const ends = audio.spans.map((s, i) => s.startMs + speechBounds(utterances[i]!.pcm).end / 16);
  const loaded = loadRecognizer(loadModelManifest(modelDir));
  return settings.map((silenceDurationMs) => {
    const session = createRecognizerSession(
      loaded,
      { inputRate: 16_000, vad: { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs } },
      { vadModelPath: VAD_MODEL },
    );
    const items: { transcript: string; startMs: number; readyMs: number }[] = [];
    frames(audio.pcm, 16_000).forEach((frame, k) => {
      for (const e of session.acceptAudio(frame))
        if (e.type === 'completed')
          items.push({ transcript: e.transcript, startMs: e.startMs ?? 0, readyMs: (k + 1) * 20 });
    });
    session.close();
    const perUtterance = audio.spans.map(() => 0);
    const delays: number[] = [];
    for (const item of items) {
      // An item belongs to the utterance whose span (from 0.5 s before it) holds its start.
      const i = audio.spans.findIndex(
        (s, k) => item.startMs >= s.startMs - 500 && item.startMs < (audio.spans[k + 1]?.startMs ?? Infinity) - 500,
      );
      if (i < 0) continue;
      perUtterance[i]! += 1;
      if (item.readyMs >= ends[i]!) delays.push(item.readyMs - ends[i]!);
    }
    return {
      silenceDurationMs,
      finalAfterSpeechEndMs: percentiles(delays, [50, 95]),
      utterances: utterances.length,
      split: perUtterance.filter((c) => c > 1).length,
      missing: perUtterance.filter((c) => c === 0).length,
      werPercent: Math.round(sessionWer(audio, items) * 10) / 10,
    };
  });
}
