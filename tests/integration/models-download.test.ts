import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../src/platform/models/manifest-file.ts';
import { createRecognizerSession, loadRecognizer } from '../../src/engine/recognizers/factory.ts';
import type { CatalogEntry } from '../../src/core/models/catalog.ts';
import { ModelManager } from '../../src/core/models/model-manager.ts';
import type { ModelProgress } from '../../src/shared/models.ts';
import { EarshotError } from '../../src/shared/errors.ts';
import {
  buildModelArchive,
  fixtureEntry,
  fixtureVadAsset,
  readModelFiles,
  startArchiveServer,
  type ArchiveServer,
} from '../fixtures/engine/model-archive.ts';
import { buildSessionAudio, frames, loadHeldout } from '../fixtures/engine/heldout.ts';
import { OFFLINE_TEST_MODEL, VAD_MODEL, requireSharedModels } from '../helpers/paths.ts';

/**
 * The model manager against a real HTTP server on loopback serving an archive built at
 * test time from the offline test model, laid out like a sherpa-onnx release.
 */
describe('model manager downloads', () => {
  let archive: Buffer;
  let vad: Buffer;
  let server: ArchiveServer;
  let modelsDir: string;

  const entry = (overrides: Partial<CatalogEntry> = {}): CatalogEntry =>
    fixtureEntry(`${server.base}/model.tar.bz2`, archive, overrides);
  const manager = (catalog: CatalogEntry[] = [entry()]): ModelManager =>
    new ModelManager({
      modelsDir,
      catalog,
      stallTimeoutMs: 400,
      vadAsset: fixtureVadAsset(`${server.base}/silero_vad.onnx`, vad),
    });
  const modelRequests = (): { path: string; range: string | undefined }[] =>
    server.requests.filter((r) => r.path === '/model.tar.bz2');

  beforeAll(async () => {
    requireSharedModels();
    archive = await buildModelArchive(
      'earshot-test-ctc-en',
      await readModelFiles(OFFLINE_TEST_MODEL, ['model.onnx', 'tokens.txt', 'README.md']),
    );
    vad = readFileSync(VAD_MODEL);
    server = await startArchiveServer({ '/model.tar.bz2': archive, '/silero_vad.onnx': vad });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'earshot-models-'));
    server.requests.length = 0;
    server.queue.length = 0;
    server.mode = 'ok';
    return () => rm(modelsDir, { recursive: true, force: true });
  });

  it('downloads with progress, verifies, installs atomically, lists, resolves, loads and deletes', async () => {
    const m = manager();
    const progress: ModelProgress[] = [];
    m.on('progress', (p) => progress.push(p));
    expect((await m.list()).installed).toEqual([]);
    await m.download('test-ctc');
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['downloading', 'verifying', 'extracting', 'installed']);
    expect(progress.filter((p) => p.phase === 'downloading').at(-1)).toMatchObject({
      receivedBytes: archive.length,
      totalBytes: archive.length,
    });
    const state = await m.list();
    expect(state.installed).toHaveLength(1);
    expect(state.installed[0]).toMatchObject({ id: 'test-ctc', kind: 'offline', dir: join(modelsDir, 'test-ctc') });
    expect(state.activeModelId).toBe('test-ctc');
    expect(state.diskUsageBytes).toBeGreaterThan(9_000_000);
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
    // The offline model brought the VAD with it, found where the engine looks.
    expect(m.vadModelPath()).toBe(join(modelsDir, 'silero-vad', 'silero_vad.onnx'));
    // Nothing is left in the work folder, and the installed model really decodes.
    expect(await readdir(join(modelsDir, '.downloads'))).toEqual([]);
    const loaded = loadRecognizer(loadModelManifest(m.resolve('test-ctc')));
    const session = createRecognizerSession(
      loaded,
      { inputRate: 16_000, vad: { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 } },
      { vadModelPath: m.vadModelPath() },
    );
    const audio = buildSessionAudio([(await loadHeldout(16_000))[0]!], 16_000);
    const texts = frames(audio.pcm, 16_000)
      .flatMap((f) => session.acceptAudio(f))
      .flatMap((e) => (e.type === 'completed' ? [e.transcript] : []));
    expect(texts.join(' ')).toContain('encryption key');
    await m.delete('test-ctc');
    expect(existsSync(join(modelsDir, 'test-ctc'))).toBe(false);
    expect(() => m.resolve('test-ctc')).toThrow(EarshotError);
  });

  it('a truncated download fails, keeps its part, and resumes with a Range request', async () => {
    const m = manager();
    server.mode = 'truncate';
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    const partSize = (await stat(join(modelsDir, '.downloads', 'test-ctc.part'))).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(archive.length);
    server.mode = 'ok';
    await m.download('test-ctc');
    const resumed = modelRequests().at(-1)!;
    expect(resumed.range).toBe(`bytes=${partSize}-`);
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
  });

  it('a server that stops sending mid-way is abandoned after the stall timeout, then the download resumes', async () => {
    const m = manager();
    server.mode = 'stall';
    await expect(m.download('test-ctc')).rejects.toMatchObject({
      code: 'MODEL_DOWNLOAD_FAILED',
      message: expect.stringContaining('stopped sending') as unknown,
    });
    server.mode = 'ok';
    await m.download('test-ctc');
    expect(modelRequests().at(-1)!.range).toMatch(/^bytes=\d+-$/);
    expect((await m.list()).installed.map((i) => i.id)).toEqual(['test-ctc']);
  });

  it('a wrong checksum discards the download and installs nothing', async () => {
    const m = manager([
      entry({ checksum: { sha256: '0'.repeat(64), source: 'github-asset-digest', evidence: 'test' } }),
    ]);
    const progress: ModelProgress[] = [];
    m.on('progress', (p) => progress.push(p));
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_CHECKSUM_MISMATCH' });
    expect(existsSync(join(modelsDir, 'test-ctc'))).toBe(false);
    expect(existsSync(join(modelsDir, '.downloads', 'test-ctc.part'))).toBe(false);
    expect(progress.at(-1)).toMatchObject({ phase: 'failed', error: { code: 'MODEL_CHECKSUM_MISMATCH' } });
  });

  it('a server that ignores Range restarts from zero and still installs', async () => {
    const m = manager();
    server.mode = 'truncate';
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    server.mode = 'no-range';
    await m.download('test-ctc');
    expect(m.resolve('test-ctc')).toBeTruthy();
  });

  it('cancel stops a download (part kept for resume); unknown ids and unsafe archives are refused', async () => {
    const m = manager();
    server.mode = 'stall';
    const running = m.download('test-ctc');
    await new Promise<void>((resolve) => m.once('progress', () => resolve()));
    expect(m.cancel('test-ctc')).toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    expect(m.cancel('test-ctc')).toBe(false);
    await expect(m.download('nope')).rejects.toMatchObject({ code: 'MODEL_MISSING' });
    await expect(m.delete('nope')).rejects.toMatchObject({ code: 'MODEL_MISSING' });

    const evil = await buildModelArchive('earshot-test-ctc-en', { 'tokens.txt': Buffer.from('x 0\n') }, [
      { name: 'earshot-test-ctc-en/../../escape.txt', body: Buffer.from('boom') },
    ]);
    const evilServer = createServer((_req, res) =>
      res.writeHead(200, { 'content-length': String(evil.length) }).end(evil),
    );
    await new Promise<void>((r) => evilServer.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(evilServer.address() as AddressInfo).port}/evil.tar.bz2`;
      const bad = manager([fixtureEntry(url, evil, { id: 'evil' })]);
      await expect(bad.download('evil')).rejects.toMatchObject({ code: 'MODEL_INVALID' });
      expect(existsSync(join(modelsDir, 'evil'))).toBe(false);
      expect(existsSync(join(modelsDir, '..', 'escape.txt'))).toBe(false);
    } finally {
      await new Promise<void>((r) => evilServer.close(() => r()));
    }
  });
});
