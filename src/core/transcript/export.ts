import {
  inSpokenOrder,
  segmentSchema,
  sourceOf,
  speakerLabel,
  type ExportFormat,
  type Segment,
  type SpeakerNames,
} from '../../shared/transcript.ts';
import { z } from 'zod';
import { EarshotError } from '../../shared/errors.ts';

/**
 * Transcript exports, timed from audio time (not wall-clock), so subtitles line up with a
 * recording of the session.
 *
 * - TXT: one final per line, nothing else, for pasting (`parseTxt` reads it back).
 * - SRT / WebVTT: cues in time order, never overlapping, each at least 0.5 s, text wrapped at
 *   42 characters and split into several cues when longer than two lines.
 * - JSON: every field of every segment, plus the session's metadata (`parseTranscriptJson`).
 *
 * A meeting (a transcript with system-audio segments) names the speaker everywhere: TXT lines
 * `You: …` / `Others: …`, SRT and WebVTT cues with a voice tag `<v You>`, JSON segments with
 * `source`; its segments go out in the order they were spoken. A microphone-only transcript is
 * exported exactly as before.
 */
export interface ExportMeta {
  readonly title?: string;
  readonly sessionId?: string | null;
  readonly startedAt?: number | null;
  readonly provider?: string;
  /** A meeting's speaker names (default You / Others). */
  readonly speakers?: SpeakerNames;
}

export const EXPORT_JSON_VERSION = 1;
const LINE_CHARS = 42;
const MAX_LINES = 2;
const MIN_CUE_MS = 500;
/** A segment without times gets this much per character (about a reading pace). */
const MS_PER_CHAR = 60;

export const EXPORT_MIME: Readonly<Record<ExportFormat, string>> = {
  txt: 'text/plain',
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
  json: 'application/json',
};

export function exportTranscript(input: readonly Segment[], format: ExportFormat, meta: ExportMeta = {}): string {
  const meeting = isMeeting(input);
  const segments = meeting ? inSpokenOrder(input).map((s) => ({ ...s, source: sourceOf(s) })) : input;
  switch (format) {
    case 'txt':
      return (
        segments
          .filter((s) => oneLine(s.text))
          .map((s) => (meeting ? `${speakerLabel(sourceOf(s), meta.speakers)}: ${oneLine(s.text)}` : oneLine(s.text)))
          .join('\n') + (segments.length > 0 ? '\n' : '')
      );
    case 'srt':
      return toSrt(timedCues(segments, meeting, meta.speakers));
    case 'vtt':
      return toVtt(timedCues(segments, meeting, meta.speakers), meta);
    case 'json':
      return `${JSON.stringify({ version: EXPORT_JSON_VERSION, ...metaFields(meta), segments }, null, 2)}\n`;
  }
}

/** A file name for an export: the title made safe, or the session id. */
export function exportFileName(meta: ExportMeta, format: ExportFormat): string {
  const base = (meta.title ?? meta.sessionId ?? 'transcript')
    .replace(/[\\/:*?"<>|\p{Cc}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return `${base || 'transcript'}.${format}`;
}

export function parseTxt(text: string): string[] {
  return text.split('\n').filter((line) => line.trim().length > 0);
}

const exportJsonSchema = z.object({
  version: z.number(),
  title: z.string().optional(),
  sessionId: z.string().nullable().optional(),
  startedAt: z.number().nullable().optional(),
  provider: z.string().optional(),
  segments: z.array(segmentSchema),
});

export function parseTranscriptJson(text: string): z.infer<typeof exportJsonSchema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EarshotError('INPUT_INVALID', `The transcript JSON is malformed: ${(error as Error).message}`);
  }
  const parsed = exportJsonSchema.safeParse(value);
  if (!parsed.success)
    throw new EarshotError(
      'INPUT_INVALID',
      `The transcript JSON does not match Earshot's format: ${parsed.error.message}`,
    );
  return parsed.data;
}

/** Both speakers are in it: the microphone's and system audio's. */
export function isMeeting(segments: readonly Segment[]): boolean {
  return segments.some((s) => s.source === 'system');
}

export interface Cue {
  readonly startMs: number;
  readonly endMs: number;
  readonly lines: readonly string[];
  /** Who speaks (a meeting's cues): written as a voice tag, `<v You>`. */
  readonly voice?: string;
}

/**
 * Segments → subtitle cues: sorted by start, gaps in timing filled from neighbours, long text
 * split across cues in proportion to its length, and every cue ending before the next starts.
 */
export function timedCues(segments: readonly Segment[], voices = false, speakers?: SpeakerNames): Cue[] {
  const timed: { startMs: number; endMs: number; text: string; voice?: string }[] = [];
  let clock = 0;
  for (const s of segments) {
    const text = oneLine(s.text);
    if (!text) continue;
    const startMs = Math.max(0, s.startMs ?? clock);
    const endMs =
      s.endMs !== undefined && s.endMs > startMs ? s.endMs : startMs + Math.max(MIN_CUE_MS, text.length * MS_PER_CHAR);
    timed.push({ startMs, endMs, text, ...(voices ? { voice: speakerLabel(sourceOf(s), speakers) } : {}) });
    clock = endMs;
  }
  timed.sort((a, b) => a.startMs - b.startMs);
  const cues: Cue[] = [];
  for (const t of timed) {
    const pages = paginate(wrap(t.text));
    const span = Math.max(t.endMs - t.startMs, MIN_CUE_MS * pages.length);
    const total = pages.reduce((n, p) => n + p.join(' ').length, 0);
    let at = t.startMs;
    for (const page of pages) {
      const share = Math.round((span * page.join(' ').length) / total);
      cues.push({
        startMs: at,
        endMs: at + Math.max(MIN_CUE_MS, share),
        lines: page,
        ...(t.voice ? { voice: t.voice } : {}),
      });
      at += Math.max(MIN_CUE_MS, share);
    }
  }
  // Monotonic and non-overlapping: a cue starts no earlier than the previous one ends.
  const out: Cue[] = [];
  for (const cue of cues) {
    const previous = out.at(-1);
    const startMs = previous ? Math.max(cue.startMs, previous.endMs) : cue.startMs;
    out.push({ ...cue, startMs, endMs: Math.max(cue.endMs, startMs + MIN_CUE_MS) });
  }
  return out;
}

function toSrt(cues: readonly Cue[]): string {
  return cues
    .map(
      (cue, i) =>
        `${i + 1}\n${clock(cue.startMs, ',')} --> ${clock(cue.endMs, ',')}\n${voiceTag(cue)}${cue.lines.map((l) => l.replace(/-->/g, '→')).join('\n')}\n`,
    )
    .join('\n');
}

function toVtt(cues: readonly Cue[], meta: ExportMeta): string {
  const note = meta.title ? `NOTE ${oneLine(meta.title).replace(/-->/g, '→')}\n\n` : '';
  const body = cues
    .map(
      (cue) =>
        `${clock(cue.startMs, '.')} --> ${clock(cue.endMs, '.')}\n${voiceTag(cue)}${cue.lines.map(escapeVtt).join('\n')}\n`,
    )
    .join('\n');
  return `WEBVTT\n\n${note}${body}`;
}

/** WebVTT's voice span (`<v You>`), which SRT players that read tags show as well; nothing outside a meeting. */
function voiceTag(cue: Cue): string {
  return cue.voice ? `<v ${cue.voice}>` : '';
}

function clock(ms: number, decimal: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Math.floor((total % 60_000) / 1000);
  const frac = total % 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${decimal}${String(frac).padStart(3, '0')}`;
}

/** WebVTT cue text is HTML-like: &, < and > must be escaped; "-->" would end the cue. */
function escapeVtt(line: string): string {
  return line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Collapses whitespace and newlines; a blank line inside an SRT cue would end it. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > LINE_CHARS) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function paginate(lines: readonly string[]): string[][] {
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += MAX_LINES) pages.push(lines.slice(i, i + MAX_LINES));
  return pages;
}

function metaFields(meta: ExportMeta): Record<string, unknown> {
  return {
    ...(meta.title !== undefined ? { title: meta.title } : {}),
    ...(meta.sessionId !== undefined ? { sessionId: meta.sessionId } : {}),
    ...(meta.startedAt !== undefined ? { startedAt: meta.startedAt } : {}),
    ...(meta.provider !== undefined ? { provider: meta.provider } : {}),
  };
}
