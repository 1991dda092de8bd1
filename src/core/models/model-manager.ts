import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModelManifest, MANIFEST_FILE } from '../../platform/models/manifest-file.ts';
import { EarshotError, toErrorPayload } from '../../shared/errors.ts';
import type { CatalogModel, InstalledModel, ModelProgress, ModelsState } from '../../shared/models.ts';
import { createLogger } from '../../platform/log/logger.ts';
import {
  MODEL_CATALOG,
  VAD_ASSET,
  defaultCatalogEntry,
  notOfferedReason,
  type AssetEntry,
  type CatalogEntry,
} from './catalog.ts';
import type { FetchLike } from './download.ts';
import { diskUsage, partPath, safeId, sizeOrZero, WORK_DIR } from './model-files.ts';
import { installModel, type InstallSetup } from './model-install.ts';
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

/**
 * Lists, downloads, installs and deletes models, one download per model at a time. How a
 * download is verified and installed atomically is model-install.ts.
 */
export class ModelManager extends EventEmitter<ManagerEvents> {
  readonly modelsDir: string;
  readonly #catalog: readonly CatalogEntry[];
  readonly #install: InstallSetup;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(options: ModelManagerOptions) {
    super();
    this.modelsDir = options.modelsDir;
    this.#catalog = options.catalog ?? MODEL_CATALOG;
    this.#install = {
      modelsDir: options.modelsDir,
      vadAsset: options.vadAsset ?? VAD_ASSET,
      fetch: options.fetch,
      stallTimeoutMs: options.stallTimeoutMs,
    };
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
    const catalog: CatalogModel[] = [];
    for (const m of this.#catalog) {
      const reason = notOfferedReason(m);
      const partialBytes = await sizeOrZero(this.#partPath(m.id));
      catalog.push({
        id: m.id,
        name: m.name,
        kind: m.kind,
        language: m.language,
        sizeBytes: m.sizeBytes,
        license: m.license,
        description: m.description,
        isDefault: m.isDefault,
        downloadable: reason === null,
        ...(reason ? { notOfferedReason: reason } : {}),
        ...(partialBytes > 0 ? { partialBytes } : {}),
      });
    }
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
    const reason = notOfferedReason(entry);
    if (reason) {
      const error = new EarshotError('MODEL_UNVERIFIED', `${entry.name} is not offered for download: ${reason}`);
      // The request itself returns at once; the person learns why from the progress event.
      this.emit('progress', {
        id,
        phase: 'failed',
        receivedBytes: 0,
        totalBytes: entry.sizeBytes,
        error: toErrorPayload(error),
      });
      return Promise.reject(error);
    }
    const controller = new AbortController();
    const done = installModel(entry, this.#install, controller.signal, (progress) =>
      this.emit('progress', progress),
    ).finally(() => this.#running.delete(id));
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

  /** Deletes the installed model, its partial download, or both; MODEL_MISSING when there is neither. */
  async delete(id: string): Promise<void> {
    const dir = join(this.modelsDir, safeId(id));
    const part = this.#partPath(id);
    const running = this.#running.get(id);
    if (running) {
      running.controller.abort();
      // Wait until the download has let go of its `.part`, or it could write it again.
      await running.done.catch((error: unknown) => log.info(`download of ${id} stopped for deletion`, error));
    }
    const hadPart = existsSync(part);
    if (!existsSync(dir) && !hadPart)
      throw new EarshotError('MODEL_MISSING', `The model "${id}" is not installed and has no partial download.`);
    if (existsSync(dir)) {
      // Rename first so a half-deleted folder is never mistaken for a model.
      const trash = join(this.modelsDir, WORK_DIR, `deleting-${safeId(id)}-${Date.now()}`);
      await mkdir(join(this.modelsDir, WORK_DIR), { recursive: true });
      await rename(dir, trash);
      await rm(trash, { recursive: true, force: true });
    }
    await rm(part, { force: true });
  }

  #partPath(id: string): string {
    return partPath(this.modelsDir, id);
  }

  async #entries(): Promise<string[]> {
    try {
      return (await readdir(this.modelsDir)).filter((n) => !n.startsWith('.'));
    } catch {
      return [];
    }
  }
}
