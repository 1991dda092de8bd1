/**
 * Word error rate, as the model READMEs compute it: word-level Levenshtein distance
 * (substitutions + insertions + deletions) over the number of reference words, summed over
 * utterances before dividing (a corpus WER, not a mean of per-utterance WERs).
 */
export interface WordErrors {
  readonly errors: number;
  readonly words: number;
}

export function words(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Edit distance between the reference's words and the hypothesis's words. */
export function wordErrors(reference: string, hypothesis: string): WordErrors {
  const r = words(reference);
  const h = words(hypothesis);
  let previous = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const current = [i];
    for (let j = 1; j <= h.length; j++) {
      const substitution = previous[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return { errors: previous[h.length]!, words: r.length };
}

/** Corpus WER in percent over (reference, hypothesis) pairs. */
export function wordErrorRate(pairs: readonly { reference: string; hypothesis: string }[]): number {
  let errors = 0;
  let total = 0;
  for (const { reference, hypothesis } of pairs) {
    const e = wordErrors(reference, hypothesis);
    errors += e.errors;
    total += e.words;
  }
  if (total === 0) throw new Error('wordErrorRate: the references hold no words');
  return (100 * errors) / total;
}

/**
 * Character error rate in percent of one utterance (spaces count as characters). The test
 * models spell letter by letter, so CER (documented ~14%) judges "was this utterance heard
 * whole" far more steadily than WER: losing half the audio of an utterance costs ≥ 50%.
 */
export function charErrorRate(reference: string, hypothesis: string): number {
  const r = [...words(reference).join(' ')];
  const h = [...words(hypothesis).join(' ')];
  if (r.length === 0) throw new Error('charErrorRate: empty reference');
  let previous = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const current = [i];
    for (let j = 1; j <= h.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1));
    previous = current;
  }
  return (100 * previous[h.length]!) / r.length;
}
