import { appendFileSync, readFileSync } from 'node:fs';
import type { SessionSummary } from '../../shared/history.ts';
import type { Segment } from '../../shared/transcript.ts';
import { createLogger } from '../../platform/log/logger.ts';
import type { SessionRow } from './history-schema.ts';

/** Small pieces of the history index: a row as the summary a UI lists, titles, the journal's title line. */

const log = createLogger('history');

export function toSummary(row: SessionRow): SessionSummary {
  return {
    id: row.id,
    title: row.title,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    segmentCount: row.segment_count,
    provider: row.provider,
    recovered: row.recovered === 1,
  };
}

/** The first words said, or the start time when nothing was said. */
export function defaultTitle(segments: readonly Segment[], startedAt: number): string {
  const words = segments
    .map((s) => s.text)
    .join(' ')
    .split(/\s+/)
    .filter(Boolean);
  if (words.length > 0) return words.slice(0, 8).join(' ') + (words.length > 8 ? '…' : '');
  return `Session ${new Date(startedAt).toISOString().slice(0, 16).replace('T', ' ')}`;
}

export function appendTitle(path: string, title: string): void {
  try {
    const raw = readFileSync(path);
    // A file torn mid-line by a crash gets a newline first so the title is a line of its own.
    const prefix = raw.length === 0 || raw[raw.length - 1] === 0x0a ? '' : '\n';
    appendFileSync(path, `${prefix}${JSON.stringify({ type: 'title', at: Date.now(), title })}\n`);
  } catch (error) {
    // The index has the new title; only a rebuild from journals would forget it.
    log.warn('could not record the new title in the journal', { path, message: (error as Error).message });
  }
}
