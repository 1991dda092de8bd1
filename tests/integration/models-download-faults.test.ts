import { cpSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../src/core/models/catalog.ts';
import { ModelManager } from '../../src/core/models/model-manager.ts';
import type { ModelProgress } from '../../src/shared/models.ts';
import {
  buildModelArchive,
  fixtureEntry,
  fixtureVadAsset,
  readModelFiles,
  startArchiveServer,
  type ArchiveServer,
} from '../fixtures/engine/model-archive.ts';
import { OFFLINE_TEST_MODEL, VAD_MODEL, requireSharedModels } from '../helpers/paths.ts';

/**
 * Bad answers during a model download, from a real HTTP server on loopback: a captive
 * portal's page, a refused or mismatched resume, the wrong size; and the catalog's rule that
 * a model without a verified checksum is never downloaded.
 */
describe('model downloads that go wrong', () => {
  let archive: Buffer;
  let server: ArchiveServer;
  let modelsDir: string;
  let progress: ModelProgress[];

  const entry = (overrides: Partial<CatalogEntry> = {}): CatalogEntry =>
    fixtureEntry(`${server.base}/model.tar.bz2`, archive, overrides);
  const manager = (catalog: CatalogEntry[] = [entry()]): ModelManager => {
    const m = new ModelManager({
      modelsDir,
      catalog,
      stallTimeoutMs: 2_000,
      vadAsset: fixtureVadAsset(`${server.base}/silero_vad.onnx`, readFileSync(VAD_MODEL)),
    });
    m.on('progress', (p) => progress.push(p));
    return m;
  };
  const part = (): string => join(modelsDir, '.downloads', 'test-ctc.part');
  const modelRanges = (): (string | undefined)[] =>
    server.requests.filter((r) => r.path === '/model.tar.bz2').map((r) => r.range);
  /** Bytes of another file left where the download resumes from. */
  const staleParts = async (bytes: number): Promise<void> => {
    await mkdir(join(modelsDir, '.downloads'), { recursive: true });
    await writeFile(part(), Buffer.alloc(bytes, 0x42));
  };

  beforeAll(async () => {
    requireSharedModels();
    archive = await buildModelArchive(
      'earshot-test-ctc-en',
      await readModelFiles(OFFLINE_TEST_MODEL, ['model.onnx', 'tokens.txt']),
    );
    server = await startArchiveServer({
      '/model.tar.bz2': archive,
      '/silero_vad.onnx': readFileSync(VAD_MODEL),
    });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'earshot-models-faults-'));
    server.requests.length = 0;
    server.queue.length = 0;
    server.mode = 'ok';
    progress = [];
    return () => rm(modelsDir, { recursive: true, force: true });
  });

  it('a captive portal answers instead of the archive: the .part is deleted, one retry from zero, a clear error; a later download installs', async () => {
    const m = manager();
    // A real partial download first, as on a train before the Wi-Fi changed.
    server.mode = 'truncate';
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    expect((await m.list()).catalog[0]?.partialBytes).toBeGreaterThan(0);

    server.mode = 'portal';
    server.requests.length = 0;
    const failed = m.download('test-ctc');
    await expect(failed).rejects.toMatchObject({
      code: 'MODEL_DOWNLOAD_REJECTED',
      message: expect.stringMatching(/web page.*partial download was deleted.*Wi-Fi/s) as unknown,
    });
    // The resume was answered with the page; the retry asked for the whole file, got the page again.
    expect(modelRanges()).toEqual([expect.stringMatching(/^bytes=\d+-$/), undefined]);
    expect(existsSync(part())).toBe(false);
    expect(progress.at(-1)).toMatchObject({ phase: 'failed', error: { code: 'MODEL_DOWNLOAD_REJECTED' } });

    server.mode = 'ok';
    server.requests.length = 0;
    await m.download('test-ctc');
    expect(modelRanges()).toEqual([undefined]);
    expect((await m.list()).installed.map((i) => i.id)).toEqual(['test-ctc']);
  });

  it('a portal page sent as octet-stream with no length is recognised by its first bytes; when it is gone the retry installs', async () => {
    const m = manager();
    server.mode = 'portal-chunked';
    await expect(m.download('test-ctc')).rejects.toMatchObject({
      code: 'MODEL_DOWNLOAD_REJECTED',
      message: expect.stringContaining('sent a web page instead of the file') as unknown,
    });
    expect(existsSync(part())).toBe(false);

    // Only the first answer is the page: the automatic retry from zero gets the archive.
    server.mode = 'ok';
    server.queue.push('portal-chunked');
    server.requests.length = 0;
    await m.download('test-ctc');
    expect(modelRanges()).toEqual([undefined, undefined]);
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
  });

  it('a 416 on a stale .part that does not match: deleted, restarted from zero, installed', async () => {
    await staleParts(1000);
    const m = manager();
    server.mode = 'refuse-range';
    await m.download('test-ctc');
    expect(modelRanges()).toEqual(['bytes=1000-', undefined]);
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
    expect(existsSync(part())).toBe(false);
  });

  it('a stale .part that the server resumes (206) fails its checksum: deleted, restarted from zero, installed', async () => {
    await staleParts(1000);
    const m = manager();
    await m.download('test-ctc');
    expect(modelRanges()).toEqual(['bytes=1000-', undefined]);
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
  });

  it('a server offering the wrong size is refused before anything is kept: MODEL_DOWNLOAD_REJECTED', async () => {
    const m = manager();
    server.mode = 'padded';
    await expect(m.download('test-ctc')).rejects.toMatchObject({
      code: 'MODEL_DOWNLOAD_REJECTED',
      message: expect.stringContaining(`not the published ${archive.length}`) as unknown,
    });
    expect(modelRanges()).toEqual([undefined, undefined]);
    expect(existsSync(part())).toBe(false);
    expect(existsSync(join(modelsDir, 'test-ctc'))).toBe(false);
  });

  it('models.delete removes a partial download when nothing is installed', async () => {
    const m = manager();
    server.mode = 'truncate';
    await expect(m.download('test-ctc')).rejects.toMatchObject({ code: 'MODEL_DOWNLOAD_FAILED' });
    expect((await stat(part())).size).toBeGreaterThan(0);
    await m.delete('test-ctc');
    expect(existsSync(part())).toBe(false);
    expect((await m.list()).catalog[0]?.partialBytes).toBeUndefined();
    await expect(m.delete('test-ctc')).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });

  it('an entry without a verified checksum is listed as not offered and refused without a request; an installed copy still works', async () => {
    const m = manager([entry({ checksum: null })]);
    const listed = (await m.list()).catalog[0];
    expect(listed).toMatchObject({
      id: 'test-ctc',
      downloadable: false,
      notOfferedReason: expect.stringContaining('no verified checksum') as unknown,
    });
    await expect(m.download('test-ctc')).rejects.toMatchObject({
      code: 'MODEL_UNVERIFIED',
      message: expect.stringContaining('no verified checksum') as unknown,
    });
    expect(progress.at(-1)).toMatchObject({ id: 'test-ctc', phase: 'failed', error: { code: 'MODEL_UNVERIFIED' } });
    expect(server.requests).toEqual([]);

    // The same model put in place by hand (or bundled) is used as before.
    cpSync(OFFLINE_TEST_MODEL, join(modelsDir, 'test-ctc'), { recursive: true });
    expect(m.resolve('test-ctc')).toBe(join(modelsDir, 'test-ctc'));
    expect((await m.list()).installed.map((i) => i.id)).toEqual(['test-ctc']);
  });
});
