import type { HelperMode } from './capture-protocol.ts';

/**
 * How a helper process is told what to be: the capture entry run with `--probe [key]` or
 * `--watch <key>`. Shared by CaptureHost (which starts helpers) and the entry (which reads the
 * flags); free of zod and the signal path so a helper starts in tens of milliseconds.
 */
const FLAGS: Readonly<Record<HelperMode, string>> = { probe: '--probe', watch: '--watch' };

export function helperArgs(mode: HelperMode, key: string | null): string[] {
  return key === null ? [FLAGS[mode]] : [FLAGS[mode], key];
}

/** The helper role `argv` asks for, or null for the capture process proper. */
export function parseHelperArgs(argv: readonly string[]): { mode: HelperMode; key: string | null } | null {
  for (const mode of ['probe', 'watch'] as const) {
    const at = argv.indexOf(FLAGS[mode]);
    if (at >= 0) return { mode, key: argv[at + 1] ?? null };
  }
  return null;
}
