import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chromiumUnavailableReason,
  ensureRendererBuilt,
  launchChromium,
  type HeadlessBrowser,
} from '../helpers/browser.ts';
import { BIN_EARSHOT, requireSharedModels, STREAMING_TEST_MODEL, VAD_MODEL } from '../helpers/paths.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { within as boundWait } from '../helpers/wait.ts';

/** `earshot ui`: the headless front end a person starts by hand, driven as they would. */
const unavailable = virtualMicUnavailableReason() ?? chromiumUnavailableReason();

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return boundWait(promise, { what, timeoutMs: ms });
}

describe.skipIf(unavailable !== null)(
  `earshot ui in headless Chromium${unavailable ? ` — skipped: ${unavailable}` : ''}`,
  () => {
    let mic: VirtualMic;
    let dataDir: string;
    let browser: HeadlessBrowser;
    let child: ChildProcess | null = null;
    const stderr: string[] = [];

    beforeAll(async () => {
      requireSharedModels();
      await ensureRendererBuilt();
      mic = await startVirtualMic();
      dataDir = await mkdtemp(join(tmpdir(), 'earshot-ui-cli-'));
      browser = await launchChromium();
    });

    afterAll(async () => {
      if (child?.exitCode === null) child.kill('SIGKILL');
      await browser?.close();
      await mic?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('prints the page URL with its token, serves the real core to a browser, and exits 0 on SIGTERM', async () => {
      const env = { ...process.env, ...mic.env, EARSHOT_LOG: 'warn' };
      const args = [
        'ui',
        '--json',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--model-dir',
        STREAMING_TEST_MODEL,
        '--vad-model',
        VAD_MODEL,
      ];
      const started = spawn(process.execPath, [BIN_EARSHOT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stderr.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
      const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
      const firstLine = new Promise<string>((resolve, reject) => {
        createInterface({ input: started.stdout }).once('line', resolve);
        started.once('exit', (code) =>
          reject(new Error(`earshot ui exited (${code}) before printing: ${stderr.join('')}`)),
        );
      });
      const ready = JSON.parse(await within(firstLine, 60_000, 'the listening line')) as {
        event: string;
        url: string;
        token: string;
      };
      expect(ready.event).toBe('listening');
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
      expect(ready.url.endsWith(ready.token)).toBe(true);

      const page = await browser.newPage();
      await page.goto(ready.url);
      await page.getByRole('button', { name: /^Start/ }).waitFor({ timeout: 30_000 });
      await page.locator(`option[value="${mic.deviceKey('b')}"]`).waitFor({ state: 'attached', timeout: 30_000 });
      await page.getByRole('button', { name: 'Models' }).click();
      await page.getByRole('heading', { name: 'Available' }).waitFor();
      await page.close();

      started.kill('SIGTERM');
      expect(await within(exited, 30_000, 'earshot ui to exit after SIGTERM')).toBe(0);
    });
  },
);
