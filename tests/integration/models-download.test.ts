import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import { buildModelArchive, readModelFiles, sha256 } from '../fixtures/engine/model-archive.ts';
import { buildSessionAudio, frames, loadHeldout } from '../fixtures/engine/heldout.ts';
import { OFFLINE_TEST_MODEL, VAD_MODEL, requireSharedModels } from '../helpers/paths.ts';

/**
 * The model manager against a real HTTP server on loopback serving an archive built at
 * test time from the offline test model, laid out like a sherpa-onnx release.
 */
type Mode = 'ok' | 'truncate' | 'stall' | 'no-range';

describe('model manager downloads', () => {
  let archive: Buffer;
  let vad: Buffer;
  let server: Server;
  let base: string;
  let modelsDir: string;
  const requests: { path: string; range: string | undefined }[] = [];
  let mode: Mode = 'ok';
  const openResponses = new Set<ServerResponse>();

  const entry = (overrides: Partial<CatalogEntry> = {}): CatalogEntry => ({
    id: 'test-ctc',
    name: 'Test CTC',
    kind: 'offline',
    language: 'en',
    url: `${base}/model.tar.bz2`,
    sizeBytes: archive.length,
    sizeExact: true,
    sha256: sha256(archive),
    license: 'Apache-2.0',
    description: 'fixture',
    isDefault: true,
    archive: 'tar.bz2',
    archiveRoot: 'earshot-test-ctc-en',
    manifest: JSON.parse(readFileSync(join(OFFLINE_TEST_MODEL, 'earshot-model.json'), 'utf8')) as Record<
      string,
      unknown
    >,
    ...overrides,
  });
  const manager = (catalog: CatalogEntry[] = [entry()]): ModelManager =>
    new ModelManager({
      modelsDir,
      catalog,
      stallTimeoutMs: 400,
      vadAsset: {
        id: 'silero-vad',
        url: `${base}/silero_vad.onnx`,
        fileName: 'silero_vad.onnx',
        sizeBytes: vad.length,
        sizeExact: true,
        sha256: sha256(vad),
        license: 'MIT',
      },
    });

  beforeAll(async () => {
    requireSharedModels();
    archive = await buildModelArchive(
      'earshot-test-ctc-en',
      await readModelFiles(OFFLINE_TEST_MODEL, ['model.onnx', 'tokens.txt', 'README.md']),
    );
    vad = readFileSync(VAD_MODEL);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push({ path: req.url ?? '', range: req.headers.range });
      const body = req.url === '/silero_vad.onnx' ? vad : req.url === '/model.tar.bz2' ? archive : null;
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      let start = 0;
      const range = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      if (range && mode !== 'no-range') start = Number(range[1]);
      const slice = body.subarray(start);
      res.writeHead(start > 0 ? 206 : 200, {
        'content-length': String(slice.length),
        'accept-ranges': 'bytes',
        ...(start > 0 ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
      });
      if (mode === 'truncate' && req.url === '/model.tar.bz2') {
        // Half the promised bytes, then the connection drops.
        res.write(slice.subarray(0, Math.floor(slice.length / 2)), () => res.socket?.destroy());
        return;
      }
      if (mode === 'stall' && req.url === '/model.tar.bz2') {
        // Half the bytes, then silence with the connection held open.
        res.write(slice.subarray(0, Math.floor(slice.length / 2)));
        openResponses.add(res);
        return;
      }
      res.end(slice);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of openResponses) res.socket?.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'earshot-models-'));
    requests.length = 0;
    mode = 'ok';
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
    mode = 'truncate';
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    const partSize = (await stat(join(modelsDir, '.downloads', 'test-ctc.part'))).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThan(archive.length);
    mode = 'ok';
    await m.download('test-ctc');
    const resumed = requests.filter((r) => r.path === '/model.tar.bz2').at(-1)!;
    expect(resumed.range).toBe(`bytes=${partSize}-`);
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
  });

  it('a server that stops sending mid-way is abandoned after the stall timeout, then the download resumes', async () => {
    const m = manager();
    mode = 'stall';
    await expect(m.download('test-ctc')).rejects.toMatchObject({
      code: 'MODEL_DOWNLOAD_FAILED',
      message: expect.stringContaining('stopped sending') as unknown,
    });
    mode = 'ok';
    await m.download('test-ctc');
    expect(requests.filter((r) => r.path === '/model.tar.bz2').at(-1)!.range).toMatch(/^bytes=\d+-$/);
    expect((await m.list()).installed.map((i) => i.id)).toEqual(['test-ctc']);
  });

  it('a wrong checksum discards the download and installs nothing', async () => {
    const m = manager([entry({ sha256: '0'.repeat(64) })]);
    const progress: ModelProgress[] = [];
    m.on('progress', (p) => progress.push(p));
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_CHECKSUM_MISMATCH' });
    expect(existsSync(join(modelsDir, 'test-ctc'))).toBe(false);
    expect(existsSync(join(modelsDir, '.downloads', 'test-ctc.part'))).toBe(false);
    expect(progress.at(-1)).toMatchObject({ phase: 'failed', error: { code: 'MODEL_CHECKSUM_MISMATCH' } });
  });

  it('a server that ignores Range restarts from zero and still installs', async () => {
    const m = manager();
    mode = 'truncate';
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    mode = 'no-range';
    await m.download('test-ctc');
    expect(m.resolve('test-ctc')).toBeTruthy();
  });

  it('cancel stops a download (part kept for resume); unknown ids and unsafe archives are refused', async () => {
    const m = manager();
    mode = 'stall';
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
      const bad = manager([entry({ id: 'evil', url, sizeBytes: evil.length, sha256: sha256(evil) })]);
      await expect(bad.download('evil')).rejects.toMatchObject({ code: 'MODEL_INVALID' });
      expect(existsSync(join(modelsDir, 'evil'))).toBe(false);
      expect(existsSync(join(modelsDir, '..', 'escape.txt'))).toBe(false);
    } finally {
      await new Promise<void>((r) => evilServer.close(() => r()));
    }
  });
});
