import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN_EARSHOT } from '../helpers/paths.ts';
import { waitForExit } from '../helpers/process-events.ts';
import { within } from '../helpers/wait.ts';

/**
 * Two real Earshots on one data folder: `earshot ui` takes it, and a second `earshot ui` (or an
 * `earshot transcribe` on a journal folder in use) stops at once, saying which process has it,
 * before it reads or seals anything there.
 */
interface Run {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
  readonly firstLine: Promise<string>;
}

let dir: string;
let rendererDir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-lock-cli-'));
  rendererDir = mkdtempSync(join(tmpdir(), 'earshot-lock-page-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Earshot</title>');
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await waitForExit(child.pid!, 'an earshot process', 20_000).catch(() => child.kill('SIGKILL'));
  }
  rmSync(dir, { recursive: true, force: true });
  rmSync(rendererDir, { recursive: true, force: true });
});

function earshot(args: string[]): Run {
  const child = spawn(process.execPath, [BIN_EARSHOT, ...args], {
    env: { ...process.env, EARSHOT_LOG: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolve) => lines.once('line', resolve));
  return { child, stderr: () => err, exit, firstLine };
}

function ui(): Run {
  return earshot(['ui', '--data-dir', dir, '--renderer-dir', rendererDir, '--json']);
}

describe('one Earshot per data folder, with real processes', () => {
  it('refuses a second `earshot ui` on the folder the first one serves, naming it', async () => {
    const first = ui();
    const listening = JSON.parse(
      await within(first.firstLine, { what: 'the first earshot ui to listen', timeoutMs: 60_000 }),
    ) as { event: string };
    expect(listening.event).toBe('listening');

    const second = ui();
    expect(await within(second.exit, { what: 'the second earshot ui to stop', timeoutMs: 30_000 })).toBe(1);
    expect(second.stderr()).toContain(`error[DATA_DIR_IN_USE]: Earshot (earshot ui, pid ${first.child.pid}, since `);
    expect(second.stderr()).toContain(
      `is already using this data folder (${dir}); stop it with Ctrl+C in its terminal, or start this one with --data-dir DIR.`,
    );

    // The first one is untouched and, once it stops, the folder is free again.
    first.child.kill('SIGINT');
    expect(await within(first.exit, { what: 'the first earshot ui to stop on Ctrl+C', timeoutMs: 30_000 })).toBe(0);
    const third = ui();
    expect(
      (
        JSON.parse(await within(third.firstLine, { what: 'a new earshot ui to listen', timeoutMs: 60_000 })) as {
          event: string;
        }
      ).event,
    ).toBe('listening');
  });

  it('refuses `earshot transcribe` on a journal folder another Earshot holds, before sealing anything there', async () => {
    const holder = earshot(['ui', '--data-dir', dir, '--renderer-dir', rendererDir, '--json']);
    await within(holder.firstLine, { what: 'earshot ui to listen', timeoutMs: 60_000 });
    // `earshot ui` holds `dir`; point transcribe's journal folder at the same place.
    const second = earshot(['transcribe', '--input', join(dir, 'speech.wav'), '--journal-dir', dir]);
    expect(await within(second.exit, { what: 'transcribe to stop', timeoutMs: 30_000 })).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(
        `^error\\[DATA_DIR_IN_USE\\]: Earshot \\(earshot ui, pid ${holder.child.pid}, since .*\\) is already using this journal folder`,
      ),
    );
    expect(second.stderr()).toContain('--journal-dir DIR.');
  });
});
