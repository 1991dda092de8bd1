/**
 * One benchmark suite: `bench/suites/<name>.ts` default-exports a `BenchSuite`.
 * `npm run bench` runs every suite in turn and writes `bench/results.json`.
 */
export interface BenchContext {
  /** Directory for scratch files; removed after the run. */
  readonly tmpDir: string;
  /** Quick mode (EARSHOT_BENCH_QUICK=1): smaller inputs, for checking that a suite works. */
  readonly quick: boolean;
  log(message: string): void;
}

export type BenchFigures = Record<string, unknown>;

export interface BenchSuite {
  readonly name: string;
  /** What the suite measures, for the summary. */
  readonly description: string;
  run(context: BenchContext): Promise<BenchFigures>;
}

/** p50/p95/p99 etc. of a sample, in the sample's unit. */
export function percentiles(values: readonly number[], ps: readonly number[] = [50, 95, 99]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Record<string, number> = { count: sorted.length };
  if (sorted.length === 0) return out;
  for (const p of ps) {
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    out[`p${p}`] = round(sorted[rank]!);
  }
  out['max'] = round(sorted[sorted.length - 1]!);
  out['mean'] = round(sorted.reduce((a, b) => a + b, 0) / sorted.length);
  return out;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * A suite may return raw latency samples under this key; the runner draws them as
 * `bench/<suite>-latency.svg` and keeps only the percentiles in results.json.
 */
export const PLOT_KEY = '_plot';
export interface PlotRequest {
  readonly title: string;
  readonly series: readonly { name: string; values: readonly number[]; target?: { p50?: number; p95?: number } }[];
}
