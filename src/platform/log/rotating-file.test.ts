import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger, setLogSink } from './logger.ts';
import { createRotatingFileSink, RotatingFile } from './rotating-file.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'earshot-log-'));
});

afterEach(async () => {
  setLogSink(() => {});
  await rm(dir, { recursive: true, force: true });
});

async function readLines(name: string): Promise<string[]> {
  return (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean);
}

describe('RotatingFile', () => {
  it('rotates by size, keeps N files, and never splits or reorders lines', async () => {
    const file = new RotatingFile({ dir, fileName: 'app.log', maxBytes: 100, maxFiles: 3 });
    const lines = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'x'.repeat(10)}`);
    for (const line of lines) file.write(line);
    file.close();

    expect((await readdir(dir)).sort()).toEqual(['app.log', 'app.log.1', 'app.log.2']);
    const kept = [
      ...(await readLines('app.log.2')),
      ...(await readLines('app.log.1')),
      ...(await readLines('app.log')),
    ];
    // The newest lines survive, contiguous and in order, each one whole.
    expect(kept).toEqual(lines.slice(lines.length - kept.length));
    for (const name of ['app.log', 'app.log.1', 'app.log.2']) {
      const size = Buffer.byteLength(await readFile(join(dir, name), 'utf8'));
      expect(size).toBeLessThanOrEqual(100);
    }
  });

  it('appends to an existing log after a restart and counts its size', async () => {
    const first = new RotatingFile({ dir, maxBytes: 1000 });
    first.write('before restart');
    first.close();
    const second = new RotatingFile({ dir, maxBytes: 1000 });
    second.write('after restart');
    second.close();
    expect(await readLines('earshot.log')).toEqual(['before restart', 'after restart']);
  });

  it('reports a write failure once and does not throw', async () => {
    const onError = vi.fn();
    const file = new RotatingFile({ dir: join(dir, 'logs'), onError });
    await rm(join(dir, 'logs'), { recursive: true });
    // The folder is gone: every write fails.
    file.write('a');
    file.write('b');
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('receives scoped logger records through the sink', async () => {
    const file = new RotatingFile({ dir });
    setLogSink(createRotatingFileSink(file), 'info');
    createLogger('tray').info('icon set', { state: 'listening' });
    createLogger('tray').debug('not written at info level');
    file.close();
    const lines = await readLines('earshot.log');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ INFO {2}\[tray\] icon set \{"state":"listening"\}$/);
  });
});
