/**
 * Append-only partial text for a recognizer that re-decodes a growing segment. Each decode
 * may revise its tail, so a word is released as a delta only once two consecutive decodes
 * agree on it and on everything before it, and it is complete (another word follows it in
 * both). Released words are never taken back: if a later decode disagrees with them, nothing
 * more is released until the decodes agree with the released text again; `completed`
 * carries the authoritative text.
 */
export class StablePrefix {
  #previous: readonly string[] = [];
  #released: string[] = [];

  /** The text released so far (the concatenation of every delta). */
  get released(): string {
    return this.#released.join(' ');
  }

  /** Feeds one decode; returns the delta to send, or '' when nothing new is stable. */
  update(text: string): string {
    const current = words(text);
    const previous = this.#previous;
    this.#previous = current;
    // Words complete in both decodes: all but the last of each.
    const limit = Math.min(previous.length - 1, current.length - 1);
    let agreed = 0;
    while (agreed < limit && previous[agreed] === current[agreed]) agreed++;
    if (agreed <= this.#released.length) return '';
    for (let i = 0; i < this.#released.length; i++) if (current[i] !== this.#released[i]) return '';
    return this.#release(current.slice(this.#released.length, agreed));
  }

  /**
   * The closing delta when the final text extends what was released (so deltas alone spell
   * the final text); '' when it does not, and then `completed` replaces the deltas.
   */
  finish(finalText: string): string {
    const final = words(finalText);
    if (final.length <= this.#released.length) return '';
    for (let i = 0; i < this.#released.length; i++) if (final[i] !== this.#released[i]) return '';
    return this.#release(final.slice(this.#released.length));
  }

  reset(): void {
    this.#previous = [];
    this.#released = [];
  }

  #release(newWords: readonly string[]): string {
    const delta = (this.#released.length > 0 ? ' ' : '') + newWords.join(' ');
    this.#released.push(...newWords);
    return delta;
  }
}

export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** Collapses whitespace, the form every transcript and delta is compared in. */
export function normalizeText(text: string): string {
  return words(text).join(' ');
}
