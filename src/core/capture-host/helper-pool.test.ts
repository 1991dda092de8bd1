import { afterEach, describe, expect, it } from 'vitest';
import {
  CAPTURE_PROTOCOL_VERSION,
  type HelperNoticeBody,
  type SpawnHelperRequest,
} from '../../shared/capture-protocol.ts';
import { mic } from '../../shared/testing/devices.ts';
import { SHUTDOWN_ENVELOPE } from '../../shared/process-envelope.ts';
import { FakeChild, fakeSpawner } from '../../platform/process/testing/fake-child.ts';
import { HelperPool, type HelperExit } from './helper-pool.ts';

const device = mic('mic', 1, true);
const v = CAPTURE_PROTOCOL_VERSION;

function setup(spawnError?: Error): {
  pool: HelperPool;
  helpers: FakeChild[];
  notices: HelperNoticeBody[];
  exits: HelperExit[];
  nextNotice: (what: string, timeoutMs: number) => Promise<HelperNoticeBody>;
} {
  const { spawn, children: helpers } = fakeSpawner((pid, options) => new FakeChild(pid, options), 5000);
  const notices: HelperNoticeBody[] = [];
  const exits: HelperExit[] = [];
  let waiter: ((notice: HelperNoticeBody) => void) | null = null;
  const nextNotice = (what: string, timeoutMs: number): Promise<HelperNoticeBody> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs,
      );
      waiter = (notice) => {
        clearTimeout(timer);
        resolve(notice);
      };
    });
  const pool = new HelperPool({
    spawn: (options) => {
      if (spawnError) throw spawnError;
      return spawn(options);
    },
    modulePath: '/app/capture.js',
    env: { PULSE_SERVER: 'unix:/tmp/pulse' },
    notify: (notice) => {
      notices.push(notice);
      waiter?.(notice);
      waiter = null;
    },
    onExit: (exit) => exits.push(exit),
    stopTimeoutMs: 50,
  });
  return { pool, helpers, notices, exits, nextNotice };
}

const probe = (id: number, key: string | null = null): SpawnHelperRequest => ({
  v,
  type: 'spawn-helper',
  id,
  mode: 'probe',
  key,
});

let pools: HelperPool[] = [];
afterEach(() => {
  for (const pool of pools) pool.stopAll();
  pools = [];
});

describe('HelperPool', () => {
  it('starts the capture entry itself with --probe/--watch through the host spawner, with the host env', () => {
    const { pool, helpers } = setup();
    pools.push(pool);
    pool.spawn(probe(1, 'ALSA:mic'));
    pool.spawn(probe(2));
    pool.spawn({ v, type: 'spawn-helper', id: 3, mode: 'watch', key: 'ALSA:mic' });
    expect(helpers.map((h) => h.options)).toEqual([
      {
        name: 'capture-probe',
        modulePath: '/app/capture.js',
        args: ['--probe', 'ALSA:mic'],
        env: { PULSE_SERVER: 'unix:/tmp/pulse' },
      },
      {
        name: 'capture-probe',
        modulePath: '/app/capture.js',
        args: ['--probe'],
        env: { PULSE_SERVER: 'unix:/tmp/pulse' },
      },
      {
        name: 'capture-watch',
        modulePath: '/app/capture.js',
        args: ['--watch', 'ALSA:mic'],
        env: { PULSE_SERVER: 'unix:/tmp/pulse' },
      },
    ]);
    expect(pool.pids).toEqual([5000, 5001, 5002]);
  });

  it('relays a probe result, then stops the probe (its last word) and reports it stopped', () => {
    const { pool, helpers, notices, exits } = setup();
    pool.spawn(probe(7, 'ALSA:mic'));
    const result = { v, type: 'probe-result', devices: [device], openable: true, cpuMs: 95.5 };
    helpers[0]!.send(result);
    expect(notices[0]).toEqual({ type: 'helper-message', id: 7, message: result });
    expect(helpers[0]!.received).toEqual([SHUTDOWN_ENVELOPE]);
    expect(notices[1]).toMatchObject({ type: 'helper-exit', id: 7, code: 0, detail: 'stopped' });
    expect(exits).toEqual([{ id: 7, pid: 5000, mode: 'probe', code: 0, signal: null, cpuMs: 95.5 }]);
    expect(pool.pids).toEqual([]);
  });

  it('keeps a watcher running while present, and relays watch-gone', () => {
    const { pool, helpers, notices } = setup();
    pools.push(pool);
    pool.spawn({ v, type: 'spawn-helper', id: 1, mode: 'watch', key: 'ALSA:mic' });
    helpers[0]!.send({ v, type: 'watch-present' });
    expect(helpers[0]!.received).toEqual([]);
    expect(pool.pids).toEqual([5000]);
    helpers[0]!.send({ v, type: 'watch-gone', cpuMs: 40 });
    expect(notices.map((n) => n.type)).toEqual(['helper-message', 'helper-message', 'helper-exit']);
    expect(helpers[0]!.received).toEqual([SHUTDOWN_ENVELOPE]);
  });

  it('says why a helper ended by itself: its fatal error, else its last stderr line, else its status', () => {
    const { pool, helpers, notices } = setup();
    pool.spawn(probe(1));
    pool.spawn(probe(2));
    pool.spawn(probe(3));
    helpers[0]!.control({
      type: 'fatal',
      error: { name: 'EarshotError', message: 'The audio library could not be loaded' },
    });
    helpers[0]!.exit(1);
    helpers[1]!.writeStderr('ALSA lib something\nSegmentation fault in PaContext\n');
    helpers[1]!.exit(null, 'SIGSEGV');
    helpers[2]!.exit(3);
    expect(notices).toEqual([
      {
        type: 'helper-exit',
        id: 1,
        code: 1,
        signal: null,
        detail: 'EarshotError: The audio library could not be loaded',
      },
      { type: 'helper-exit', id: 2, code: null, signal: 'SIGSEGV', detail: 'Segmentation fault in PaContext' },
      { type: 'helper-exit', id: 3, code: 3, signal: null, detail: 'exited with code 3' },
    ]);
  });

  it('drops messages the helper protocol does not allow, those of another version, and those outside the envelope', () => {
    const { pool, helpers, notices } = setup();
    pools.push(pool);
    pool.spawn(probe(1));
    helpers[0]!.send({ v, type: 'probe-result', devices: 'all of them', openable: null, cpuMs: 1 });
    helpers[0]!.send({ v: v + 1, type: 'watch-present' });
    helpers[0]!.send({ v, type: 'format-disk' });
    // A real result, but outside the envelope (not through ParentPort): dropped too.
    helpers[0]!.sayRaw({ v, type: 'probe-result', devices: [device], openable: null, cpuMs: 1 });
    expect(notices).toEqual([]);
    expect(helpers[0]!.received).toEqual([]);
  });

  it('kills a helper that does not stop when asked', async () => {
    const { pool, helpers, nextNotice } = setup();
    pool.spawn(probe(1));
    helpers[0]!.onShutdown = 'hang';
    const exited = nextNotice('the helper to be killed after the 50 ms stop timeout', 2000);
    pool.stop(1);
    expect(helpers[0]!.kills).toEqual([]);
    expect(await exited).toEqual({ type: 'helper-exit', id: 1, code: null, signal: 'SIGKILL', detail: 'stopped' });
    expect(helpers[0]!.kills).toEqual(['SIGKILL']);
  });

  it('ends every helper when its capture process exits, telling nobody', () => {
    const { pool, helpers, notices } = setup();
    pool.spawn(probe(1));
    pool.spawn({ v, type: 'spawn-helper', id: 2, mode: 'watch', key: 'ALSA:mic' });
    pool.stopAll();
    expect(helpers.map((h) => h.kills)).toEqual([['SIGKILL'], ['SIGKILL']]);
    expect(notices).toEqual([]);
    expect(pool.pids).toEqual([]);
    // A late word from a killed helper goes nowhere.
    helpers[1]!.send({ v, type: 'watch-gone', cpuMs: 1 });
    expect(notices).toEqual([]);
  });

  it('reports a helper that could not be started as ended, with the reason', () => {
    const { pool, notices } = setup(new Error('utility process limit reached'));
    pool.spawn(probe(4));
    expect(notices).toEqual([
      {
        type: 'helper-exit',
        id: 4,
        code: null,
        signal: null,
        detail: 'could not start: utility process limit reached',
      },
    ]);
  });
});
