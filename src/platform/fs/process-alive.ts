import { readFileSync } from 'node:fs';
import { isErrno } from './atomic-file.ts';

/** Linux's USER_HZ, the unit of /proc/<pid>/stat's start time; 100 on every mainstream kernel. */
const CLOCK_TICKS_PER_SECOND = 100;
/** btime has whole seconds and ticks are 10 ms: allow for both before calling a pid reused. */
const SLACK_MS = 2_000;

/**
 * True when process `pid` started after `sinceMs` (a time it wrote into a lock file), so it
 * cannot be the process that wrote it: the number was reused after a crash or a reboot.
 * Answers false wherever the start time cannot be read (macOS, Windows, no /proc), which
 * leaves the lock held: wrongly refusing is safer than two Earshots on one folder.
 */
export function processStartedAfter(pid: number, sinceMs: number): boolean {
  const started = processStartTimeMs(pid);
  return started !== null && started > sinceMs + SLACK_MS;
}

function processStartTimeMs(pid: number): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22, starttime, in ticks since boot
    const bootLine = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!bootLine || !Number.isFinite(startTicks)) return null;
    return Number(bootLine[1]) * 1000 + (startTicks / CLOCK_TICKS_PER_SECOND) * 1000;
  } catch (error) {
    if (isErrno(error, 'ENOENT') || isErrno(error, 'EACCES')) return null;
    throw error;
  }
}
