import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalEngine, type LocalEngine } from '../../src/core/engine-host/launcher.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import { EngineTestClient, completedItems } from '../fixtures/engine/client.ts';
import { buildSessionAudio, frames, loadHeldout } from '../fixtures/engine/heldout.ts';
import {
  BIN_EARSHOT,
  OFFLINE_TEST_MODEL,
  STREAMING_TEST_MODEL,
  VAD_MODEL,
  requireSharedModels,
} from '../helpers/paths.ts';

/** The engine as a real process: `earshot serve` and the app's launcher with crash restart. */
const NODE = process.execPath;

interface Served {
  readonly child: ChildProcess;
  readonly line: { event: string; url: string; token: string };
  readonly exit: Promise<number | null>;
  readonly stdoutLines: string[];
}

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(NODE, [BIN_EARSHOT, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdoutLines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`earshot serve printed no listening line within 20 s; stderr: ${stderr}`)),
      20_000,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdoutLines.push(line);
      if (stdoutLines.length === 1) {
        clearTimeout(timer);
        resolve({ child, line: JSON.parse(line) as Served['line'], exit, stdoutLines });
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`earshot serve exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}

async function transcribeOne(
  url: string,
  token: string,
  index: number,
  options: { rejectUnauthorized?: boolean } = {},
): Promise<string> {
  const client = await EngineTestClient.connect(url, token, options);
  try {
    client.configure(16_000);
    const audio = buildSessionAudio([(await loadHeldout(16_000))[index]!], 16_000);
    await client.stream(frames(audio.pcm, 16_000), false);
    await client.waitFor('a completed transcript', () => completedItems(client).length > 0);
    return completedItems(client)[0]!.transcript;
  } finally {
    await client.close();
  }
}

describe('earshot serve', () => {
  it('prints exactly one JSON listening line, serves a client, and exits 0 on SIGTERM and on SIGINT', async () => {
    requireSharedModels();
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const served = await serve(['--model-dir', STREAMING_TEST_MODEL, '--port', '0']);
      expect(served.line).toMatchObject({
        event: 'listening',
        url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/) as unknown,
      });
      expect(served.line.token.length).toBeGreaterThanOrEqual(16);
      expect(await transcribeOne(served.line.url, served.line.token, 0)).toContain('encryption');
      served.child.kill(signal);
      expect(await served.exit).toBe(0);
      expect(served.stdoutLines).toHaveLength(1);
    }
  });

  it('uses EARSHOT_MODEL_DIR and finds the VAD beside the model; an explicit token is used', async () => {
    const served = await serve(['--token', 'a-fixed-token-123'], { EARSHOT_MODEL_DIR: OFFLINE_TEST_MODEL });
    expect(served.line.token).toBe('a-fixed-token-123');
    expect((await transcribeOne(served.line.url, 'a-fixed-token-123', 1)).length).toBeGreaterThan(3);
    served.child.kill('SIGTERM');
    expect(await served.exit).toBe(0);
  });

  it('refuses a non-loopback bind without --allow-remote and a token, and names a missing model file', () => {
    const run = (args: string[]): { status: number | null; stderr: string } => {
      try {
        execFileSync(NODE, [BIN_EARSHOT, 'serve', ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, EARSHOT_MODEL_DIR: '' },
        });
        return { status: 0, stderr: '' };
      } catch (error) {
        const e = error as { status: number | null; stderr: Buffer };
        return { status: e.status, stderr: e.stderr.toString() };
      }
    };
    const remote = run(['--model-dir', STREAMING_TEST_MODEL, '--host', '0.0.0.0']);
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('error[USAGE]');
    expect(remote.stderr).toContain('--allow-remote');
    const missing = run(['--model-dir', join(tmpdir(), 'no-such-model-dir')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/error\[MODEL_MISSING\].*no-such-model-dir/);
    const none = run([]);
    expect(none.stderr).toContain('--model-dir');
  });

  it.skipIf(!existsSync('/usr/bin/openssl'))(
    'serves wss:// when given a certificate and key (skipped where openssl is missing)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'earshot-tls-'));
      try {
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-keyout',
            join(dir, 'key.pem'),
            '-out',
            join(dir, 'cert.pem'),
            '-days',
            '1',
            '-subj',
            '/CN=127.0.0.1',
          ],
          {
            stdio: 'ignore',
          },
        );
        const served = await serve([
          '--model-dir',
          STREAMING_TEST_MODEL,
          '--tls-cert',
          join(dir, 'cert.pem'),
          '--tls-key',
          join(dir, 'key.pem'),
        ]);
        expect(served.line.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
        expect(await transcribeOne(served.line.url, served.line.token, 0, { rejectUnauthorized: false })).toContain(
          'encryption',
        );
        served.child.kill('SIGTERM');
        expect(await served.exit).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('startLocalEngine', () => {
  let engine: LocalEngine | null = null;
  afterEach(async () => {
    await engine?.stop();
    engine = null;
  });

  it('starts the engine process, reports its model, and restarts it on the same port and token after a crash', async () => {
    requireSharedModels();
    engine = await startLocalEngine({
      spawn: spawnNodeChild,
      modelDir: OFFLINE_TEST_MODEL,
      vadModelPath: VAD_MODEL,
      workers: 1,
      backoffBaseMs: 50,
    });
    expect(engine.modelInfo).toEqual({
      name: 'earshot-test-ctc-en',
      kind: 'offline',
      sampleRate: 16000,
      language: 'en',
    });
    expect(engine.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
    const before = await transcribeOne(engine.url, engine.token, 0);
    const crashed = new Promise<string>((resolve) => engine!.once('crash', resolve));
    const restarted = new Promise<void>((resolve) => engine!.once('restarted', resolve));
    const pid = engine.pid!;
    process.kill(pid, 'SIGKILL');
    expect((await crashed).length).toBeGreaterThan(0);
    await restarted;
    expect(engine.pid).not.toBe(pid);
    // Same address and token: a client just reconnects.
    expect(await transcribeOne(engine.url, engine.token, 0)).toBe(before);
  });

  it('fails fast with MODEL_MISSING naming the folder when the model is not there', async () => {
    const t0 = performance.now();
    await expect(
      startLocalEngine({ spawn: spawnNodeChild, modelDir: join(tmpdir(), 'missing-model-xyz') }),
    ).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining('missing-model-xyz') as unknown,
    });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
