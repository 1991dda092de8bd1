/**
 * The built app, end to end. Part one checks the build output every time (it needs no
 * Electron binary). Part two launches the real app with Playwright's `_electron` and checks
 * the window and the tray; where the Electron binary is not installed
 * (ELECTRON_SKIP_BINARY_DOWNLOAD, as on the closed CI machines) or there is no display, it is
 * skipped with that reason in its name. The GitHub workflow runs it for real on macOS,
 * Windows and Linux (under xvfb).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CaptureHost } from '../../src/core/capture-host/capture-host.ts';
import { startLocalEngine } from '../../src/core/engine-host/launcher.ts';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import { trayModel } from '../../src/main/shell/tray-model.ts';
import { eventChannels, invokeChannels } from '../../src/shared/ipc/contract.ts';
import type { SessionSnapshot } from '../../src/shared/session.ts';
import { REPO_ROOT, STREAMING_TEST_MODEL } from '../helpers/paths.ts';

const run = promisify(execFile);
const OUT = join(REPO_ROOT, 'out');

type Availability =
  { readonly ok: true; readonly executable: string } | { readonly ok: false; readonly reason: string };

/**
 * Finds the Electron executable the way electron/index.js does, without requiring that
 * module: requiring it starts a download when the binary is missing.
 */
function findElectron(): Availability {
  const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile))
    return { ok: false, reason: 'Electron binary not installed, ELECTRON_SKIP_BINARY_DOWNLOAD' };
  const relative = readFileSync(pathFile, 'utf8').trim();
  const override = process.env['ELECTRON_OVERRIDE_DIST_PATH'];
  const executable = override ? join(override, relative) : join(packageDir, 'dist', relative);
  if (!existsSync(executable)) return { ok: false, reason: `Electron binary missing at ${executable}` };
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    return { ok: false, reason: 'no display; run under xvfb-run' };
  }
  return { ok: true, executable };
}

/** The environment minus unset values and minus a dev-server URL, so the built renderer is loaded. */
function stringEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && key !== 'ELECTRON_RENDERER_URL') env[key] = value;
  return env;
}

const availability = findElectron();
const skipNote = availability.ok ? '' : ` (skipped: ${availability.reason})`;
const LAUNCH_TEST = `opens a secure window and a tray that follows the session${skipNote}`;
// The default reporter only counts skipped tests; say which one and why in the log as well.
if (!availability.ok) console.warn(`skipped: "${LAUNCH_TEST}"`);

beforeAll(async () => {
  // The test runs what a person would run: the electron-vite build in out/.
  const bin = join(
    REPO_ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-vite.cmd' : 'electron-vite',
  );
  await run(bin, ['build'], { cwd: REPO_ROOT, timeout: 180_000, shell: process.platform === 'win32' });
}, 200_000);

describe('the built app', () => {
  it('has a main bundle, the child-process entries, a renderer with a CSP, and a preload', () => {
    for (const file of [
      'main/index.js',
      'main/capture.js',
      'main/engine.js',
      'main/decode-worker.js',
      'preload/index.cjs',
      'renderer/index.html',
    ]) {
      expect(existsSync(join(OUT, file)), file).toBe(true);
    }
    const html = readFileSync(join(OUT, 'renderer', 'index.html'), 'utf8');
    expect(html).toMatch(/http-equiv="Content-Security-Policy"[\s\S]*default-src 'none'/);
  });

  it('runs the bundled engine entry with its bundled decode worker: a real session over the socket', async () => {
    const engine = await startLocalEngine({
      spawn: spawnNodeChild,
      modulePath: join(OUT, 'main', 'engine.js'),
      workerPath: join(OUT, 'main', 'decode-worker.js'),
      modelDir: STREAMING_TEST_MODEL,
    });
    try {
      const socket = new WebSocket(`${engine.url}?intent=transcription`, {
        headers: { Authorization: `Bearer ${engine.token}` },
      });
      const first = await new Promise<{ type: string }>((resolve, reject) => {
        socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as { type: string }));
        socket.once('error', reject);
      });
      socket.close();
      expect(first.type).toBe('session.created');
    } finally {
      await engine.stop();
    }
  });

  it('runs the bundled capture entry: it starts, enumerates and answers', async () => {
    const host = new CaptureHost({ spawn: spawnNodeChild, modulePath: join(OUT, 'main', 'capture.js') });
    try {
      const devices = await host.listDevices().catch((error: unknown) => error as Error);
      // No sound card here: an empty list or NO_INPUT_DEVICES both prove the bundle loaded PortAudio.
      if (devices instanceof Error) expect(devices).toMatchObject({ code: 'NO_INPUT_DEVICES' });
      else expect(Array.isArray(devices)).toBe(true);
    } finally {
      await host.dispose();
    }
  });

  it.each(['index.cjs', 'system-audio.cjs'])(
    'has a preload (%s) that a sandboxed renderer can load: CommonJS requiring nothing but electron',
    (name) => {
      const preload = readFileSync(join(OUT, 'preload', name), 'utf8');
      const required = [...preload.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
      expect(new Set(required)).toEqual(new Set(['electron']));
      expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    },
  );
});

describe('the app in Electron', () => {
  let app: ElectronApplication | null = null;
  let page: Page;
  let userData: string;

  afterAll(async () => {
    if (app) await app.close().catch((error: unknown) => console.warn('closing Electron failed', error));
    if (userData) await rm(userData, { recursive: true, force: true });
  });

  it.skipIf(!availability.ok)(LAUNCH_TEST, async () => {
    if (!availability.ok) return;
    userData = await mkdtemp(join(tmpdir(), 'earshot-e2e-electron-'));
    app = await electron.launch({
      executablePath: availability.executable,
      args: [REPO_ROOT],
      cwd: REPO_ROOT,
      env: { ...stringEnv(), EARSHOT_E2E: '1', EARSHOT_USER_DATA_DIR: userData },
      timeout: 60_000,
    });
    page = await app.firstWindow({ timeout: 60_000 });
    await page.waitForLoadState('domcontentloaded');
    expect(await page.title()).toBe('Earshot');

    // The page: no Node, the contract's API and nothing more, a Result from main, no popups.
    // (In-page code is passed as strings: this file is type-checked without the DOM library.)
    const seen = await page.evaluate<{ node: string; keys: string[]; frozen: boolean; popup: boolean }>(`({
      node: [typeof window.require, typeof window.process, typeof window.module].join(','),
      keys: Object.keys(window.earshot).sort(),
      frozen: Object.isFrozen(window.earshot),
      popup: window.open('https://example.com/') === null,
    })`);
    expect(seen).toMatchObject({ node: 'undefined,undefined,undefined', frozen: true, popup: true });
    const domains = [...new Set(invokeChannels.map((c) => c.split('.')[0]!))];
    const subscriptions = eventChannels.map((e) => `on${e.charAt(0).toUpperCase()}${e.slice(1)}`);
    expect(seen.keys).toEqual([...domains, ...subscriptions].sort());
    expect(await page.evaluate('window.earshot.app.info()')).toMatchObject({ ok: true, value: { transport: 'ipc' } });

    // Where the OS reports it (macOS, Windows), the renderer process is sandboxed.
    const renderers = await app.evaluate(({ app: electronApp }) =>
      electronApp
        .getAppMetrics()
        .filter((m) => m.type === 'Tab')
        .map((m) => m.sandboxed),
    );
    for (const sandboxed of renderers) if (sandboxed !== undefined) expect(sandboxed).toBe(true);

    // The tray shows what the session says.
    const snapshot = await page.evaluate<{ ok: boolean; value: unknown }>('window.earshot.session.get()');
    expect(snapshot.ok).toBe(true);
    const shell = (await app.evaluate(() =>
      (globalThis as unknown as { __earshotE2E: { describe(): unknown } }).__earshotE2E.describe(),
    )) as { tray: { icon: string; menu: { id: string; label: string }[] }; shortcut: { state: string } };
    const expected = trayModel(snapshot.value as SessionSnapshot);
    expect(shell.tray.icon).toBe(expected.icon);
    // ('notice' appears only when the global shortcut could not be registered on this desktop.)
    expect(shell.tray.menu.map((i) => i.id).filter((id) => id !== 'notice')).toEqual([
      'status',
      'toggle',
      'show',
      'quit',
    ]);
    expect(shell.tray.menu.find((i) => i.id === 'toggle')?.label).toBe(expected.toggle.label);
    expect(shell.shortcut.state).not.toBe('disabled');

    // Closing the window hides it to the tray; the app keeps running.
    const afterClose = await app.evaluate(({ BrowserWindow }) => {
      const win = BrowserWindow.getAllWindows()[0]!;
      win.close();
      return { exists: !win.isDestroyed(), visible: win.isVisible() };
    });
    expect(afterClose).toEqual({ exists: true, visible: false });

    // Quitting really quits.
    const closed = new Promise<void>((resolve) => app!.once('close', () => resolve()));
    await app
      .evaluate(({ app: electronApp }) => electronApp.quit())
      .catch((error: unknown) => {
        // The app may be gone before the evaluation returns: that is the point.
        if (!/closed|exited/i.test(String(error))) throw error;
      });
    await closed;
    app = null;
  });
});
