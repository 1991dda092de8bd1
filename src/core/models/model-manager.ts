import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModelManifest, MANIFEST_FILE } from '../../platform/models/manifest-file.ts';
import { EarshotError, toErrorPayload } from '../../shared/errors.ts';
import type { CatalogModel, InstalledModel, ModelProgress, ModelsState } from '../../shared/models.ts';
import { createLogger } from '../../platform/log/logger.ts';
import {
  MODEL_CATALOG,
  VAD_ASSET,
  defaultCatalogEntry,
  type AssetEntry,
  type CatalogEntry,
  type PublishedFile,
} from './catalog.ts';
import { downloadFile, type FetchLike } from './download.ts';
import { extractTarBz2 } from './extract.ts';
import { findVadModel, type FindVadOptions } from '../../platform/models/vad-model.ts';

export { findVadModel, type FindVadOptions };

const log = createLogger('model-manager');

export interface ModelManagerOptions {
  /** The user's model folder; each installed model is `<modelsDir>/<id>/`. */
  readonly modelsDir: string;
  readonly catalog?: readonly CatalogEntry[];
  readonly vadAsset?: AssetEntry;
  readonly fetch?: FetchLike;
  readonly stallTimeoutMs?: number;
}

interface ManagerEvents {
  progress: [ModelProgress];
}

/** Where unfinished downloads live (resumable `.part` files) and installs are staged. */
const WORK_DIR = '.downloads';

/**
 * Lists, downloads, verifies, installs and deletes models. An install is atomic: the
 * archive is unpacked into a staging folder inside the models folder, checked, and only
 * then renamed into place, so a crash never leaves a half model where the engine looks.
 */
export class ModelManager extends EventEmitter<ManagerEvents> {
  readonly modelsDir: string;
  readonly #catalog: readonly CatalogEntry[];
  readonly #vadAsset: AssetEntry;
  readonly #fetch: FetchLike | undefined;
  readonly #stallTimeoutMs: number | undefined;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(options: ModelManagerOptions) {
    super();
    this.modelsDir = options.modelsDir;
    this.#catalog = options.catalog ?? MODEL_CATALOG;
    this.#vadAsset = options.vadAsset ?? VAD_ASSET;
    this.#fetch = options.fetch;
    this.#stallTimeoutMs = options.stallTimeoutMs;
  }

  get catalog(): readonly CatalogEntry[] {
    return this.#catalog;
  }

  async list(): Promise<ModelsState> {
    const installed: InstalledModel[] = [];
    for (const name of await this.#entries()) {
      const dir = join(this.modelsDir, name);
      if (!existsSync(join(dir, MANIFEST_FILE))) continue;
      try {
        const { manifest } = loadModelManifest(dir);
        installed.push({
          id: name,
          name: manifest.name,
          kind: manifest.kind,
          dir,
          sizeBytes: await diskUsage(dir),
          purpose: manifest.purpose,
        });
      } catch (error) {
        log.warn(`skipping damaged model folder ${dir}: ${(error as Error).message}`);
      }
    }
    const catalog: CatalogModel[] = this.#catalog.map((m) => ({
      id: m.id,
      name: m.name,
      kind: m.kind,
      language: m.language,
      sizeBytes: m.sizeBytes,
      license: m.license,
      description: m.description,
      isDefault: m.isDefault,
    }));
    const defaultId = defaultCatalogEntry(this.#catalog).id;
    const active = installed.find((m) => m.id === defaultId) ?? installed[0] ?? null;
    return { installed, catalog, activeModelId: active?.id ?? null, diskUsageBytes: await diskUsage(this.modelsDir) };
  }

  isInstalled(id: string): boolean {
    return existsSync(join(this.modelsDir, safeId(id), MANIFEST_FILE));
  }

  /** The installed model's folder; MODEL_MISSING when it is not installed. */
  resolve(id: string): string {
    const dir = join(this.modelsDir, safeId(id));
    if (!existsSync(join(dir, MANIFEST_FILE))) {
      throw new EarshotError(
        'MODEL_MISSING',
        `The model "${id}" is not installed in ${this.modelsDir}. Download it from the Models page.`,
      );
    }
    return dir;
  }

  /** The VAD beside the models (downloaded with the first offline model). */
  vadModelPath(): string | null {
    return findVadModel({ modelsDir: this.modelsDir, env: {} });
  }

  /** Downloads and installs a catalog model (and the VAD when the model needs one). Joins a download already running. */
  download(id: string): Promise<void> {
    const running = this.#running.get(id);
    if (running) return running.done;
    const entry = this.#catalog.find((m) => m.id === id);
    if (!entry) return Promise.reject(new EarshotError('MODEL_MISSING', `"${id}" is not in the model catalog.`));
    const controller = new AbortController();
    const done = this.#install(entry, controller.signal).finally(() => this.#running.delete(id));
    this.#running.set(id, { controller, done });
    return done;
  }

  /** Stops a running download; its `.part` stays, so the next download resumes. */
  cancel(id: string): boolean {
    const running = this.#running.get(id);
    if (!running) return false;
    running.controller.abort();
    return true;
  }

  async delete(id: string): Promise<void> {
    if (this.#running.has(id)) this.cancel(id);
    const dir = join(this.modelsDir, safeId(id));
    if (!existsSync(dir)) throw new EarshotError('MODEL_MISSING', `The model "${id}" is not installed.`);
    // Rename first so a half-deleted folder is never mistaken for a model.
    const trash = join(this.modelsDir, WORK_DIR, `deleting-${safeId(id)}-${Date.now()}`);
    await mkdir(join(this.modelsDir, WORK_DIR), { recursive: true });
    await rename(dir, trash);
    await rm(trash, { recursive: true, force: true });
    await rm(join(this.modelsDir, WORK_DIR, `${safeId(id)}.part`), { force: true });
  }

  async #install(entry: CatalogEntry, signal: AbortSignal): Promise<void> {
    const work = join(this.modelsDir, WORK_DIR);
    await mkdir(work, { recursive: true });
    const part = join(work, `${entry.id}.part`);
    const emit = (phase: ModelProgress['phase'], receivedBytes: number, totalBytes: number, error?: unknown): void => {
      this.emit('progress', {
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
      await this.#download(entry, part, signal, (r, t) => {
        received = r;
        total = t || total;
        const now = performance.now();
        if (now - lastEmit >= 100 || r === t) {
          lastEmit = now;
          emit('downloading', r, total);
        }
      });
      emit('verifying', received, total);
      if (signal.aborted) throw new EarshotError('MODEL_DOWNLOAD_FAILED', 'The download was cancelled.');
      emit('extracting', received, total);
      const staging = join(work, `staging-${entry.id}-${process.pid}-${Date.now()}`);
      await rm(staging, { recursive: true, force: true });
      try {
        await extractTarBz2(part, staging, entry.archiveRoot);
        await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(entry.manifest, null, 2)}\n`);
        loadModelManifest(staging); // every file the manifest names must be there
        if (entry.kind === 'offline' && !this.vadModelPath()) await this.#installVad(signal);
        const target = join(this.modelsDir, entry.id);
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

  async #installVad(signal: AbortSignal): Promise<void> {
    const asset = this.#vadAsset;
    const dir = join(this.modelsDir, asset.id);
    const part = join(this.modelsDir, WORK_DIR, `${asset.id}.part`);
    await this.#download(asset, part, signal, () => {});
    await mkdir(dir, { recursive: true });
    await rename(part, join(dir, asset.fileName));
  }

  /** Downloads (or resumes) `file` into `partPath`, checked by its exact size when known and its sum. */
  #download(
    file: PublishedFile,
    partPath: string,
    signal: AbortSignal,
    onProgress: (receivedBytes: number, totalBytes: number) => void,
  ): Promise<void> {
    return downloadFile({
      url: file.url,
      partPath,
      expectedBytes: file.sizeExact ? file.sizeBytes : undefined,
      sha256: file.sha256,
      signal,
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
      ...(this.#stallTimeoutMs ? { stallTimeoutMs: this.#stallTimeoutMs } : {}),
      onProgress,
    });
  }

  async #entries(): Promise<string[]> {
    try {
      return (await readdir(this.modelsDir)).filter((n) => !n.startsWith('.'));
    } catch {
      return [];
    }
  }
}

function safeId(id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.'))
    throw new EarshotError('MODEL_MISSING', `"${id}" is not a valid model id.`);
  return id;
}

/** Bytes on disk under `path` (files only; follows no links). */
export async function diskUsage(path: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += await diskUsage(full);
    else if (entry.isFile()) total += (await stat(full)).size;
  }
  return total;
}
