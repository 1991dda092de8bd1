/** A recognised word in audio time since the session began (the timing extension). */
export interface TimedWord {
  readonly text: string;
  readonly start_ms: number;
  readonly end_ms: number;
}

/**
 * Groups sherpa's per-token timestamps (seconds from the start of the decoded audio) into
 * words. A token that is, or starts with, a space or U+2581 begins a new word. A token's end
 * is its duration where the model gives one (TDT), else the next token's start, capped at
 * one output frame past its own start.
 */
export function wordsFromTokens(
  tokens: readonly string[],
  timestamps: readonly number[],
  offsetMs: number,
  frameMs = 40,
  durations: readonly number[] = [],
): TimedWord[] {
  if (tokens.length === 0 || timestamps.length !== tokens.length) return [];
  const out: TimedWord[] = [];
  let text = '';
  let start = 0;
  let end = 0;
  const flush = (): void => {
    if (text)
      out.push({ text, start_ms: Math.round(offsetMs + start * 1000), end_ms: Math.round(offsetMs + end * 1000) });
    text = '';
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const t = timestamps[i]!;
    const boundary = /^[\s\u2581]/.test(token);
    const piece = token.replace(/[\s\u2581]/g, '');
    if (boundary) flush();
    if (!piece) continue;
    if (!text) start = t;
    text += piece;
    const duration = durations[i];
    const next = timestamps[i + 1];
    end = duration !== undefined && duration > 0 ? t + duration : Math.min(t + frameMs / 1000, next ?? Infinity);
  }
  flush();
  return out;
}
