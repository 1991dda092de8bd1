import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from './summary.ts';
import { PLOT_KEY, type BenchFigures, type BenchSuite, type PlotRequest } from './suite.ts';
import { latencyCdfSvg } from './svg-plot.ts';

/**
 * `npm run bench [suite …]`: runs every suite in bench/suites (or the named ones) one after
 * another, on an otherwise idle machine, and writes bench/results.json.
 */
const here = import.meta.dirname;
const wanted = process.argv.slice(2);
const quick = process.env['EARSHOT_BENCH_QUICK'] === '1';

const files = (await readdir(join(here, 'suites'))).filter((f) => f.endsWith('.ts')).sort();
const results: Record<string, BenchFigures | { error: string }> = {};
const started = Date.now();

for (const file of files) {
  const name = file.replace(/\.ts$/, '');
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const suite = ((await import(join(here, 'suites', file))) as { default: BenchSuite }).default;
  const tmpDir = await mkdtemp(join(tmpdir(), `earshot-bench-${name}-`));
  const t0 = performance.now();
  process.stderr.write(`bench: ${suite.name} — ${suite.description}\n`);
  try {
    const { [PLOT_KEY]: plot, ...figures } = await suite.run({
      tmpDir,
      quick,
      log: (m) => process.stderr.write(`  ${suite.name}: ${m}\n`),
    });
    if (plot) {
      const request = plot as PlotRequest;
      const file = `${suite.name}-latency.svg`;
      await writeFile(join(here, file), latencyCdfSvg(request.title, request.series));
      figures['plot'] = `bench/${file}`;
    }
    results[suite.name] = { ...figures, durationS: Math.round((performance.now() - t0) / 100) / 10 };
  } catch (error) {
    results[suite.name] = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    process.exitCode = 1;
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

const output = {
  generatedAt: new Date().toISOString(),
  environment: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    quick,
  },
  totalDurationS: Math.round((Date.now() - started) / 100) / 10,
  suites: results,
};
await writeFile(join(here, 'results.json'), `${JSON.stringify(output, null, 2)}\n`);
await writeFile(join(here, 'summary.md'), summarize(output));
process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
