import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppCore } from '../../src/core/app/types.ts';
import { startWebBridge, type WebBridge } from '../../src/core/bridge/web-bridge.ts';
import type { TranscriptEvent } from '../../src/shared/transcript.ts';
import {
  chromiumUnavailableReason,
  ensureRendererBuilt,
  launchChromium,
  waitInPage,
  type HeadlessBrowser,
} from '../helpers/browser.ts';
import {
  ESPEAK_HELDOUT_DIR,
  REPO_ROOT,
  requireSharedModels,
  STREAMING_TEST_MODEL,
  VAD_MODEL,
} from '../helpers/paths.ts';
import { startTestCore } from '../helpers/test-core.ts';
import { buildProgram, writeProgram } from '../helpers/utterance-timing.ts';
import { startVirtualMic, virtualMicUnavailableReason, type VirtualMic } from '../helpers/virtual-mic.ts';
import { wordErrorRate, words } from '../helpers/wer.ts';

/**
 * The real renderer, in headless Chromium, through the web bridge, against the real core: the
 * virtual microphone, the capture process, the embedded engine with the streaming test model,
 * the session, the journal and History. What a person does, checked where a person looks.
 *
 * The renderer is built first when out/renderer is missing or older than its sources
 * (tests/helpers/browser.ts, `ensureRendererBuilt`), with Vite and electron-vite's settings.
 */
const SHOTS = join(REPO_ROOT, 'test-results', 'renderer');
/**
 * The streaming test model's documented WER on the 40 held-out files (its README), and the
 * engine issue's bound: within 5 points. All 40 are played (~2 min 40 s): a streaming model's
 * text depends on where its 40 ms frames fall, and over a few clips that alone moves WER by
 * ±10 points (measured on WAV input, 8 clips: 62–74%; 40 clips: 56–58.5%).
 */
const DOCUMENTED_WER = 57.7;
const WER_BOUND = DOCUMENTED_WER + 5;

const unavailable = virtualMicUnavailableReason() ?? chromiumUnavailableReason();

/** The level meter shows a reading: capture delivers audio (not just "starting"). */
const METER_HAS_READING = `!['Not listening', 'Waiting for audio'].includes(document.querySelector('[role="meter"]')?.getAttribute('aria-valuetext'))`;
/**
 * Records every final row the page draws, by segment id, in the order they first appear. The
 * list is virtualized (only rows in view exist), so the page is watched rather than read at
 * the end. Installed through the DevTools protocol, which the page's CSP allows.
 */
const WATCH_FINALS = `(() => {
  window.__finals = new Map();
  const scan = () => {
    for (const row of document.querySelectorAll('[data-final="true"][data-segment-id]')) {
      window.__finals.set(row.getAttribute('data-segment-id'), row.querySelector('.text').textContent.trim());
    }
  };
  scan();
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;
const FINALS_SEEN = '[...window.__finals.values()]';

describe.skipIf(unavailable !== null)(
  `renderer against the real core in headless Chromium${unavailable ? ` — skipped: ${unavailable}` : ''}`,
  () => {
    let mic: VirtualMic;
    let dataDir: string;
    let core: AppCore;
    let bridge: WebBridge;
    let browser: HeadlessBrowser;
    let page: Page;
    const finals: TranscriptEvent[] = [];
    const problems: string[] = [];

    beforeAll(async () => {
      requireSharedModels();
      await mkdir(SHOTS, { recursive: true });
      const staticDir = await ensureRendererBuilt();
      mic = await startVirtualMic();
      dataDir = await mkdtemp(join(tmpdir(), 'earshot-renderer-e2e-'));
      core = await startTestCore(dataDir, {
        modelDir: STREAMING_TEST_MODEL,
        vadModelPath: VAD_MODEL,
        captureEnv: mic.env,
      });
      core.subscribe((event, payload) => {
        if (event === 'transcript' && (payload as TranscriptEvent).isFinal) finals.push(payload as TranscriptEvent);
      });
      bridge = await startWebBridge({ core, staticDir });
      browser = await launchChromium();
      page = await browser.newPage({ colorScheme: 'light' });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      });
      await page.goto(bridge.pageUrl);
      await page.getByRole('button', { name: /^Start/ }).waitFor({ timeout: 30_000 });
    });

    afterAll(async () => {
      await browser?.close();
      await bridge?.close();
      await core?.dispose();
      await mic?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('lists both virtual microphones after "System default"', async () => {
      const select = page.getByLabel('Microphone', { exact: true });
      await page.locator(`option[value="${mic.deviceKey('b')}"]`).waitFor({ state: 'attached', timeout: 30_000 });
      const values = await Promise.all((await select.locator('option').all()).map((o) => o.getAttribute('value')));
      expect(values[0]).toBe('default');
      expect(values).toEqual(expect.arrayContaining([mic.deviceKey('a'), mic.deviceKey('b')]));
    });

    it('transcribes held-out speech played into Mic B into the page, then finds the session in History', async () => {
      const rows = (await readFile(join(ESPEAK_HELDOUT_DIR, 'transcripts.tsv'), 'utf8')).trim().split('\n');
      const clips = rows.map((row) => {
        const [file, reference] = row.split('\t');
        return { file: join(ESPEAK_HELDOUT_DIR, file!), reference: reference! };
      });
      // A long lead: PulseAudio may swallow the first second of a playback stream while it starts.
      const program = await buildProgram(clips, { leadMs: 2000, gapMs: 1000 });
      const wav = join(dataDir, 'program.wav');
      await writeProgram(wav, program);

      await page.getByLabel('Microphone', { exact: true }).selectOption(mic.deviceKey('b'));
      await page.getByRole('button', { name: /^Start/ }).click();
      await page.getByRole('button', { name: /^Stop/ }).waitFor({ timeout: 30_000 });
      await page.getByRole('status').filter({ hasText: 'Listening to' }).waitFor({ timeout: 30_000 });

      await waitInPage(page, METER_HAS_READING, 'a level reading from Mic B (audio flowing)', 15_000);
      await page.evaluate(WATCH_FINALS);
      await mic.play(wav, 'b', { timeoutMs: 240_000 });
      // The first words are on screen while the session still runs.
      await page.locator('[data-final="true"]').first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'main-light.png') });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(SHOTS, 'main-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });

      // Stop drains: every word heard reaches the page before the button says Start again.
      await page.getByRole('button', { name: /^Stop/ }).click();
      await page.getByRole('button', { name: /^Start/ }).waitFor({ timeout: 60_000 });
      await waitInPage(
        page,
        `${FINALS_SEEN}.length >= ${finals.filter((f) => f.text.trim() !== '').length}`,
        'every final of the core in the page',
      );

      const shown = await page.evaluate<string[]>(FINALS_SEEN);
      expect(shown).toEqual(finals.filter((f) => f.text.trim() !== '').map((f) => f.text.trim()));
      const hypothesis = shown.join(' ');
      const reference = clips.map((c) => c.reference).join(' ');
      const wer = wordErrorRate([{ reference, hypothesis }]);
      console.log(
        `[renderer e2e] ${clips.length} clips, ${shown.length} finals in the page, WER ${wer.toFixed(1)}% (bound ${WER_BOUND}%)`,
      );
      expect(wer, `heard: "${hypothesis}"\nspoken: "${reference}"`).toBeLessThanOrEqual(WER_BOUND);

      // Find the session in History by a word that was both spoken and recognised.
      const spoken = new Set(words(reference));
      const word = words(hypothesis)
        .filter((w) => spoken.has(w) && w.length >= 5)
        .sort((a, b) => b.length - a.length)[0];
      expect(word, 'a recognised word that was spoken').toBeDefined();
      await page.getByRole('button', { name: 'History' }).click();
      await page.getByLabel('Search transcripts').fill(word!);
      await page.getByText('1 session matches').waitFor({ timeout: 15_000 });
      const item = page.locator('li[data-session-id]');
      expect(await item.count()).toBe(1);
      await item.getByRole('heading').getByRole('button').click();
      await page.getByText(word!, { exact: false }).first().waitFor();
      const opened = await page.locator('.segments').textContent();
      for (const text of shown) expect(opened).toContain(text);
      await page.getByRole('button', { name: '← All sessions' }).click();
      await page.getByRole('button', { name: 'Live' }).click();
      expect(problems).toEqual([]);
    }, 360_000);

    it('shows Mic B as disconnected with the fallback in use when it is unplugged mid-session, and clears it on return', async () => {
      // Mic B is a sound-server source: unplugged, it leaves the list, and the remembered
      // choice stays selected, shown as disconnected, while capture uses the fallback.
      const select = page.getByLabel('Microphone', { exact: true });
      expect(await select.inputValue()).toBe(mic.deviceKey('b'));
      await page.getByRole('button', { name: /^Start/ }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Listening to ${mic.deviceName('b')}` })
        .waitFor({ timeout: 30_000 });
      // Unplug only once audio flows (the meter has a reading), not while the device is opening.
      const meter = page.getByRole('meter', { name: 'Input level' });
      await waitInPage(page, METER_HAS_READING, 'a level reading from Mic B', 15_000);
      expect(await meter.getAttribute('aria-valuetext')).toMatch(/dBFS$/);

      await mic.unplug('b');
      const lostOption = page.locator(`option[value="${mic.deviceKey('b')}"]`, { hasText: 'disconnected' });
      await lostOption.waitFor({ state: 'attached', timeout: 15_000 });
      await page
        .getByText(`${mic.deviceName('b')} was disconnected. Using System default until it comes back.`)
        .waitFor();
      expect(await select.inputValue()).toBe(mic.deviceKey('b'));
      await page.getByRole('status').filter({ hasText: 'Listening to System default' }).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(SHOTS, 'main-mic-lost.png') });

      await mic.replug('b');
      // Capture probes for the lost device every 2 s; a probe under load can take a while.
      await lostOption.waitFor({ state: 'detached', timeout: 45_000 });
      await page
        .getByRole('status')
        .filter({ hasText: `Listening to ${mic.deviceName('b')}` })
        .waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: /^Stop/ }).click();
      await page.getByRole('button', { name: /^Start/ }).waitFor({ timeout: 60_000 });
      expect(problems).toEqual([]);
    });
  },
);
