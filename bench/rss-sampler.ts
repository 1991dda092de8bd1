import { readdirSync, readFileSync } from 'node:fs';
import { roleOf, type Role } from './process-tree.ts';
import { round } from './suite.ts';

/**
 * Resident memory (RSS) of every process in a tree, sampled every few seconds from /proc
 * (Linux), for "does it grow over hours" benchmarks.
 *
 * Each process is one series, keyed by role and pid so a restarted child shows as a new series
 * rather than as a jump. The summary covers every process that lived through the comparison
 * (main, capture, engine, and a presence watcher, which lives as long as its stream); helpers
 * that come and go (device probes) are only counted. `markWarm()` sets the point after which
 * memory should be flat; the summary compares the samples around it with the last ones.
 */
export interface RssSample {
  /** Seconds since the sampler started. */
  readonly t: number;
  readonly mb: number;
}

export interface ProcessRss {
  /** main, capture, engine, or the helper's mode (`helper --watch`). */
  readonly role: string;
  readonly pid: number;
  /** Mean of the first samples after warm-up, MB. */
  readonly afterWarmupMb: number;
  /** Mean of the last samples, MB. */
  readonly endMb: number;
  readonly growthMb: number;
  readonly peakMb: number;
  readonly samples: number;
}

/** How many samples each end of the comparison averages: one GC cycle should not decide it. */
const AVERAGED = 3;

export class RssSampler {
  readonly #root: number;
  readonly #t0 = performance.now();
  readonly #series = new Map<string, { role: string; pid: number; samples: RssSample[] }>();
  #warmAt: number | null = null;
  #timer: NodeJS.Timeout;

  constructor(root: number, intervalMs: number) {
    this.#root = root;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** From now on memory should stay flat. */
  markWarm(): void {
    this.#warmAt ??= this.#now();
  }

  get warm(): boolean {
    return this.#warmAt !== null;
  }

  sample(): void {
    const t = this.#now();
    for (const pid of treePids(this.#root)) {
      const role = label(roleOf(pid, this.#root), pid);
      const mb = rssMb(pid);
      if (mb === null) continue;
      const key = `${role}:${pid}`;
      let series = this.#series.get(key);
      if (!series) this.#series.set(key, (series = { role, pid, samples: [] }));
      series.samples.push({ t, mb });
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Per process: RSS after warm-up and at the end, growth and peak (MB); plus helpers seen. */
  summary(): { processes: ProcessRss[]; shortLivedHelpers: number; warmupAtS: number | null } {
    const warmAt = this.#warmAt ?? 0;
    const processes: ProcessRss[] = [];
    let shortLived = 0;
    for (const { role, pid, samples } of this.#series.values()) {
      const after = samples.filter((s) => s.t >= warmAt);
      if (after.length < 2 * AVERAGED) {
        if (role.startsWith('helper')) shortLived += 1;
        continue;
      }
      const first = mean(after.slice(0, AVERAGED));
      const last = mean(after.slice(-AVERAGED));
      processes.push({
        role,
        pid,
        afterWarmupMb: round(first, 1),
        endMb: round(last, 1),
        growthMb: round(last - first, 1),
        peakMb: round(Math.max(...samples.map((s) => s.mb)), 1),
        samples: after.length,
      });
    }
    return {
      processes,
      shortLivedHelpers: shortLived,
      warmupAtS: this.#warmAt === null ? null : round(this.#warmAt, 1),
    };
  }

  /** Every sample of every process, for a closer look (`{ "main:123": [{t, mb}, …] }`). */
  series(): Record<string, readonly RssSample[]> {
    return Object.fromEntries([...this.#series].map(([key, s]) => [key, s.samples]));
  }

  #now(): number {
    return (performance.now() - this.#t0) / 1000;
  }
}

/** A helper is named by its mode flag (`--watch`, `--probe`), the rest by role. */
function label(role: Role, pid: number): string {
  if (role !== 'helpers') return role;
  try {
    const mode = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .find((a) => a.startsWith('--'));
    return mode ? `helper ${mode}` : 'helper';
  } catch {
    return 'helper'; // exited between listing and reading
  }
}

function mean(samples: readonly RssSample[]): number {
  return samples.reduce((sum, s) => sum + s.mb, 0) / samples.length;
}

function rssMb(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null; // exited between listing and reading
  }
}

/** `root` and its live descendants. */
export function treePids(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      continue; // exited between listing and reading
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(inTree);
}
