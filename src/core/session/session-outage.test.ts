import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { offlineStatus } from '../../shared/session.ts';
import { concat } from '../../../tests/fakes/scripted-service.ts';
import { advance, startScripted, type ScriptedRun } from '../../../tests/fakes/scripted-session.ts';
import type { StatFs } from './spill-file.ts';

/**
 * Outages of any length, without sockets or real time: the scripted service refuses
 * connections (a closed port) for as long as the test says, under fake timers. The
 * integration suite (tests/integration/session-outage.test.ts) proves the same over a real
 * listening socket that closes and listens again.
 */
const RATE = 16_000;
let dir: string;

beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), 'earshot-outage-'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** The service goes down: the live connection drops and every new one is refused. */
function goDown(run: ScriptedRun, connection: number): void {
  run.service.refusing = true;
  run.service.connection(connection).drop();
}

/** `seconds` of audio while offline, a second at a time, fake time passing with it. */
async function captureOffline(run: ScriptedRun, seconds: number): Promise<void> {
  for (let s = 0; s < seconds; s++) {
    run.capture(RATE);
    await advance(1_000);
  }
}

async function stop(run: ScriptedRun): Promise<void> {
  const stopped = run.session.stop();
  await advance(0);
  expect((await stopped).state).toBe('idle');
}

/** Sample-for-sample equality (toEqual walks ten million samples one by one). */
function expectSameAudio(actual: Int16Array, expected: Int16Array): void {
  expect(actual.length).toBe(expected.length);
  expect(
    Buffer.compare(
      Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength),
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength),
    ),
  ).toBe(0);
}

const spillFiles = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.spill'));

describe('Session outage (scripted service, fake timers)', () => {
  it('keeps recording through a 10-minute outage, spilling past the replay buffer to disk, then replays it all in order', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1); // no jitter: every retry waits the capped backoff
    const run = await startScripted({
      backoff: { baseMs: 100, maxMs: 5_000 },
      replayBufferMs: 60_000,
      spillDir: dir,
    });
    await run.speak(500);
    run.service.connection(1).settle(4_000); // the first 0.25 s is accounted for
    goDown(run, 1);
    await captureOffline(run, 600);

    // Still recording: no error, retries went on far past the old limit of 10, capped at 5 s.
    expect(run.session.state).toBe('reconnecting');
    expect(run.session.snapshot.error).toBeNull();
    expect(run.session.snapshot.reconnectAttempt).toBeGreaterThan(100);
    const attempts = run.service.connections.length;
    await advance(5_000);
    expect(run.service.connections.length).toBe(attempts + 1);

    // Memory holds the last minute (plus the second being gathered); the rest is on disk, 0600.
    const snapshot = run.session.snapshot;
    expect(snapshot.bufferedMs).toBe(600_250); // nothing was accounted for during the outage
    expect(snapshot.spilledMs).toBeGreaterThanOrEqual(540_000 - 250);
    expect(snapshot.spilledMs).toBeLessThanOrEqual(541_000);
    expect(snapshot.offlineSince).toEqual(expect.any(Number));
    expect(offlineStatus(snapshot)).toBe('Offline — still recording, 10 min buffered');
    const [file] = spillFiles();
    expect(file).toBeDefined();
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, file!)).size).toBe(snapshot.spilledMs! * 32);
    expect(run.warnings).toEqual([]);
    expect(run.session.stats.droppedMs).toBe(0);

    // The service is back: the next attempt replays everything unaccounted, disk first, in order.
    run.service.refusing = false;
    await advance(5_000);
    const back = run.service.connections.at(-1)!;
    expect(run.session.state).toBe('streaming');
    expectSameAudio(back.audio, run.source.captured().subarray(4_000));
    expect(run.session.snapshot.offlineSince).toBeNull();
    expect(offlineStatus(run.session.snapshot)).toBeNull();

    // Once the service accounts for it, the spill file is emptied; after stop it is gone.
    back.settle(back.audio.length);
    expect(statSync(join(dir, file!)).size).toBe(0);
    expect(run.session.snapshot.spilledMs).toBe(0);
    await stop(run);
    expect(spillFiles()).toEqual([]);
    // Accounted: connection 1 up to 0.25 s, then the new connection: the captured audio, once.
    expectSameAudio(concat([run.service.connection(1).audio.subarray(0, 4_000), back.audio]), run.source.captured());
  });

  it('warns long before the disk is full, then drops only the spilled audio and keeps going', async () => {
    let free = 10e9;
    const statfs: StatFs = () => ({ bavail: free, bsize: 1 });
    const run = await startScripted({
      replayBufferMs: 60_000,
      spillDir: dir,
      statfs,
      spillReserveBytes: 100e6,
      spillWarnAheadMs: 30 * 60_000, // 30 min at 16 kHz = 57.6 MB
    });
    await run.speak(200);
    goDown(run, 1);
    await captureOffline(run, 70);
    expect(run.warnings).toEqual([]);
    expect(run.session.snapshot.spilledMs).toBeGreaterThan(0);

    free = 150e6; // room for about 26 min more above the reserve
    await captureOffline(run, 2);
    expect(run.warnings).toEqual([expect.stringMatching(/^OFFLINE_DISK_LOW: .*about 26 min more/)]);

    free = 100e6; // down to the reserve: nothing more goes to disk
    const spilled = run.session.snapshot.spilledMs!;
    await captureOffline(run, 2);
    expect(run.warnings.at(-1)).toMatch(/^OFFLINE_DISK_FULL: .*the oldest \d+ s was dropped.*Free some disk space/);
    expect(run.session.stats.droppedMs).toBeGreaterThanOrEqual(spilled);
    expect(run.session.snapshot.spilledMs).toBe(0);
    expect(statSync(join(dir, spillFiles()[0]!)).size).toBe(0);
    expect(run.session.state).toBe('reconnecting');

    // The newest minute is still kept and replayed when the service returns.
    const kept = run.session.snapshot.bufferedMs;
    expect(kept).toBeGreaterThanOrEqual(60_000);
    run.service.refusing = false;
    run.session.retryNow();
    await advance(0);
    const back = run.service.connections.at(-1)!;
    expect(run.session.state).toBe('streaming');
    const captured = run.source.captured();
    expectSameAudio(back.audio, captured.subarray(captured.length - back.audio.length));
    expect(back.audio.length).toBe((kept * RATE) / 1000);
    await stop(run);
  });

  it('retryNow after a wake from sleep reconnects at once instead of waiting out the backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const run = await startScripted({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    await run.speak(200);
    goDown(run, 1);
    await advance(60_000); // attempt 2 refused; attempt 3 waits a whole minute
    expect(run.service.connections).toHaveLength(2);
    run.capture(RATE);

    run.service.refusing = false; // the network is back after a sleep
    run.session.retryNow();
    await advance(0);
    expect(run.service.connections).toHaveLength(3);
    expect(run.session.state).toBe('streaming');
    expect(run.service.connection(3).audio).toEqual(run.source.captured());
    run.session.retryNow(); // connected: nothing to do
    await advance(0);
    expect(run.service.connections).toHaveLength(3);
    await stop(run);
  });

  it('still ends at once on a refusal no retry can fix', async () => {
    const run = await startScripted();
    await run.speak(200);
    run.service.connection(1).say({ kind: 'fatal', code: 'PROVIDER_AUTH_FAILED', message: 'bad key' });
    expect(run.session.state).toBe('error');
    expect(run.session.snapshot.error?.code).toBe('PROVIDER_AUTH_FAILED');
    expect(run.service.connections).toHaveLength(1);
  });
});
