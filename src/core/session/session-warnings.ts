import type { ErrorCode } from '../../shared/errors.ts';

export interface SessionWarning {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The same warning code is published at most this often; repeats go to the log only. */
const WARNING_REPEAT_MS = 30_000;
/** The snapshot keeps the newest warnings only; the log has them all. */
const MAX_KEPT = 20;

/**
 * The warnings a session shows: one entry per code (the newest message), with repeats of a
 * code inside 30 s not published again, so a flapping network does not flood the person.
 */
export class SessionWarnings {
  #list: SessionWarning[] = [];
  readonly #publishedAt = new Map<ErrorCode, number>();

  get list(): readonly SessionWarning[] {
    return this.#list;
  }

  /** Records a warning. False when the same code was published recently (log it only). */
  add(code: ErrorCode, message: string, now: number = Date.now()): boolean {
    const last = this.#publishedAt.get(code);
    if (last !== undefined && now - last < WARNING_REPEAT_MS) return false;
    this.#publishedAt.set(code, now);
    this.#list = [...this.#list.filter((w) => w.code !== code), { code, message }].slice(-MAX_KEPT);
    return true;
  }

  /** The condition is over (storage writable again): drop its warnings; the next one publishes. */
  clear(codes: readonly ErrorCode[]): void {
    this.#list = this.#list.filter((w) => !codes.includes(w.code));
    for (const code of codes) this.#publishedAt.delete(code);
  }

  reset(): void {
    this.#list = [];
    this.#publishedAt.clear();
  }
}
