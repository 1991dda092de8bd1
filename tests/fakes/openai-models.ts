import { locate, wordsIn, type SpokenProgram } from './spoken-program.ts';

/**
 * What each OpenAI transcription model does in a Realtime transcription session, for the fake.
 *
 * Sources (read for this file):
 * - openai/openai-node @ 025ca83e082480878792cb4dfc2bc70ad7dc086c, src/resources/realtime/realtime.ts:
 *   `ConversationItemInputAudioTranscriptionCompletedEvent` — "Transcription begins when the input
 *   audio buffer is committed by the client or server (when VAD is enabled)"; the delta event is
 *   "updated with incremental transcription results".
 * - developers.openai.com/api/docs/guides/realtime-transcription: `gpt-live-transcribe` and
 *   `gpt-realtime-whisper` are "natively streaming" and return "transcript deltas as speech
 *   arrives and a final transcript when your application commits each audio turn"
 *   (`turn_detection: null`); `gpt-4o-transcribe` is for "speech-to-text where streaming isn't
 *   required"; for `whisper-1` the delta holds the whole turn's transcript.
 * - community.openai.com/t/realtime-transcription-messages-flow-is-wrong/1148726/16 (observed):
 *   `whisper-1` "sends at most one delta, then completed"; gpt-4o(-mini)-transcribe stream
 *   deltas only once the buffer is committed ("no commit ⇒ no deltas").
 *
 * So: 'live' models stream a delta per word while audio arrives; 'after-commit' models send
 * their deltas word by word between `committed` and `completed`; 'whole' (whisper-1) sends one
 * delta with the full transcript. A session that names no model (OpenAI-compatible servers and
 * Earshot's embedded engine, which stream while the speaker talks) counts as 'live'.
 */
export type DeltaStyle = 'live' | 'after-commit' | 'whole';

/** developers.openai.com/api/docs/guides/realtime-vad: these "require turn detection to be omitted or set to null". */
export const NO_VAD_MODELS: ReadonlySet<string> = new Set(['gpt-live-transcribe', 'gpt-realtime-whisper']);

export function deltaStyle(model: string): DeltaStyle {
  if (model === 'whisper-1') return 'whole';
  if (model.startsWith('gpt-4o-transcribe') || model.startsWith('gpt-4o-mini-transcribe')) return 'after-commit';
  return 'live';
}

/** The deltas an item still owes at its `completed`, given the words already sent live. */
export function closingDeltas(style: DeltaStyle, heard: readonly string[], sent: number): string[] {
  switch (style) {
    case 'whole':
      return heard.length > 0 ? [heard.join(' ')] : [];
    case 'after-commit':
    case 'live':
      return heard.slice(sent).map((w, i) => (sent + i > 0 ? ` ${w}` : w));
  }
}

/**
 * The fake's ear for real speech: it cannot recognise, so it is told the program it will be
 * played (spoken-program.ts) and locates each connection's audio in it.
 */
export class ProgramEar {
  readonly program: SpokenProgram;
  #offset: number | null = null;

  constructor(program: SpokenProgram) {
    this.program = program;
  }

  /** Connection sample → program sample, once the connection's first 64 samples placed it. */
  at(connSample: number): number | null {
    return this.#offset === null ? null : this.#offset + connSample;
  }

  place(firstSamples: Int16Array): void {
    this.#offset ??= locate(this.program, firstSamples);
  }

  /** Words spoken in connection samples [from, to). */
  heard(from: number, to: number): string[] {
    const a = this.at(from);
    const b = this.at(to);
    return a === null || b === null ? [] : wordsIn(this.program, a, b);
  }

  /** Words whose middle is past `from` and that were finished by `to` (what a live model has said). */
  finished(from: number, to: number): string[] {
    const a = this.at(from);
    const b = this.at(to);
    if (a === null || b === null) return [];
    return this.program.utterances.flatMap((u) => u.words.filter((w) => w.mid >= a && w.end <= b).map((w) => w.text));
  }
}
