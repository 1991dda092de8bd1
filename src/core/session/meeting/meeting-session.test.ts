import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FRAME_MS, type AudioFrame, type FrameSource } from '../../../shared/audio-frame.ts';
import type { TranscriptEvent } from '../../../shared/transcript.ts';
import { readJournal } from '../../transcript/journal-reader.ts';
import { SCRIPTED_RATE, ScriptedService } from '../../../../tests/fakes/scripted-service.ts';
import { MeetingSession } from './meeting-session.ts';

const FRAME = (SCRIPTED_RATE * FRAME_MS) / 1000;
const T0 = 1_700_000_000_000;

/** A source the test drives, stamping frames on a clock the test sets (two capture processes, one clock). */
class ClockedSource implements FrameSource {
  readonly sampleRate = SCRIPTED_RATE;
  readonly ended = new Promise<void>(() => {});
  #onFrame: ((frame: AudioFrame) => void) | null = null;
  #seq = 0;
  failStart: Error | null = null;
  readonly firstCaptureMs: number;
  constructor(firstCaptureMs: number) {
    this.firstCaptureMs = firstCaptureMs;
  }
  start(onFrame: (frame: AudioFrame) => void): Promise<void> {
    if (this.failStart) return Promise.reject(this.failStart);
    this.#onFrame = onFrame;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.#onFrame = null;
    return Promise.resolve();
  }
  /** `ms` of audio (a quiet ramp: never mistaken for the other side's echo). */
  push(ms: number, level = 3): void {
    for (let t = 0; t < ms; t += FRAME_MS) {
      const seq = this.#seq++;
      const samples = Int16Array.from({ length: FRAME }, (_, i) => ((i + seq) % 7) * level);
      this.#onFrame?.({ seq, captureTimeMs: this.firstCaptureMs + seq * FRAME_MS, sampleRate: SCRIPTED_RATE, samples });
    }
  }
}

let dir: string;
beforeEach(async () => {
  vi.useFakeTimers();
  dir = await mkdtemp(join(tmpdir(), 'earshot-meeting-'));
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

async function startMeeting(
  options: { systemLateMs?: number; systemFails?: boolean; echoGuard?: boolean } = {},
): Promise<{
  meeting: MeetingSession;
  service: ScriptedService;
  mic: ClockedSource;
  system: ClockedSource;
  events: TranscriptEvent[];
}> {
  const service = new ScriptedService();
  const mic = new ClockedSource(T0);
  const system = new ClockedSource(T0 + (options.systemLateMs ?? 0));
  if (options.systemFails) system.failStart = new Error('no such output');
  const meeting = new MeetingSession({
    mic: { source: mic, deviceKey: 'mic-key', deviceName: 'Headset' },
    system: { source: system, deviceKey: 'monitor-key', deviceName: 'System audio — Speakers' },
    provider: service.adapter,
    openTransport: service.openTransport,
    backoff: { baseMs: 100, maxMs: 100 },
    journalDir: join(dir, 'journal'),
    ...(options.echoGuard === undefined ? {} : { echoGuard: options.echoGuard }),
  });
  const events: TranscriptEvent[] = [];
  meeting.on('transcript', (e) => events.push(e));
  const started = meeting.start();
  await vi.advanceTimersByTimeAsync(0);
  await started;
  return { meeting, service, mic, system, events };
}

async function stop(meeting: MeetingSession): Promise<void> {
  const stopped = meeting.stop();
  await vi.advanceTimersByTimeAsync(0);
  expect((await stopped).state).toBe('idle');
}

describe('MeetingSession: two sources, one session, one clock', () => {
  it('each source has its own connection; segments carry their speaker, on one clock, in spoken order; one journal', async () => {
    const { meeting, service, mic, system, events } = await startMeeting({ systemLateMs: 500 });
    expect(service.connections).toHaveLength(2);
    const [micConn, systemConn] = [service.connection(1), service.connection(2)];
    mic.push(2_000);
    // Began 500 ms after the mic: its 0 ms is the meeting's 500 ms. (The echo gate holds a mic
    // frame until the system audio of its time has arrived: the system side runs 20 ms further.)
    system.push(1_520);
    await vi.advanceTimersByTimeAsync(0);
    expect(micConn.audio.length).toBe(2_000 * 16);
    expect(systemConn.audio.length).toBe(1_520 * 16);

    // The other side spoke at 0.6–1.2 s of the meeting; you at 1.4–1.9 s; the mic's final arrives first.
    micConn.text('m1', 'sounds good', true, 1_400, 1_900);
    systemConn.text('s1', 'shall we start', true, 100, 700);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => [e.source, e.text, e.startMs, e.endMs])).toEqual([
      ['mic', 'sounds good', 1_400, 1_900],
      ['system', 'shall we start', 600, 1_200],
    ]);
    expect(new Set(events.map((e) => e.segmentId)).size).toBe(2);
    expect(meeting.segments.map((s) => s.text)).toEqual(['shall we start', 'sounds good']);
    expect(meeting.snapshot).toMatchObject({
      state: 'streaming',
      deviceName: 'Headset',
      system: { deviceName: 'System audio — Speakers', state: 'streaming' },
      echoGuard: true,
    });

    await stop(meeting);
    const journal = readJournal(meeting.journalPath!)!;
    expect(journal.endedAt).not.toBeNull();
    expect(journal.segments.map((s) => [s.source, s.text])).toEqual([
      ['mic', 'sounds good'],
      ['system', 'shall we start'],
    ]);
  });

  it('a dropped system connection reconnects and replays its own unaccounted audio; the mic is untouched', async () => {
    const { meeting, service, mic, system, events } = await startMeeting();
    mic.push(1_000);
    system.push(1_000);
    await vi.advanceTimersByTimeAsync(0);
    service.connection(2).settle(8_000); // the service accounted for the system's first 0.5 s
    service.connection(2).drop();
    expect(meeting.system.state).toBe('reconnecting');
    expect(meeting.snapshot.state).toBe('streaming');
    mic.push(400);
    system.push(420);
    await vi.advanceTimersByTimeAsync(200);
    expect(service.connections).toHaveLength(3);
    const replayed = service.connection(3);
    expect(replayed.audio.length).toBe((1_420 - 500) * 16);
    expect(service.connection(1).audio.length).toBe(1_400 * 16);
    replayed.text('s', 'still here', true, 0, 300);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.at(-1)).toMatchObject({ source: 'system', text: 'still here', startMs: 500 });
    await stop(meeting);
  });

  it('system audio that cannot start is a warning; the microphone is transcribed alone', async () => {
    const { meeting, service, mic, events } = await startMeeting({ systemFails: true });
    expect(meeting.snapshot.state).toBe('streaming');
    expect(meeting.snapshot.warnings.map((w) => w.message).join('\n')).toContain('System audio:');
    mic.push(500);
    service.connection(1).text('m', 'hello', true, 0, 400);
    await vi.advanceTimersByTimeAsync(0);
    expect(events.map((e) => e.text)).toEqual(['hello']);
    await stop(meeting);
    expect(readJournal(meeting.journalPath!)!.segments.map((s) => s.text)).toEqual(['hello']);
  });

  it('echoGuard: false says so in the snapshot', async () => {
    const { meeting } = await startMeeting({ echoGuard: false });
    expect(meeting.snapshot.echoGuard).toBe(false);
    await stop(meeting);
  });
});
