import type { ProviderAdapter } from '../providers/types.ts';
import { Journal, type JournalSink, type StorageWarning } from '../transcript/journal.ts';
import type { SessionOptions } from './session-options.ts';

/**
 * The journal one run writes to: the caller's own (tests, custom storage), a new file
 * `<journalDir>/<sessionId>.jsonl`, or none. Storage trouble arrives as warnings, never as
 * an exception: the live transcript goes on without the disk.
 */
export function openSessionJournal(
  options: SessionOptions,
  run: { readonly sessionId: string; readonly startedAt: number; readonly provider: ProviderAdapter },
  hooks: { readonly onWarning: (warning: StorageWarning) => void; readonly onRecovered: () => void },
): JournalSink | null {
  if (options.journal) return options.journal;
  if (!options.journalDir) return null;
  return Journal.open(
    options.journalDir,
    {
      sessionId: run.sessionId,
      startedAt: run.startedAt,
      provider: run.provider.id,
      deviceKey: options.deviceKey ?? null,
      deviceName: options.deviceName ?? null,
      sampleRate: run.provider.sampleRate,
      ...(options.title ? { title: options.title } : {}),
    },
    hooks,
  );
}
