import type { SessionDetail, SessionSummary } from '../../../shared/history.ts';
import type { EarshotApi } from '../../../shared/ipc/api.ts';
import type { ExportFormat, SpeakerSource } from '../../../shared/transcript.ts';
import { succeeded, valueOr, type Reporter } from './report.ts';

/** Past sessions: the list main pushes, a full-text search over them, and the one opened. */
export class HistoryStore {
  sessions = $state.raw<SessionSummary[]>([]);
  query = $state('');
  /** Search only what this speaker said (meeting sessions); null: anyone. */
  speaker = $state<SpeakerSource | null>(null);
  /** Search results, or null when no search is active. */
  results = $state.raw<SessionSummary[] | null>(null);
  searching = $state(false);
  opened = $state.raw<SessionDetail | null>(null);

  readonly shown: SessionSummary[] = $derived(this.results ?? this.sessions);

  #api: EarshotApi;
  #report: Reporter;
  /** Only the newest search may write results: answers can come back out of order. */
  #searchSeq = 0;

  constructor(api: EarshotApi, report: Reporter) {
    this.#api = api;
    this.#report = report;
  }

  applyList(sessions: SessionSummary[]): void {
    this.sessions = sessions;
    if (this.opened) {
      const summary = sessions.find((s) => s.id === this.opened?.summary.id);
      if (!summary) this.opened = null;
      else if (summary !== this.opened.summary) this.opened = { ...this.opened, summary };
    }
    if (this.query.trim()) void this.search(this.query);
  }

  async load(): Promise<void> {
    const list = valueOr(await this.#api.history.list(), this.#report, 'Loading history');
    if (list) this.applyList(list);
  }

  async search(query: string): Promise<void> {
    this.query = query;
    const seq = ++this.#searchSeq;
    const trimmed = query.trim();
    if (!trimmed) {
      this.results = null;
      this.searching = false;
      return;
    }
    this.searching = true;
    const found = valueOr(
      await this.#api.history.search({
        query: trimmed.slice(0, 500),
        ...(this.speaker ? { speaker: this.speaker } : {}),
      }),
      this.#report,
      'Searching history',
    );
    if (seq !== this.#searchSeq) return;
    this.searching = false;
    this.results = found ?? [];
  }

  /** Narrows the search to one speaker's words (null: anyone's) and runs it again. */
  async filterSpeaker(speaker: SpeakerSource | null): Promise<void> {
    this.speaker = speaker;
    await this.search(this.query);
  }

  async open(id: string): Promise<void> {
    const detail = valueOr(await this.#api.history.open({ id }), this.#report, 'Opening the session');
    if (detail) this.opened = detail;
  }

  close(): void {
    this.opened = null;
  }

  async rename(id: string, title: string): Promise<boolean> {
    const summary = valueOr(await this.#api.history.rename({ id, title }), this.#report, 'Renaming the session');
    if (!summary) return false;
    const swap = (list: SessionSummary[]): SessionSummary[] =>
      list.map((s) => (s.id === id ? { ...s, ...summary, snippet: s.snippet } : s));
    this.sessions = swap(this.sessions);
    if (this.results) this.results = swap(this.results);
    if (this.opened?.summary.id === id) this.opened = { ...this.opened, summary };
    return true;
  }

  async remove(id: string): Promise<boolean> {
    if (!succeeded(await this.#api.history.delete({ id }), this.#report, 'Deleting the session')) return false;
    this.sessions = this.sessions.filter((s) => s.id !== id);
    if (this.results) this.results = this.results.filter((s) => s.id !== id);
    if (this.opened?.summary.id === id) this.opened = null;
    return true;
  }

  async exportAs(id: string, format: ExportFormat): Promise<{ text: string; fileName: string } | null> {
    return valueOr(
      await this.#api.history.export({ id, format }),
      this.#report,
      `Exporting as ${format.toUpperCase()}`,
    );
  }
}
