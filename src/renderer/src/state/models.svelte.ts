import type { EarshotApi } from '../../../shared/ipc/api.ts';
import type { CatalogModel, ModelProgress, ModelsState } from '../../../shared/models.ts';
import { succeeded, valueOr, type Reporter } from './report.ts';

/** Phases during which a download is still under way (the person can cancel). */
const RUNNING = new Set<ModelProgress['phase']>(['downloading', 'verifying', 'extracting']);

/** Installed and available speech models, and downloads in progress. */
export class ModelsStore {
  state = $state.raw<ModelsState | null>(null);
  /** Latest progress per model id; a finished download keeps its last phase (installed, failed…). */
  progress = $state.raw<Record<string, ModelProgress>>({});

  readonly installed = $derived(this.state?.installed ?? []);
  readonly available: CatalogModel[] = $derived(
    (this.state?.catalog ?? []).filter((m) => !this.installed.some((i) => i.id === m.id)),
  );
  readonly defaultModel: CatalogModel | null = $derived(this.state?.catalog.find((m) => m.isDefault) ?? null);
  /**
   * The embedded engine has nothing to run: the first-run offer applies. A model in use that
   * is not among the installed ones (a folder given with --model-dir) counts as a model.
   */
  readonly needsModel: boolean = $derived(
    this.state !== null && this.state.installed.length === 0 && this.state.activeModelId === null,
  );

  #api: EarshotApi;
  #report: Reporter;

  constructor(api: EarshotApi, report: Reporter) {
    this.#api = api;
    this.#report = report;
  }

  isRunning(id: string): boolean {
    const p = this.progress[id];
    return p !== undefined && RUNNING.has(p.phase);
  }

  applyState(state: ModelsState): void {
    this.state = state;
  }

  applyProgress(progress: ModelProgress): void {
    this.progress = { ...this.progress, [progress.id]: progress };
  }

  async load(): Promise<void> {
    const state = valueOr(await this.#api.models.list(), this.#report, 'Loading models');
    if (state) this.state = state;
  }

  async download(id: string): Promise<boolean> {
    const total = this.state?.catalog.find((m) => m.id === id)?.sizeBytes ?? 0;
    // Show the bar at once; main's progress events take over from here.
    this.applyProgress({
      id,
      phase: 'downloading',
      receivedBytes: this.progress[id]?.receivedBytes ?? 0,
      totalBytes: total,
    });
    const ok = succeeded(await this.#api.models.download({ id }), this.#report, 'Starting the download');
    if (!ok) {
      const { [id]: _dropped, ...rest } = this.progress;
      this.progress = rest;
    }
    return ok;
  }

  async cancel(id: string): Promise<void> {
    succeeded(await this.#api.models.cancel({ id }), this.#report, 'Cancelling the download');
  }

  async remove(id: string): Promise<void> {
    const state = valueOr(await this.#api.models.delete({ id }), this.#report, 'Deleting the model');
    if (state) this.state = state;
  }

  async select(id: string): Promise<void> {
    const state = valueOr(await this.#api.models.select({ id }), this.#report, 'Choosing the model');
    if (state) this.state = state;
  }
}
