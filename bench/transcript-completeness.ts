import { readFileSync } from 'node:fs';
import { dataPaths } from '../src/core/app/app-core.ts';
import { openHistory } from '../src/core/transcript/history-open.ts';
import { listJournalFiles } from '../src/core/transcript/journal-reader.ts';
import { parseJournalLine } from '../src/shared/journal-record.ts';

/**
 * Whether a run's journal and History hold every final it printed, each exactly once.
 *
 * The journal is read line by line (not through the tolerant reader, which drops repeats) so
 * a final written twice is seen. History is brought up to date the way the app does at start
 * (`openHistory` on the data folder: seal, index every new journal) and then read back.
 */
export interface Completeness {
  readonly printedFinals: number;
  readonly journal: { readonly finals: number; readonly missing: number; readonly duplicated: number };
  readonly history: { readonly finals: number; readonly missing: number; readonly duplicated: number };
  readonly complete: boolean;
}

/** `printed`: segment id → text of every final the run printed. */
export async function checkCompleteness(dataDir: string, printed: ReadonlyMap<string, string>): Promise<Completeness> {
  const { journals, history } = dataPaths(dataDir);
  const files = listJournalFiles(journals);
  if (files.length !== 1) throw new Error(`expected one journal in ${journals}, found ${files.length}`);
  const journalIds: string[] = [];
  for (const line of readFileSync(files[0]!, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const record = parseJournalLine(line);
    if (record?.type === 'final') journalIds.push(record.segment.segmentId);
  }
  const opened = await openHistory(history, journals);
  let historyIds: string[];
  try {
    const sessions = opened.store.list();
    if (sessions.length !== 1) throw new Error(`expected one session in History, found ${sessions.length}`);
    const detail = opened.store.open(sessions[0]!.id);
    // Same text as printed, too: History must hold what the person saw.
    const wrongText = detail.segments.filter((s) => printed.has(s.segmentId) && printed.get(s.segmentId) !== s.text);
    if (wrongText.length > 0) throw new Error(`History holds ${wrongText.length} finals with other text than printed`);
    historyIds = detail.segments.map((s) => s.segmentId);
  } finally {
    opened.store.close();
  }
  const journal = compare(printed, journalIds);
  const indexed = compare(printed, historyIds);
  return {
    printedFinals: printed.size,
    journal,
    history: indexed,
    complete: [journal, indexed].every((c) => c.missing === 0 && c.duplicated === 0 && c.finals === printed.size),
  };
}

function compare(
  printed: ReadonlyMap<string, string>,
  ids: readonly string[],
): { finals: number; missing: number; duplicated: number } {
  const present = new Set(ids);
  return {
    finals: ids.length,
    missing: [...printed.keys()].filter((id) => !present.has(id)).length,
    duplicated: ids.length - present.size,
  };
}
