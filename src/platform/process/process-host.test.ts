import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, nextEvent, waitForExit } from '../../../tests/helpers/process-events.ts';
import { setLogSink, type LogRecord } from '../log/logger.ts';
import { spawnNodeChild } from './node-spawn.ts';
import { fixtureHost, type FixtureCommand, type FixtureReply } from './fixtures/test-child-protocol.ts';
import type { CrashReport, ProcessHost, ProcessHostOptions } from './process-host.ts';

const hosts: ProcessHost<FixtureReply, FixtureCommand>[] = [];

function host(mode: string, options: Partial<ProcessHostOptions> = {}): ProcessHost<FixtureReply, FixtureCommand> {
  const created = fixtureHost(spawnNodeChild, mode, options);
  hosts.push(created);
  return created;
}

async function echo(
  h: ProcessHost<FixtureReply, FixtureCommand>,
  value: unknown,
): Promise<Extract<FixtureReply, { type: 'echo' }>> {
  const reply = nextEvent<[FixtureReply]>(h, 'message', `echo of ${JSON.stringify(value)}`, {
    accept: (m) => m.type === 'echo',
  });
  h.send({ type: 'echo', value });
  return (await reply)[0] as Extract<FixtureReply, { type: 'echo' }>;
}

afterEach(async () => {
  setLogSink(() => {});
  await Promise.all(hosts.splice(0).map((h) => h.stop(1000)));
});

describe('ProcessHost with real child processes', () => {
  it('starts a child, waits for its ready handshake, exchanges messages and stops it', async () => {
    const h = host('normal');
    const states: string[] = [];
    h.on('state', (s) => states.push(s));
    await h.start();
    expect(h.state).toBe('ready');
    const pid = h.pid!;
    expect(isAlive(pid)).toBe(true);
    // Typed arrays cross intact (structured clone), which capture frames rely on.
    const reply = await echo(h, { frame: new Int16Array([1, -2, 3]) });
    expect(reply).toEqual({ type: 'echo', value: { frame: new Int16Array([1, -2, 3]) }, pid });

    await h.stop();
    expect(h.state).toBe('stopped');
    await waitForExit(pid, 'the stopped child');
    expect(states).toEqual(['starting', 'ready', 'stopping', 'stopped']);
  });

  it('rejects start when the child never says ready, naming the timeout', async () => {
    const h = host('never-ready', { readyTimeoutMs: 400 });
    await expect(h.start()).rejects.toThrow('fixture process was not ready within 400 ms');
  });

  it('restarts a child that crashes and reports why (its last stderr line)', async () => {
    const h = host('normal');
    await h.start();
    const firstPid = h.pid!;
    const crashed = nextEvent<[CrashReport]>(h, 'crash', 'the crash report');
    const readyAgain = nextEvent(h, 'ready', 'the restarted child to be ready');
    h.send({ type: 'crash', how: 'exit' });

    const [report] = await crashed;
    expect(report).toMatchObject({
      name: 'fixture',
      pid: firstPid,
      code: 3,
      signal: null,
      reason: 'boom: simulated native crash',
      willRestart: true,
      attempt: 1,
    });
    await readyAgain;
    expect(h.state).toBe('ready');
    expect(h.pid).not.toBe(firstPid);
    expect((await echo(h, 'still here')).pid).toBe(h.pid);
  });

  it('reports the fatal error a child sent before dying', async () => {
    const h = host('normal');
    await h.start();
    const crashed = nextEvent<[CrashReport]>(h, 'crash', 'the crash report');
    h.send({ type: 'crash', how: 'fatal' });
    const [report] = await crashed;
    expect(report.reason).toBe('Error: model file is truncated');
    expect(report.code).toBe(1);
  });

  it.skipIf(process.platform === 'win32')(
    'reports a child killed by a signal (skipped on Windows: no signals)',
    async () => {
      const h = host('normal');
      await h.start();
      const crashed = nextEvent<[CrashReport]>(h, 'crash', 'the crash report');
      h.send({ type: 'crash', how: 'signal' });
      const [report] = await crashed;
      expect(report).toMatchObject({ signal: 'SIGKILL', reason: 'killed by SIGKILL', willRestart: true });
    },
  );

  it('keeps waiting through crashes during start, then becomes ready', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'earshot-host-'));
    const counter = join(dir, 'starts');
    await writeFile(counter, '0');
    const h = host('crash-first-n', {
      env: { FIXTURE_MODE: 'crash-first-n', FIXTURE_COUNTER: counter, FIXTURE_CRASHES: '2' },
    });
    const reports: CrashReport[] = [];
    h.on('crash', (r) => reports.push(r));
    await h.start();
    expect(reports.map((r) => [r.attempt, r.reason])).toEqual([
      [1, 'flaky start 1'],
      [2, 'flaky start 2'],
    ]);
    expect(h.state).toBe('ready');
    await rm(dir, { recursive: true, force: true });
  });

  it('gives up after maxRestarts and says why', async () => {
    const h = host('crash-on-start', { maxRestarts: 2 });
    const reports: CrashReport[] = [];
    h.on('crash', (r) => reports.push(r));
    await expect(h.start()).rejects.toThrow('fixture process failed: cannot open device');
    expect(h.state).toBe('failed');
    expect(reports.map((r) => [r.attempt, r.willRestart, r.code])).toEqual([
      [1, true, 7],
      [2, true, 7],
      [3, false, 7],
    ]);
  });

  it('kills a child that ignores the shutdown request once the timeout passes', async () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r), 'debug');
    const h = host('hang-on-shutdown');
    await h.start();
    const pid = h.pid!;
    let crashes = 0;
    h.on('crash', () => (crashes += 1));
    await h.stop(300);
    expect(h.state).toBe('stopped');
    await waitForExit(pid, 'the hung child');
    expect(crashes).toBe(0);
    expect(
      records.some((r) => r.scope === 'fixture-host' && r.message.includes('did not exit within 300 ms; killing it')),
    ).toBe(true);
  });

  it('forwards the child’s log lines to the parent’s logger, prefixed with its pid', async () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r), 'debug');
    const h = host('normal');
    await h.start();
    const logged = nextEvent(h, 'message', 'the child to confirm it logged', {
      accept: (m: FixtureReply) => m.type === 'logged',
    });
    h.send({ type: 'log' });
    await logged;
    expect(records).toContainEqual(
      expect.objectContaining({
        scope: 'fixture-host',
        level: 'info',
        message: `pid ${h.pid}: hello from child`,
        data: { n: 1 },
      }),
    );
  });

  it('keeps the child’s own messages apart from control words, even ones named ready, log or fatal', async () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r), 'debug');
    const h = host('normal');
    await h.start();
    const lookalikes: FixtureReply[] = [
      { type: 'ready', of: 'the child’s own protocol' },
      { type: 'log', level: 'error', message: 'a protocol message, not a log line' },
      { type: 'fatal', error: { name: 'Error', message: 'a protocol message, not a crash reason' } },
    ];
    for (const message of lookalikes) {
      const heard = nextEvent<[FixtureReply]>(h, 'message', `the child’s own ${message.type} message`);
      h.send({ type: 'say', message });
      expect((await heard)[0]).toEqual(message);
    }
    expect(records.some((r) => r.message.includes('a protocol message'))).toBe(false);
    // The lookalike fatal is no crash reason: the real one (stderr) is reported.
    const crashed = nextEvent<[CrashReport]>(h, 'crash', 'the crash report');
    h.send({ type: 'crash', how: 'exit' });
    expect((await crashed)[0].reason).toBe('boom: simulated native crash');
  });

  it('keeps the child’s stdout off the parent’s: drains it and logs its lines at debug level', async () => {
    const LINES = 2000;
    const h = host('normal');
    const stdoutRecords: LogRecord[] = [];
    const allLogged = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Timed out after 10000 ms waiting for ${LINES} stdout lines in the log`)),
        10_000,
      );
      setLogSink((r) => {
        if (r.scope !== 'fixture-host' || !r.message.startsWith(`pid ${h.pid} stdout: stdout line`)) return;
        stdoutRecords.push(r);
        if (stdoutRecords.length === LINES) {
          clearTimeout(timer);
          resolve();
        }
      }, 'debug');
    });
    await h.start();
    // More than a pipe holds: were stdout not drained, the child would block and never answer.
    const wrote = nextEvent(h, 'message', `the child to finish writing ${LINES} stdout lines`, {
      accept: (m: FixtureReply) => m.type === 'wrote',
    });
    h.send({ type: 'stdout', lines: LINES });
    await wrote;
    await allLogged;
    expect(stdoutRecords).toHaveLength(LINES);
    expect(stdoutRecords.every((r) => r.level === 'debug')).toBe(true);
  });
});
