import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of a process and everything it started, from /proc (Linux), split by role.
 *
 * Each live process counts its own user + system time under its role; the time of children it
 * has already reaped (cutime + cstime: device probes that came and went) counts as helpers.
 * The capture process's `parec` recorders count as capture.
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
  // The capture process records PulseAudio sources through its own parec children.
  if (cmdline.includes('capture/main.ts') || cmdline.startsWith('parec\0')) return 'capture';
  if (cmdline.includes('engine/main.ts')) return 'engine';
  return 'helpers';
}

/** The CPU used so far by `root` and its live descendants, per role, in ms. */
export function treeCpuMs(root: number): TreeCpu {
  const out: TreeCpu = { main: 0, capture: 0, engine: 0, helpers: 0 };
  for (const stat of treeStats(root)) {
    out[roleOf(stat.pid, root)] += stat.ownMs;
    out.helpers += stat.reapedMs;
  }
  return out;
}

/** The stats of `root` and every live process below it. */
function treeStats(root: number): Stat[] {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(stat.pid, stat);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = stats.get(p)?.ppid) if (p === root) return true;
    return false;
  };
  return [...stats.values()].filter((stat) => inTree(stat.pid));
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

/**
 * How often the threads of `root` and its live descendants have gone to sleep and been woken
 * so far, per role: the sum of every thread's voluntary context switches (/proc/PID/task/TID/
 * status). Each wake-up of a sleeping thread costs CPU beyond the work it does, most on a
 * virtual machine, so this explains figures that per-message work alone does not.
 */
export function treeWakeups(root: number): TreeCpu {
  const out: TreeCpu = { main: 0, capture: 0, engine: 0, helpers: 0 };
  for (const { pid } of treeStats(root)) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone since listed
    }
    const role = roleOf(pid, root);
    for (const tid of tasks) {
      try {
        const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
        out[role] += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      } catch {
        // the thread ended between listing and reading
      }
    }
  }
  return out;
}
