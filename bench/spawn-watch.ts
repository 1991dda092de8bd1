import { readFileSync } from 'node:fs';
import { treePids } from './rss-sampler.ts';
import { round } from './suite.ts';

/**
 * Processes started inside a tree during a window: /proc is listed every 100 ms and every pid
 * not there at the start is one spawn. A device probe (a Node process) lives for hundreds of
 * milliseconds, so none escapes (a command shorter than one look can; its CPU still counts,
 * as its parent's reaped time); what each one ran is kept to say which helper it was.
 */
export interface Spawned {
  /** Seconds into the window. */
  readonly atS: number;
  readonly pid: number;
  /** Its command line, arguments after the entry script (e.g. `--probe`). */
  readonly command: string;
}

export class SpawnWatch {
  readonly #root: number;
  readonly #known: Set<number>;
  readonly #t0 = performance.now();
  readonly #spawned: Spawned[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(root: number, intervalMs = 100) {
    this.#root = root;
    this.#known = new Set(treePids(root));
    this.#timer = setInterval(() => this.#look(), intervalMs);
  }

  stop(): Spawned[] {
    clearInterval(this.#timer);
    this.#look();
    return this.#spawned;
  }

  #look(): void {
    for (const pid of treePids(this.#root)) {
      if (this.#known.has(pid)) continue;
      this.#known.add(pid);
      this.#spawned.push({ atS: round((performance.now() - this.#t0) / 1000, 1), pid, command: commandOf(pid) });
    }
  }
}

function commandOf(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const entry = args.findIndex((a) => a.endsWith('.ts') || a.endsWith('.js'));
    return (entry >= 0 ? args.slice(entry) : args).join(' ').replace(/^.*\/src\//, 'src/');
  } catch {
    return '(exited before it could be read)';
  }
}
