import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';
import { startHeaderRecorder, type HeaderRecorder } from '../helpers/header-recorder.ts';

/**
 * `earshot transcribe` as a real child: a provider's own key variable goes only to that
 * provider's host. A recorder on a loopback port sees every header the CLI sends it.
 */
const OPENAI_KEY = 'sk-openai-only-for-api-openai-com-42';

let dir: string;
let wav: string;
let recorder: HeaderRecorder;
const runs: CliProcess[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cli-keys-'));
  wav = join(dir, 'silence.wav');
  await writeWav(wav, { sampleRate: 24_000, channels: 1, samples: new Int16Array(24_000) });
  recorder = await startHeaderRecorder();
});

afterEach(async () => {
  for (const run of runs.splice(0)) await run.cleanup();
  await recorder.close();
  rmSync(dir, { recursive: true, force: true });
});

function transcribe(args: readonly string[]): CliProcess {
  const run = startCli(['transcribe', '--input', wav, '--fast', '--journal-dir', dir, ...args], {
    OPENAI_API_KEY: OPENAI_KEY,
  });
  runs.push(run);
  return run;
}

describe('the CLI sends a provider key variable only to its own host', () => {
  it('does not send $OPENAI_API_KEY to an OpenAI-compatible --url, and says how to', async () => {
    const run = transcribe(['--provider', 'openai-compatible', '--url', recorder.url]);
    expect((await run.exited(20_000)).code).toBe(1);
    expect(recorder.requests.length).toBeGreaterThan(0); // it did connect, without the key
    expect(recorder.saw(OPENAI_KEY)).toBe(false);
    expect(run.stderr()).toContain('note: $OPENAI_API_KEY is not sent to ws://127.0.0.1:');
    expect(run.stderr()).toMatch(/error\[PROVIDER_AUTH_FAILED\]/);
  });

  it('refuses to send $OPENAI_API_KEY to a --url that is not api.openai.com', async () => {
    const run = transcribe(['--provider', 'openai', '--url', recorder.url]);
    expect((await run.exited(20_000)).code).toBe(1);
    expect(run.stderr()).toMatch(
      /error\[PROVIDER_KEY_MISSING\]: \$OPENAI_API_KEY is only sent to wss:\/\/api\.openai\.com, and --url points at ws:\/\/127\.0\.0\.1:\d+\. To send it there anyway, pass --api-key-env OPENAI_API_KEY\./,
    );
    expect(recorder.requests).toHaveLength(0);
  });

  it('sends it when the person names the variable with --api-key-env', async () => {
    const run = transcribe([
      '--provider',
      'openai-compatible',
      '--url',
      recorder.url,
      '--api-key-env',
      'OPENAI_API_KEY',
    ]);
    expect((await run.exited(20_000)).code).toBe(1); // the recorder refuses every key
    expect(recorder.saw(`Bearer ${OPENAI_KEY}`)).toBe(true);
  });

  it('refuses a --url that is no WebSocket address, saying what to fix', async () => {
    const run = transcribe(['--provider', 'openai-compatible', '--url', `ws+unix://${join(dir, 'sock')}:/v1`]);
    expect((await run.exited(20_000)).code).toBe(2);
    expect(run.stderr()).toMatch(
      /error\[USAGE\]: --url: The address must start with wss:\/\/, ws:\/\/, https:\/\/ or http:\/\//,
    );
    const credentials = transcribe([
      '--provider',
      'openai-compatible',
      '--url',
      `ws://me:pw@127.0.0.1:${recorder.port}`,
    ]);
    expect((await credentials.exited(20_000)).code).toBe(2);
    expect(credentials.stderr()).toMatch(/must not contain a user name or password/);
    expect(recorder.requests).toHaveLength(0);
  });
});
