import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { electronMock } from '../../tests/helpers/electron-mock.ts';
import { isAlive, nextEvent, waitForExit } from '../../tests/helpers/process-events.ts';
import {
  FIXTURE_CHILD,
  fixtureHost,
  type FixtureCommand,
  type FixtureReply,
} from '../platform/process/fixtures/test-child-protocol.ts';
import type { CrashReport, ProcessHost } from '../platform/process/process-host.ts';
import { spawnUtilityChild } from './utility-spawn.ts';

vi.mock('electron', () => import('../../tests/helpers/electron-mock.ts'));

const hosts: ProcessHost<FixtureReply, FixtureCommand>[] = [];

/** The same real fixture child the Node process-host tests use, forked as a utility process. */
function host(mode: string): ProcessHost<FixtureReply, FixtureCommand> {
  const created = fixtureHost(spawnUtilityChild, mode);
  hosts.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop(1000)));
});

describe('spawnUtilityChild (utilityProcess.fork behind the process host)', () => {
  it('forks with a service name, piped stderr and the merged environment', async () => {
    const h = host('normal');
    await h.start();
    const fork = electronMock.utilityProcess.forks.at(-1)!;
    expect(fork.modulePath).toBe(FIXTURE_CHILD);
    expect(fork.options).toMatchObject({ serviceName: 'Earshot fixture', stdio: ['ignore', 'inherit', 'pipe'] });
    expect((fork.options['env'] as Record<string, string>)['FIXTURE_MODE']).toBe('normal');
    expect((fork.options['env'] as Record<string, string>)['PATH']).toBe(process.env['PATH']);
  });

  it('completes the ready handshake and carries messages both ways', async () => {
    const h = host('normal');
    await h.start();
    const reply = nextEvent<[FixtureReply]>(h, 'message', 'the echo');
    h.send({ type: 'echo', value: new Float32Array([0.5]) });
    expect((await reply)[0]).toEqual({ type: 'echo', value: new Float32Array([0.5]), pid: h.pid });
  });

  it('restarts a crashed utility process, reporting its stderr as the reason', async () => {
    const h = host('normal');
    await h.start();
    const first = h.pid!;
    const crashed = nextEvent<[CrashReport]>(h, 'crash', 'the crash report');
    const ready = nextEvent(h, 'ready', 'the restarted child');
    h.send({ type: 'crash', how: 'exit' });
    expect((await crashed)[0]).toMatchObject({ code: 3, reason: 'boom: simulated native crash', willRestart: true });
    await ready;
    expect(h.pid).not.toBe(first);
  });

  it.skipIf(process.platform === 'win32')(
    'really kills a hung child with SIGKILL on stop (skipped on Windows: no signals)',
    async () => {
      const h = host('hang-on-shutdown');
      await h.start();
      const pid = h.pid!;
      await h.stop(200);
      await waitForExit(pid, 'the hung utility process');
      expect(isAlive(pid)).toBe(false);
      expect(h.state).toBe('stopped');
    },
  );
});

describe('the environment a utility process starts with', () => {
  const ENV_CHILD = fileURLToPath(new URL('../platform/process/fixtures/env-child.ts', import.meta.url));
  const planted = { OPENAI_API_KEY: 'sk-main-only', DEEPGRAM_API_KEY: 'dg-main-only', SOME_TOKEN: 'tok-main-only' };

  it('holds no API key (a real child writes out what it got)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-utility-env-'));
    const before = Object.fromEntries(Object.keys(planted).map((name) => [name, process.env[name]]));
    Object.assign(process.env, planted);
    try {
      const out = join(dir, 'env.json');
      const child = spawnUtilityChild({
        modulePath: ENV_CHILD,
        args: [out],
        env: { FIXTURE_MARK: 'kept' },
        name: 'env',
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the env child did not exit within 15 s')), 15_000);
        child.onExit((exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code).toBe(0);
      const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
      expect(env['FIXTURE_MARK']).toBe('kept');
      for (const [name, value] of Object.entries(planted)) {
        expect(env[name], name).toBeUndefined();
        expect(JSON.stringify(env)).not.toContain(value);
      }
    } finally {
      for (const [name, value] of Object.entries(before)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
