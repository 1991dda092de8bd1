import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { idleSnapshot, type SessionSnapshot } from '../../shared/session.ts';
import type { CliIo } from '../command.ts';
import { TranscriptPrinter } from './transcribe-output.ts';

function io(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: '', err: '' };
  stdout.on('data', (d: Buffer) => (chunks.out += d.toString()));
  stderr.on('data', (d: Buffer) => (chunks.err += d.toString()));
  return {
    io: { stdout, stderr, signal: new AbortController().signal, env: {} },
    out: () => chunks.out,
    err: () => chunks.err,
  };
}

const snap = (patch: Partial<SessionSnapshot>): SessionSnapshot => ({
  ...idleSnapshot('deepgram'),
  state: 'streaming',
  ...patch,
});

describe('TranscriptPrinter during an outage', () => {
  it('text: says on stderr that it is offline but still recording, once a minute, and when it is back', () => {
    const t = io();
    const printer = new TranscriptPrinter(t.io, 'text');
    printer.state(snap({}));
    printer.state(snap({ state: 'reconnecting', reconnectAttempt: 1, bufferedMs: 2_000 }));
    for (const ms of [12_000, 13_000, 40_000, 61_000, 62_000, 125_000])
      printer.state(snap({ state: 'reconnecting', reconnectAttempt: 9, bufferedMs: ms }));
    printer.state(snap({ state: 'streaming', bufferedMs: 125_000 }));
    expect(t.err().trim().split('\n')).toEqual([
      'note: connection lost; reconnecting (attempt 1) — no audio is lost.',
      'note: Offline — still recording, 12 s buffered.',
      'note: Offline — still recording, 61 s buffered.',
      'note: Offline — still recording, 2 min buffered.',
      'note: the service is back; the buffered audio is being sent and the transcript catches up.',
    ]);
    expect(t.out()).toBe('');
  });

  it('text: says when this computer transcribes instead of the cloud service', () => {
    const t = io();
    const printer = new TranscriptPrinter(t.io, 'text');
    printer.state(snap({ servingProvider: 'local' }));
    expect(t.err()).toBe('note: Offline — transcribing on this computer.\n');
  });

  it('jsonl: an offline line with the figures, and which service wrote each final', () => {
    const t = io();
    const printer = new TranscriptPrinter(t.io, 'jsonl');
    printer.state(snap({ state: 'reconnecting', bufferedMs: 95_000, spilledMs: 35_000 }));
    printer.transcript({ segmentId: 'seg-1', text: 'hello', isFinal: true, provider: 'local' });
    const lines = t
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual({
      type: 'offline',
      offline: true,
      status: 'Offline — still recording, 2 min buffered',
      bufferedMs: 95_000,
      spilledMs: 35_000,
      servingProvider: 'deepgram',
    });
    expect(lines.at(-1)).toEqual({ type: 'final', segmentId: 'seg-1', text: 'hello', provider: 'local' });
  });
});

describe('TranscriptPrinter in meeting mode', () => {
  it('text prefixes the speaker; jsonl carries source; a lone microphone prints as before', () => {
    const text = io();
    const printer = new TranscriptPrinter(text.io, 'text');
    printer.transcript({ segmentId: 'seg-1', text: 'hello', isFinal: true, source: 'mic' });
    printer.transcript({ segmentId: 'system-seg-1', text: 'hi there', isFinal: true, source: 'system' });
    printer.transcript({ segmentId: 'seg-2', text: 'alone', isFinal: true });
    expect(text.out()).toBe('You: hello\nOthers: hi there\nalone\n');

    const json = io();
    new TranscriptPrinter(json.io, 'jsonl').transcript({
      segmentId: 'system-seg-1',
      text: 'hi there',
      isFinal: true,
      startMs: 600,
      endMs: 1_200,
      source: 'system',
    });
    expect(JSON.parse(json.out())).toEqual({
      type: 'final',
      segmentId: 'system-seg-1',
      text: 'hi there',
      startMs: 600,
      endMs: 1_200,
      source: 'system',
    });
  });

  it('names the side whose device went: jsonl carries source, text says which; a lone microphone prints as before', () => {
    const lost = {
      lostKey: 'PulseAudio:headset_mic',
      lostName: 'Headset microphone',
      fallbackKey: 'default',
      message: '“Headset microphone” was disconnected. Earshot switched to the system default microphone.',
    };
    const json = io();
    const printer = new TranscriptPrinter(json.io, 'jsonl');
    printer.device({ kind: 'lost', lost }, 'mic');
    printer.device({ kind: 'lost', lost: { ...lost, fallbackKey: null } }, 'system');
    expect(
      json
        .out()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { type: 'warning', code: 'DEVICE_LOST', ...lost, source: 'mic' },
      { type: 'warning', code: 'DEVICE_LOST', ...lost, fallbackKey: null, source: 'system' },
    ]);

    const text = io();
    const textPrinter = new TranscriptPrinter(text.io, 'text');
    textPrinter.device({ kind: 'lost', lost }, 'mic');
    textPrinter.device({ kind: 'lost', lost }, 'system');
    textPrinter.device({ kind: 'lost', lost });
    expect(text.err()).toBe(
      `warning: microphone: ${lost.message}\nwarning: system audio: ${lost.message}\nwarning: ${lost.message}\n`,
    );
  });
});
