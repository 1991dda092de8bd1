import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BIN_EARSHOT } from './paths.ts';
import { isAlive } from './process-events.ts';
import { waitUntil, within } from './wait.ts';

/**
 * `bin/earshot` as a real child process for end-to-end tests: stdout read as JSON lines
 * (`--format jsonl`), each stamped with the wall-clock time it arrived, bounded waits on
 * those events, the process tree read from /proc, and a cleanup that leaves nothing running.
 *
 * ```ts
 * const cli = startCli(['transcribe', '--device', mic.deviceKey('b'), '--format', 'jsonl', …], mic.env);
 * await cli.waitFor('the session to stream', (e) => e.type === 'state' && e.state === 'streaming');
 * cli.signal('SIGINT');
 * expect((await cli.exited(30_000)).code).toBe(0);
 * await cli.cleanup();   // always, in afterEach: kills whatever is left of the tree
 * ```
 */
export interface CliEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface TimedEvent {
  /** `performance.timeOrigin + performance.now()` when the line arrived: the capture clock's scale. */
  readonly at: number;
  readonly event: CliEvent;
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly cmdline: string;
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON line so far, in order of arrival. */
  readonly timed: readonly TimedEvent[];
  readonly events: readonly CliEvent[];
  /** Lines of stdout that were not JSON (none are expected with --format jsonl). */
  readonly otherLines: readonly string[];
  stderr(): string;
  /** Resolves with the first event (already seen or still to come) passing `match`. */
  waitFor(what: string, match: (event: CliEvent) => boolean, timeoutMs?: number): Promise<TimedEvent>;
  /** Resolves once `done(events)` is true (checked on every new line). */
  waitUntil(what: string, done: (events: readonly CliEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit status; rejects after `timeoutMs` saying so. */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
  /** The CLI's descendants right now (capture and engine processes, their helpers). */
  descendants(): ProcessInfo[];
  /** Kills the CLI and every descendant ever seen, then waits (bounded) until all are gone. */
  cleanup(): Promise<void>;
}

const DEFAULT_WAIT_MS = 30_000;

/**
 * `wrapper` runs the CLI through a command that ends by exec'ing it (e.g. `unshare --mount sh -c
 * '… && exec "$@"' x`), so the spawned pid is still the CLI's once it runs.
 */
export function startCli(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  options: { wrapper?: readonly string[] } = {},
): CliProcess {
  const command = [...(options.wrapper ?? []), process.execPath, BIN_EARSHOT, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`bin/earshot ${args.join(' ')} did not start`);
  const pid = child.pid;
  const timed: TimedEvent[] = [];
  const otherLines: string[] = [];
  const listeners = new Set<() => void>();
  const seen = new Map<number, ProcessInfo>();
  let stderr = '';
  let exitStatus: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal };
      resolve(exitStatus);
      for (const l of [...listeners]) l();
    }),
  );

  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = performance.timeOrigin + performance.now();
    try {
      const value = JSON.parse(line) as CliEvent;
      if (typeof value === 'object' && value !== null && typeof value.type === 'string')
        timed.push({ at, event: value });
      else otherLines.push(line);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      otherLines.push(line);
    }
    for (const l of [...listeners]) l();
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });

  /** Re-checks `check` on every stdout line and on exit, until it settles or the time is up. */
  const watch = async <T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> => {
    const settled = (): T | undefined => {
      const value = check();
      if (value === undefined && exitStatus)
        throw new Error(`bin/earshot exited (${JSON.stringify(exitStatus)}) before ${what}`);
      return value;
    };
    try {
      return await waitUntil(settled, { what, timeoutMs, changes: onChange });
    } catch (error) {
      throw withStderr(error);
    }
  };
  const onChange = (notify: () => void): (() => void) => {
    listeners.add(notify);
    return () => listeners.delete(notify);
  };
  const withStderr = (error: unknown): Error =>
    new Error(`${(error as Error).message}; stderr:\n${stderr.slice(-2000)}`, { cause: error });

  const descendants = (): ProcessInfo[] => {
    const tree = descendantsOf(pid);
    for (const p of tree) seen.set(p.pid, p);
    return tree;
  };

  return {
    child,
    pid,
    timed,
    get events() {
      return timed.map((t) => t.event);
    },
    otherLines,
    stderr: () => stderr,
    waitFor: (what, match, timeoutMs = DEFAULT_WAIT_MS) =>
      watch(what, timeoutMs, () => timed.find((t) => match(t.event))),
    waitUntil: (what, done, timeoutMs = DEFAULT_WAIT_MS) =>
      watch(what, timeoutMs, () => (done(timed.map((t) => t.event)) ? true : undefined)).then(() => undefined),
    exited: (timeoutMs) =>
      within(exit, { what: 'bin/earshot to exit', timeoutMs }).catch((error: unknown) => {
        throw withStderr(error);
      }),
    signal: (signal) => {
      descendants(); // remember the tree before it changes
      child.kill(signal);
    },
    descendants,
    cleanup: async () => {
      if (exitStatus === null) descendants();
      const pids = [pid, ...seen.keys()].filter(isAlive);
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      await waitGone(pids, 5_000);
    },
  };
}

/** Every process below `root`, read from /proc (Linux). */
export function descendantsOf(root: number): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) all.push(info);
  }
  const out: ProcessInfo[] = [];
  const frontier = [root];
  for (let guard = 0; frontier.length > 0 && guard < 10_000; guard++) {
    const parent = frontier.shift()!;
    for (const p of all) {
      if (p.ppid !== parent) continue;
      out.push(p);
      frontier.push(p.pid);
    }
  }
  return out;
}

function readProcess(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, ppid: Number(fields[1]), cmdline };
  } catch (error) {
    // The process ended between listing /proc and reading it.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH')
      return null;
    throw error;
  }
}

/** The engine process among the CLI's descendants (the Node child running src/engine/main.ts). */
export function findChild(tree: readonly ProcessInfo[], entry: 'engine' | 'capture'): ProcessInfo | undefined {
  const marker = entry === 'engine' ? '/src/engine/main.ts' : '/src/capture/main.ts';
  return tree.find((p) => p.cmdline.includes(marker));
}

/** Waits (bounded) until none of `pids` runs any more; throws naming the survivors. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  // A killed child stays a zombie until its parent reaps it; a zombie is gone for our purposes.
  const alive = (): number[] => pids.filter((p) => isAlive(p) && !isZombie(p));
  await waitUntil(() => alive().length === 0, { what: 'the processes to be gone', timeoutMs }).catch(
    (error: unknown) => {
      const survivors = alive();
      if (survivors.length === 0) throw error;
      throw new Error(`processes ${survivors.join(', ')} still run ${timeoutMs} ms after SIGKILL`, { cause: error });
    },
  );
}

export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}
