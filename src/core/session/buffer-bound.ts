import type { ErrorCode } from '../../shared/errors.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { msToSamples, samplesToMs } from '../providers/types.ts';
import type { LinkState } from './link-state.ts';
import type { SessionOptions } from './session-options.ts';
import { defaultStatFs, freeBytes, SpillFile, type SpillStore, type StatFs } from './spill-file.ts';

/** Where and how a session spills audio to disk during a long outage. */
export interface SpillSetup {
  /** The folder free space is measured in (the spill file's folder). */
  readonly dir: string;
  /** Opens this run's spill file (called at the first spill of a run). */
  readonly open: () => SpillStore;
  readonly statfs: StatFs;
  /** Free space never spilled into, so the journal and the rest of the system keep room. */
  readonly reserveBytes: number;
  /** Warn once the free space holds less than this much more audio. */
  readonly warnAheadMs: number;
}

/** The session's spill set-up: in `spillDir`, else beside the journals, else none. `runId`: the file's name. */
export function spillSetup(options: SessionOptions, runId: () => string): SpillSetup | null {
  const dir = options.spillDir ?? options.journalDir;
  if (!dir) return null;
  return {
    dir,
    open: () => new SpillFile(dir, runId()),
    statfs: options.statfs ?? defaultStatFs,
    reserveBytes: options.spillReserveBytes ?? 256e6,
    warnAheadMs: options.spillWarnAheadMs ?? 60 * 60_000,
  };
}

export interface BufferBoundOptions {
  readonly state: LinkState;
  readonly sampleRate: number;
  /** Audio kept in memory (the replay buffer's bound). */
  readonly memoryMs: number;
  /** Null: no disk (tests, a session without a data folder): the oldest audio is dropped instead. */
  readonly spill: SpillSetup | null;
  readonly log: Logger;
  readonly warn: (code: ErrorCode, message: string) => void;
}

/** Spilling happens in steps of this much audio, so the file sees one write a second, not one a frame. */
const SPILL_STEP_MS = 1_000;

/**
 * Keeps the replay buffer's memory bounded without losing audio. Past the bound, audio a live
 * connection already sent is released (the service has it and only has not settled it yet);
 * audio the service has not had moves to disk, as long as the disk has room above a reserve;
 * with no disk to use, the oldest audio is dropped, with a warning (REPLAY_BUFFER_OVERFLOW).
 */
export class BufferBound {
  readonly #o: BufferBoundOptions;
  /** The disk filled up (or failed) during this outage: no more spilling until the service is back. */
  #spillBlocked = false;
  #lowSpaceWarned = false;

  constructor(options: BufferBoundOptions) {
    this.#o = options;
  }

  /** A connection went live again: spilling may resume at the next outage. */
  online(): void {
    this.#spillBlocked = false;
    this.#lowSpaceWarned = false;
  }

  /** Called after every captured frame. */
  check(): void {
    const { state, sampleRate, memoryMs } = this.#o;
    const buffer = state.buffer;
    const limit = msToSamples(memoryMs, sampleRate);
    if (buffer.end - buffer.memoryStart <= limit) return;
    const conn = state.current;
    if (conn?.live && buffer.spilledMs === 0) {
      // Sent already: the service has it and simply has not settled it yet.
      buffer.release(Math.min(buffer.end - limit, conn.next));
      if (buffer.end - buffer.memoryStart <= limit) return;
    }
    // What remains past the bound has not reached the service: to disk, in steps of a second.
    if (this.#spill(limit)) return;
    this.#drop(buffer.end - limit);
  }

  /** True when the excess went to disk (or is too small to be worth a write yet). */
  #spill(limit: number): boolean {
    const { state, sampleRate } = this.#o;
    const spill = this.#o.spill;
    const buffer = state.buffer;
    if (!spill || this.#spillBlocked) return false;
    const step = msToSamples(SPILL_STEP_MS, sampleRate);
    if (buffer.end - buffer.memoryStart < limit + step) return true;
    const until = buffer.end - limit;
    const bytes = (until - buffer.memoryStart) * 2;
    try {
      const room = freeBytes(spill.statfs, spill.dir) - spill.reserveBytes - bytes;
      if (room < 0) {
        this.#diskFull(`only ${formatMb(room + spill.reserveBytes + bytes)} is free on the disk`);
        return false;
      }
      this.#warnIfLow(room, spill);
      if (!buffer.canSpill) buffer.attachSpill(spill.open());
      buffer.spill(until);
      return true;
    } catch (error) {
      this.#o.log.error('spilling audio to disk failed', error);
      this.#diskFull(`writing to ${spill.dir} failed (${(error as Error).message})`);
      return false;
    }
  }

  #warnIfLow(room: number, spill: SpillSetup): void {
    const bytesPerMs = (this.#o.sampleRate * 2) / 1000;
    const roomMs = room / bytesPerMs;
    if (roomMs >= spill.warnAheadMs || this.#lowSpaceWarned) return;
    this.#lowSpaceWarned = true;
    this.#o.warn(
      'OFFLINE_DISK_LOW',
      `The disk is almost full: room for about ${formatMinutes(roomMs)} more of offline recording. Free some disk space, or Earshot will have to drop the oldest audio.`,
    );
  }

  /**
   * No room left: everything spilled is given up at once (so its disk space comes back for the
   * journal) and the session keeps the newest audio in memory from now on.
   */
  #diskFull(why: string): void {
    this.#spillBlocked = true;
    const buffer = this.#o.state.buffer;
    const spilledMs = buffer.spilledMs;
    if (spilledMs > 0) this.#drop(buffer.memoryStart);
    this.#o.warn(
      'OFFLINE_DISK_FULL',
      `Earshot cannot keep more offline audio on disk (${why})${spilledMs > 0 ? `; the oldest ${formatMinutes(spilledMs)} was dropped` : ''}. It keeps the last ${formatMinutes(this.#o.memoryMs)} until the service is back. Free some disk space.`,
    );
  }

  /** Drops the audio before `until`: only what the service never had counts as lost. */
  #drop(until: number): void {
    const { state, sampleRate } = this.#o;
    const buffer = state.buffer;
    const sentUntil = state.current?.live ? state.current.next : buffer.start;
    const from = Math.max(buffer.start, sentUntil);
    const released = buffer.release(until);
    if (released === 0) return;
    state.stats.droppedMs += samplesToMs(Math.max(0, until - from), sampleRate);
    if (state.overflowWarned || until <= from) return;
    state.overflowWarned = true;
    this.#o.warn(
      'REPLAY_BUFFER_OVERFLOW',
      `The connection has been down for over ${Math.round(this.#o.memoryMs / 1000)} s; the oldest buffered audio is being dropped.`,
    );
  }
}

function formatMinutes(ms: number): string {
  return ms < 90_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : `${Math.round(ms / 60_000)} min`;
}

function formatMb(bytes: number): string {
  return `${Math.max(0, Math.round(bytes / 1e6))} MB`;
}
