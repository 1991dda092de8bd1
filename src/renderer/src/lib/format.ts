/** Display formatting shared by every view. Pure functions: no state, no DOM. */

/** `m:ss` under an hour, `h:mm:ss` above: the transcript's timestamp column. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "1 h 5 min", "3 min 20 s", "12 s": durations a person reads, not parses. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return s > 0 ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** Decimal units, as download sizes are usually quoted: 1 MB = 1,000,000 bytes. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Level meters bottom out here: anything quieter reads as silence. */
export const METER_FLOOR_DB = -60;

export function formatDb(db: number): string {
  if (!Number.isFinite(db) || db <= METER_FLOOR_DB) return `< ${METER_FLOOR_DB} dBFS`;
  return `${db.toFixed(0)} dBFS`;
}

/** 0..1 position of a dBFS value on a meter running from the floor to 0 dBFS. */
export function meterFraction(db: number): number {
  if (!Number.isFinite(db)) return 0;
  return Math.min(1, Math.max(0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB));
}

export function formatDateTime(epochMs: number, locale?: string): string {
  return new Date(epochMs).toLocaleString(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** How long a session has run, from its start time, as a clock. */
export function elapsedSince(startedAt: number | null, now: number): string {
  return startedAt === null ? '0:00' : formatClock(now - startedAt);
}
