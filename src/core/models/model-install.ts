import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModelManifest, MANIFEST_FILE } from '../../platform/models/manifest-file.ts';
import { findVadModel } from '../../platform/models/vad-model.ts';
import { EarshotError, toErrorPayload } from '../../shared/errors.ts';
import type { ModelProgress } from '../../shared/models.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { notOfferedReason, type AssetEntry, type CatalogEntry, type PublishedFile } from './catalog.ts';
import { downloadFile, type FetchLike } from './download.ts';
import { extractTarBz2 } from './extract.ts';
import { partPath, WORK_DIR } from './model-files.ts';

const log = createLogger('model-manager');

/** What an install works with; fixed for the manager's lifetime. */
export interface InstallSetup {
  readonly modelsDir: string;
  /** The VAD offline models need, installed with the first of them. */
  readonly vadAsset: AssetEntry;
  readonly fetch: FetchLike | undefined;
  readonly stallTimeoutMs: number | undefined;
}

/**
 * Downloads, verifies and installs a catalog model (and the VAD when an offline model needs
 * it), reporting each phase. The install is atomic: the archive is unpacked into a staging
 * folder inside the models folder, checked against its manifest, and only then renamed into
 * place, so a crash never leaves a half model where the engine looks.
 */
export async function installModel(
  entry: CatalogEntry,
  setup: InstallSetup,
  signal: AbortSignal,
  onProgress: (progress: ModelProgress) => void,
): Promise<void> {
  const work = join(setup.modelsDir, WORK_DIR);
  await mkdir(work, { recursive: true });
  const part = partPath(setup.modelsDir, entry.id);
  const emit = (phase: ModelProgress['phase'], receivedBytes: number, totalBytes: number, error?: unknown): void => {
    onProgress({
      id: entry.id,
      phase,
      receivedBytes,
      totalBytes,
      ...(error ? { error: toErrorPayload(error) } : {}),
    });
  };
  let lastEmit = 0;
  let received = 0;
  let total = entry.sizeBytes;
  try {
    await downloadVerified(
      entry,
      part,
      setup,
      signal,
      (r, t) => {
        received = r;
        total = t || total;
        const now = performance.now();
        if (now - lastEmit >= 100 || r === t) {
          lastEmit = now;
          emit('downloading', r, total);
        }
      },
      ARCHIVE_MAGIC[entry.archive],
    );
    emit('verifying', received, total);
    if (signal.aborted) throw new EarshotError('MODEL_DOWNLOAD_FAILED', 'The download was cancelled.');
    emit('extracting', received, total);
    const staging = join(work, `staging-${entry.id}-${process.pid}-${Date.now()}`);
    await rm(staging, { recursive: true, force: true });
    try {
      await extractTarBz2(part, staging, entry.archiveRoot);
      await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(entry.manifest, null, 2)}\n`);
      loadModelManifest(staging); // every file the manifest names must be there
      if (entry.kind === 'offline' && !findVadModel({ modelsDir: setup.modelsDir, env: {} }))
        await installVad(setup, signal);
      const target = join(setup.modelsDir, entry.id);
      if (existsSync(target)) {
        const old = join(work, `replaced-${entry.id}-${Date.now()}`);
        await rename(target, old);
        await rename(staging, target);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(staging, target);
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    await rm(part, { force: true });
    emit('installed', received, total);
    log.info(`installed ${entry.id}`);
  } catch (error) {
    emit(signal.aborted ? 'cancelled' : 'failed', received, total, error);
    throw error;
  }
}

async function installVad(setup: InstallSetup, signal: AbortSignal): Promise<void> {
  const asset = setup.vadAsset;
  const dir = join(setup.modelsDir, asset.id);
  const part = partPath(setup.modelsDir, asset.id);
  await downloadVerified(asset, part, setup, signal, () => {});
  await mkdir(dir, { recursive: true });
  await rename(part, join(dir, asset.fileName));
}

/**
 * Downloads (or resumes) `file` into `part`, checked by its exact size and its sum; a file
 * without a verified sum is refused (MODEL_UNVERIFIED), and `magic`, when given, is checked on
 * the first bytes so a sign-in page is rejected before it fills the disk.
 */
function downloadVerified(
  file: PublishedFile,
  part: string,
  setup: InstallSetup,
  signal: AbortSignal,
  onProgress: (receivedBytes: number, totalBytes: number) => void,
  magic?: string,
): Promise<void> {
  return downloadFile({
    url: file.url,
    partPath: part,
    expectedBytes: file.sizeBytes,
    sha256: verifiedSha256(file),
    ...(magic ? { magic } : {}),
    signal,
    ...(setup.fetch ? { fetch: setup.fetch } : {}),
    ...(setup.stallTimeoutMs ? { stallTimeoutMs: setup.stallTimeoutMs } : {}),
    onProgress,
  });
}

/** The bytes every archive of that kind starts with. */
const ARCHIVE_MAGIC: Record<CatalogEntry['archive'], string> = { 'tar.bz2': 'BZh' };

function verifiedSha256(entry: PublishedFile): string {
  if (entry.checksum) return entry.checksum.sha256;
  throw new EarshotError('MODEL_UNVERIFIED', `${entry.url}: ${notOfferedReason(entry) ?? ''}`);
}
