import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OFFLINE_TEST_MODEL } from '../../../tests/helpers/paths.ts';
import { loadModelManifest } from './manifest-file.ts';

/** What loading a broken model folder throws: an EarshotError with `code`, its message naming `what`. */
const failure = (code: string, what: string): Error =>
  expect.objectContaining({ code, message: expect.stringContaining(what) as unknown }) as Error;

/** Writes a manifest that differs from a well-formed one only in `fields`. */
function writeManifest(path: string, fields: Record<string, unknown>): void {
  const manifest = {
    name: 'x',
    kind: 'offline',
    sampleRate: 16000,
    files: ['model.onnx'],
    sherpa: { modelConfig: {} },
  };
  writeFileSync(path, JSON.stringify({ ...manifest, ...fields }));
}

describe('loadModelManifest', () => {
  const dirs: string[] = [];
  const copy = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'earshot-manifest-'));
    dirs.push(dir);
    cpSync(OFFLINE_TEST_MODEL, dir, { recursive: true });
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('resolves every file of the sherpa config inside the folder', () => {
    const m = loadModelManifest(OFFLINE_TEST_MODEL);
    expect(m.manifest.kind).toBe('offline');
    expect(m.recognizerConfig['modelConfig']).toMatchObject({
      zipformerCtc: { model: join(OFFLINE_TEST_MODEL, 'model.onnx') },
      tokens: join(OFFLINE_TEST_MODEL, 'tokens.txt'),
      numThreads: 1,
    });
  });

  it('MODEL_MISSING names the missing manifest or model file', () => {
    expect(() => loadModelManifest(join(tmpdir(), 'nowhere-xyz'))).toThrow(/nowhere-xyz/);
    const dir = copy();
    rmSync(join(dir, 'tokens.txt'));
    expect(() => loadModelManifest(dir)).toThrow(failure('MODEL_MISSING', 'tokens.txt'));
    rmSync(join(dir, 'earshot-model.json'));
    expect(() => loadModelManifest(dir)).toThrow(failure('MODEL_MISSING', 'earshot-model.json'));
  });

  it('MODEL_INVALID names the file and field: bad JSON, a bad field, a path outside the folder, an empty file', () => {
    const dir = copy();
    const manifest = join(dir, 'earshot-model.json');
    writeFileSync(manifest, '{ nope');
    expect(() => loadModelManifest(dir)).toThrow(failure('MODEL_INVALID', manifest));
    writeManifest(manifest, { kind: 'sideways' });
    expect(() => loadModelManifest(dir)).toThrow(/field "kind"/);
    writeManifest(manifest, { files: ['../../etc/passwd.txt'] });
    expect(() => loadModelManifest(dir)).toThrow(/outside the model folder/);
    writeManifest(manifest, { files: ['tokens.txt'], sherpa: { modelConfig: { tokens: 'tokens.txt' } } });
    writeFileSync(join(dir, 'tokens.txt'), '');
    expect(() => loadModelManifest(dir)).toThrow(failure('MODEL_INVALID', 'tokens.txt'));
  });
});
