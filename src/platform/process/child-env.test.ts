import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnvironment, isSecretVariable } from './child-env.ts';
import { spawnNodeChild } from './node-spawn.ts';

const ENV_CHILD = fileURLToPath(new URL('./fixtures/env-child.ts', import.meta.url));

/** Keys the parent holds, by every kind of name the scrub must catch. */
const PLANTED = {
  OPENAI_API_KEY: 'sk-planted-openai',
  DEEPGRAM_API_KEY: 'dg-planted',
  ASSEMBLYAI_API_KEY: 'aai-planted',
  EARSHOT_OPENAI_COMPATIBLE_API_KEY: 'compat-planted',
  EARSHOT_ENGINE_TOKEN: 'engine-token-planted',
  GITHUB_TOKEN: 'ghp-planted',
  MY_SERVICE_SECRET: 'secret-planted',
  AWS_SECRET_ACCESS_KEY: 'aws-planted',
};

let dir: string;
const saved = new Map<string, string | undefined>();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-child-env-'));
  for (const [name, value] of Object.entries(PLANTED)) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
});

afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
  rmSync(dir, { recursive: true, force: true });
});

describe('childEnvironment', () => {
  it('drops key variables by name and keeps the rest', () => {
    for (const name of [...Object.keys(PLANTED), 'npm_config_password', 'HF_TOKEN', 'X_APIKEY'])
      expect(isSecretVariable(name), name).toBe(true);
    for (const name of ['PATH', 'HOME', 'PULSE_SERVER', 'EARSHOT_ENGINE_CONFIG', 'TOKENIZERS_PARALLELISM', 'KEYBOARD'])
      expect(isSecretVariable(name), name).toBe(false);
    expect(
      childEnvironment({ PATH: '/bin', OPENAI_API_KEY: 'x', GONE: undefined }, { FIXTURE: '1', X_TOKEN: 'y' }),
    ).toEqual({ PATH: '/bin', FIXTURE: '1' });
  });
});

describe('spawnNodeChild', () => {
  it('starts a real child whose environment holds no key, but everything else', async () => {
    const out = join(dir, 'env.json');
    const child = spawnNodeChild({
      modulePath: ENV_CHILD,
      args: [out],
      env: { FIXTURE_MARK: 'passed-through', PASSED_API_KEY: 'explicit-but-a-key' },
      name: 'env-fixture',
    });
    let stderr = '';
    child.onStderr((text) => (stderr += text));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the env child did not exit within 15 s')), 15_000);
      child.onExit((exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code, stderr).toBe(0);
    const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(env['FIXTURE_MARK']).toBe('passed-through');
    expect(env['PATH']).toBe(process.env['PATH']);
    const text = JSON.stringify(env);
    for (const [name, value] of Object.entries(PLANTED)) {
      expect(env[name], name).toBeUndefined();
      expect(text).not.toContain(value);
    }
    expect(env['PASSED_API_KEY']).toBeUndefined();
  });
});
