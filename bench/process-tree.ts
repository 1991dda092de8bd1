import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of a process and everything it started, from /proc (Linux), split by role.
 *
 * Each live process counts its own user + system time under its role; the time of children it
 * has already reaped (cutime + cstime: device probes that came and went) counts as helpers.
 */
export type Role = 'main' | 'capture' | 'engine' | 'helpers';

export type TreeCpu = Record<Role, number>;

const CLOCK_TICKS_PER_S = 100; // USER_HZ on every Linux this runs on

interface Stat {
  readonly pid: number;
  readonly ppid: number;
  /** Own CPU, ms. */
  readonly ownMs: number;
  /** CPU of the children it has reaped (finished device probes), ms. */
  readonly reapedMs: number;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone between listing and reading: its time is in its parent's cutime
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14), in ticks.
  const ms = (field: number): number => (Number(fields[field]) * 1000) / CLOCK_TICKS_PER_S;
  return { pid, ppid: Number(fields[1]), ownMs: ms(11) + ms(12), reapedMs: ms(13) + ms(14) };
}

export function roleOf(pid: number, root: number): Role {
  if (pid === root) return 'main';
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return 'helpers'; // gone already
  }
  // Device probes and presence watchers run the capture entry too, with a mode flag.
  if (cmdline.includes('\0--probe') || cmdline.includes('\0--watch')) return 'helpers';
  if (cmdline.includes('capture/main.ts')) return 'capture';
  if (cmdline.includes('engine/main.ts')) return 'engine';
  return 'helpers';
}

/** The CPU used so far by `root` and its live descendants, per role, in ms. */
export function treeCpuMs(root: number): TreeCpu {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(stat.pid, stat);
  }
  const out: TreeCpu = { main: 0, capture: 0, engine: 0, helpers: 0 };
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = stats.get(p)?.ppid) if (p === root) return true;
    return false;
  };
  for (const stat of stats.values()) {
    if (!inTree(stat.pid)) continue;
    out[roleOf(stat.pid, root)] += stat.ownMs;
    out.helpers += stat.reapedMs;
  }
  return out;
}

export function minus(a: TreeCpu, b: TreeCpu): TreeCpu {
  return {
    main: a.main - b.main,
    capture: a.capture - b.capture,
    engine: a.engine - b.engine,
    helpers: a.helpers - b.helpers,
  };
}

export function total(cpu: TreeCpu): number {
  return cpu.main + cpu.capture + cpu.engine + cpu.helpers;
}
