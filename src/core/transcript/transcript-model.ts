import type { Segment, TranscriptEvent, TranscriptSnapshot, Word } from '../../shared/transcript.ts';

/** A provider transcript event with times already mapped to session audio time. */
export interface ProviderText {
  readonly key: string;
  readonly text: string;
  readonly isFinal: boolean;
  readonly startMs?: number;
  readonly endMs?: number;
  readonly words?: readonly Word[];
}

/**
 * The live transcript: segments with stable ids, partial → final, and no duplicates.
 *
 * Providers name their segments per connection (OpenAI item ids, Deepgram range starts,
 * AssemblyAI turn numbers), and a new connection may reuse names. The model maps
 * (connection, key) to its own `seg-N` ids. When a connection dies with partials on screen,
 * their audio is replayed on the next connection; the first new segments there take over the
 * orphaned ids, so the person sees the partial continue in place rather than a copy of it.
 *
 * Events out: a partial with empty text retracts that partial (the service abandoned it).
 *
 * Finals come out in audio order even when connections answer out of order: while earlier
 * audio is still being transcribed elsewhere (a rotation's retiring or repair connection), the
 * session applies later connections' events with `hold`. Their finals are then kept back
 * (their words stay on screen as a partial) until `releaseHeld()`, which keeps them in the
 * order they arrived, after whatever the earlier audio produced meanwhile.
 */
export class TranscriptModel {
  readonly #segments: Segment[] = [];
  readonly #partials = new Map<string, TranscriptEvent>();
  readonly #ids = new Map<string, string>();
  readonly #finalized = new Set<string>();
  /**
   * Partials of dead connections, oldest first, waiting for a new segment to adopt their id;
   * `heir`: only that connection may (it re-sends exactly their audio).
   */
  #orphans: { id: string; connection: number; heir?: number }[] = [];
  #next = 1;
  /** Finals kept back by `apply(…, hold)`, in arrival order, until `releaseHeld()`. */
  #held: { connection: number; id: string; text: string; input: ProviderText }[] = [];
  /** Partials last shown with `hold`: their audio comes after the held finals'. */
  readonly #late = new Set<string>();
  /** Finals made by `finish(true)` from partials: words the service never confirmed. */
  readonly #promoted = new Set<string>();

  get segments(): readonly Segment[] {
    return this.#segments;
  }

  get partials(): readonly TranscriptEvent[] {
    return [...this.#partials.values()];
  }

  snapshot(sessionId: string | null): TranscriptSnapshot {
    const partials = this.partials;
    return { sessionId, segments: [...this.#segments], partial: partials.at(-1) ?? null };
  }

  /** True for a final `finish(true)` made from a partial (the journal marks it as such). */
  wasPromoted(segmentId: string): boolean {
    return this.#promoted.has(segmentId);
  }

  /** Finals kept back, waiting for `releaseHeld()`. */
  get heldCount(): number {
    return this.#held.length;
  }

  /**
   * Applies one provider event; returns the transcript events to publish (0, 1 or more).
   * `hold`: the event's audio comes after audio another connection has not finished with, so
   * a final is kept back (shown as a partial) until `releaseHeld()`.
   */
  apply(connection: number, input: ProviderText, hold = false): TranscriptEvent[] {
    const mapKey = `${connection}:${input.key}`;
    let id = this.#ids.get(mapKey);
    if (id === undefined) {
      if (!input.text) return []; // retraction or empty final of something never shown
      id = this.#adoptOrphan(connection) ?? `seg-${this.#next++}`;
      this.#ids.set(mapKey, id);
    }
    if (this.#finalized.has(id)) return [];
    const text = input.text.trim();
    if (!input.isFinal) {
      if (!text) return this.#retract(id);
      const event = toEvent(id, text, false, input);
      this.#partials.set(id, event);
      if (hold) this.#late.add(id);
      else this.#late.delete(id);
      return [event];
    }
    this.#finalized.add(id);
    if (!text) return this.#retract(id);
    if (hold) {
      this.#held.push({ connection, id, text, input });
      this.#late.add(id);
      // The words stay on screen meanwhile, as the partial they were (now with the final text).
      const shown = toEvent(id, text, false, input);
      const before = this.#partials.get(id);
      this.#partials.set(id, shown);
      return before?.text === shown.text ? [] : [shown];
    }
    return this.#keepFinal(connection, id, text, input);
  }

  /** The earlier audio is done (or given up): the held finals follow, in the order they arrived. */
  releaseHeld(): TranscriptEvent[] {
    const held = this.#held;
    this.#held = [];
    this.#late.clear();
    return held.flatMap((h) => this.#keepFinal(h.connection, h.id, h.text, h.input));
  }

  /**
   * A connection died: its partials wait for the replayed audio to produce them again, on the
   * next connection, or on `heir` when one connection was opened to re-send exactly that audio.
   */
  orphanConnection(connection: number, heir?: number): void {
    // Partials reserved for the connection that died pass on to its own heir (or to anyone).
    for (const orphan of this.#orphans) {
      if (orphan.heir !== connection) continue;
      if (heir === undefined) delete orphan.heir;
      else orphan.heir = heir;
    }
    const prefix = `${connection}:`;
    for (const [key, id] of this.#ids) {
      if (!key.startsWith(prefix)) continue;
      this.#ids.delete(key);
      if (this.#partials.has(id) && !this.#finalized.has(id))
        this.#orphans.push(heir === undefined ? { id, connection } : { id, connection, heir });
    }
  }

  /**
   * The session is over. Partials still open are promoted to finals when `promote` (the
   * service never answered in time; showing the words beats losing them), else retracted.
   */
  finish(promote: boolean): TranscriptEvent[] {
    // In audio order: what the earlier audio showed, then the held finals, then what followed them.
    const held = new Set(this.#held.map((h) => h.id));
    const open = [...this.#partials].filter(([id]) => !held.has(id));
    const late = open.filter(([id]) => this.#late.has(id));
    const out = open.filter(([id]) => !this.#late.has(id)).flatMap(([id, p]) => this.#close(id, p, promote));
    out.push(...this.releaseHeld());
    out.push(...late.flatMap(([id, p]) => this.#close(id, p, promote)));
    this.#orphans = [];
    return out;
  }

  /** A partial at the end: promoted to a final, or retracted. */
  #close(id: string, partial: TranscriptEvent, promote: boolean): TranscriptEvent[] {
    if (!promote || !partial.text) return this.#retract(id);
    this.#finalized.add(id);
    this.#promoted.add(id);
    this.#partials.delete(id);
    const final = { ...partial, isFinal: true } as Segment;
    this.#segments.push(final);
    return [final];
  }

  /** Keeps a final (unless it repeats one already kept) and retires the orphans it outdates. */
  #keepFinal(connection: number, id: string, text: string, input: ProviderText): TranscriptEvent[] {
    if (this.#isDuplicate(text, input)) return this.#retract(id);
    this.#partials.delete(id);
    const final = toEvent(id, text, true, input) as Segment;
    this.#segments.push(final);
    return [final, ...this.#retireStaleOrphans(connection, final)];
  }

  #adoptOrphan(connection: number): string | undefined {
    const index = this.#orphans.findIndex((o) =>
      o.heir === undefined ? o.connection !== connection : o.heir === connection,
    );
    if (index < 0) return undefined;
    return this.#orphans.splice(index, 1)[0]!.id;
  }

  #retract(id: string): TranscriptEvent[] {
    if (!this.#partials.delete(id)) return [];
    return [{ segmentId: id, text: '', isFinal: false }];
  }

  /** Orphans that started before a newer final from another connection will not come back. */
  #retireStaleOrphans(connection: number, final: Segment): TranscriptEvent[] {
    const out: TranscriptEvent[] = [];
    this.#orphans = this.#orphans.filter((orphan) => {
      const partial = this.#partials.get(orphan.id);
      const orphanStart = partial?.startMs;
      const stale =
        orphan.connection !== connection &&
        (orphan.heir === undefined || orphan.heir === connection) &&
        orphanStart !== undefined &&
        final.startMs !== undefined &&
        final.startMs > orphanStart;
      if (stale) out.push(...this.#retract(orphan.id));
      return !stale;
    });
    return out;
  }

  /**
   * A final repeating one already kept: same words over overlapping audio. Happens when a
   * service repeats `completed`, or re-transcribes replayed audio whose first answer arrived.
   */
  #isDuplicate(text: string, input: ProviderText): boolean {
    if (input.startMs === undefined || input.endMs === undefined) return false;
    const normalized = normalize(text);
    // Only recent segments can overlap new audio; look back a bounded distance.
    for (let i = this.#segments.length - 1, seen = 0; i >= 0 && seen < 50; i--, seen++) {
      const s = this.#segments[i]!;
      if (s.startMs === undefined || s.endMs === undefined) continue;
      const overlap = Math.min(s.endMs, input.endMs) - Math.max(s.startMs, input.startMs);
      const shorter = Math.max(1, Math.min(s.endMs - s.startMs, input.endMs - input.startMs));
      if (overlap / shorter >= 0.5 && normalize(s.text) === normalized) return true;
    }
    return false;
  }
}

function toEvent(id: string, text: string, isFinal: boolean, input: ProviderText): TranscriptEvent {
  return {
    segmentId: id,
    text,
    isFinal,
    ...(input.startMs === undefined ? {} : { startMs: Math.round(input.startMs) }),
    ...(input.endMs === undefined ? {} : { endMs: Math.round(input.endMs) }),
    ...(input.words && input.words.length > 0
      ? {
          words: input.words.map((w) => ({ text: w.text, startMs: Math.round(w.startMs), endMs: Math.round(w.endMs) })),
        }
      : {}),
  };
}

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
