import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/core/sources/wav.ts';
import { startCli, type CliProcess } from '../helpers/cli-process.ts';
import { startRefusingServer, type RefusingServer } from '../helpers/refusing-server.ts';

/**
 * `earshot transcribe --provider … --url … --model …` as a real child: options that cannot
 * work are refused before anything connects, with the fix in the message; a server that
 * refuses the upgrade with 403 or 404 is reported as what that means (missing model, wrong
 * path), once, without retrying and without blaming the key.
 */
let dir: string;
let wav: string;
const runs: CliProcess[] = [];
const servers: RefusingServer[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cli-presets-'));
  wav = join(dir, 'silence.wav');
  await writeWav(wav, { sampleRate: 24_000, channels: 1, samples: new Int16Array(24_000) });
});

afterEach(async () => {
  for (const run of runs.splice(0)) await run.cleanup();
  for (const server of servers.splice(0)) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function transcribe(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const run = startCli(['transcribe', '--input', wav, '--fast', '--journal-dir', dir, ...args], {
    OPENAI_API_KEY: 'sk-never-sent-to-a-team-server',
  });
  runs.push(run);
  const { code } = await run.exited(20_000);
  return { code, stderr: run.stderr() };
}

async function refusing(status: 403 | 404): Promise<RefusingServer> {
  const server = await startRefusingServer(status);
  servers.push(server);
  return server;
}

describe('transcribe refuses options that cannot work, saying what to pass', () => {
  it('refuses a URL with another scheme', async () => {
    const { code, stderr } = await transcribe(['--provider', 'openai-compatible', '--url', 'ftp://x']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error[USAGE]: --url: The address must start with wss://, ws://, https:// or http://, not ftp://. Use one like wss://host/v1/realtime or ws://127.0.0.1:8080.',
    );
  });

  it('refuses Speaches without --model, naming the option and an example', async () => {
    const { code, stderr } = await transcribe(['--provider', 'speaches', '--url', 'http://127.0.0.1:9/v1']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'error[USAGE]: --provider speaches needs --model: Speaches needs the name of the model it serves (for example Systran/faster-distil-whisper-small.en). Pass --model Systran/faster-distil-whisper-small.en, or the name the server loaded.',
    );
  });

  it('refuses a server provider without --url, and an unknown provider', async () => {
    const noUrl = await transcribe(['--provider', 'vllm', '--model', 'mistralai/Voxtral-Mini-4B-Realtime-2602']);
    expect(noUrl.stderr).toContain(
      "error[USAGE]: --provider vllm needs --url, the server's address (e.g. --url ws://gpu-box:8000/v1/realtime).",
    );
    const unknown = await transcribe(['--provider', 'whisper']);
    expect(unknown.stderr).toContain(
      'error[USAGE]: --provider must be one of local, openai, openai-compatible, vllm, speaches, riva, deepgram, assemblyai; not "whisper".',
    );
  });
});

describe('a refused upgrade is reported as what it means', () => {
  it('a 403 with no model in the address is the missing model, asked for once at /v1/realtime', async () => {
    const server = await refusing(403);
    const { code, stderr } = await transcribe(['--provider', 'openai-compatible', '--url', `${server.base}/v1`]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error\[PROVIDER_MODEL_MISSING\]: .*HTTP 403\) and the address names no model\./);
    expect(stderr).not.toContain('API key');
    expect(stderr).not.toContain('OPENAI_API_KEY is only');
    // The base URL was dialled as its realtime endpoint, and not again: retrying fixes nothing.
    expect(server.upgrades).toEqual(['/v1/realtime?intent=transcription']);
  });

  it('a 404 is the wrong path, with the path the server wants', async () => {
    const server = await refusing(404);
    const { code, stderr } = await transcribe([
      '--provider',
      'openai-compatible',
      '--url',
      `${server.base}/asr/listen`,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /error\[PROVIDER_PATH_NOT_FOUND\]: The OpenAI-compatible server has no realtime endpoint at \/asr\/listen \(HTTP 404\)\. .*listen on \/v1\/realtime/,
    );
    expect(server.upgrades).toHaveLength(1);
  });
});
