import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebBridge, type WebBridge } from '../../src/core/bridge/web-bridge.ts';
import type { Segment } from '../../src/shared/transcript.ts';
import {
  auditAccessibility,
  chromiumUnavailableReason,
  ensureRendererBuilt,
  launchChromium,
  waitInPage,
  type HeadlessBrowser,
} from '../helpers/browser.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { createScriptedCore, scriptedDevice, type ScriptedCore } from '../helpers/scripted-core.ts';

/**
 * The built renderer in headless Chromium, over the real web bridge, against a scripted core:
 * what only a real browser shows (layout, scrolling 10,000 rows, zoom, CSP, themes). The real
 * capture → engine → session path is in renderer.test.ts.
 */
const SHOTS = join(REPO_ROOT, 'test-results', 'renderer');
const unavailable = chromiumUnavailableReason();

/* In-page checks, as source text: this file is type-checked for Node, which has no DOM types. */
const SCROLLER = `document.querySelector('[data-testid="virtual-scroller"]')`;
const AT_LIVE_END = `(() => { const el = ${SCROLLER}; return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 30; })()`;
const SCROLL_TOP = `${SCROLLER}.scrollTop`;
const SIDEWAYS_OVERFLOW = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';
const DRAWN_IDS = `[...document.querySelectorAll('[data-segment-id]')].map((e) => Number(e.getAttribute('data-segment-id').slice(4)))`;
const FOCUSED_IS_START = `document.activeElement?.textContent?.trim().startsWith('Start') ?? false`;

function final(n: number, text = `Segment ${n}: the quick brown fox jumps over the lazy dog.`): Segment {
  return { segmentId: `seg-${n}`, text, isFinal: true, startMs: n * 2500, endMs: n * 2500 + 2000 };
}

describe.skipIf(unavailable !== null)(
  `renderer in headless Chromium (scripted core)${unavailable ? ` — skipped: ${unavailable}` : ''}`,
  () => {
    let browser: HeadlessBrowser;
    let bridge: WebBridge;
    let core: ScriptedCore;
    const problems: string[] = [];

    const open = async (options: Parameters<HeadlessBrowser['newPage']>[0] = {}): Promise<Page> => {
      const page = await browser.newPage(options);
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning')
          problems.push(`console ${message.type()}: ${message.text()}`);
      });
      await page.goto(bridge.pageUrl);
      await page.getByRole('button', { name: /^(Start|Stop)/ }).waitFor({ timeout: 15_000 });
      return page;
    };

    beforeAll(async () => {
      await mkdir(SHOTS, { recursive: true });
      const staticDir = await ensureRendererBuilt();
      core = createScriptedCore({
        devices: [scriptedDevice('Mic A', true), scriptedDevice('Mic B')],
        history: [
          {
            id: 'h1',
            title: 'Weekly planning',
            startedAt: 1_790_000_000_000,
            endedAt: 1_790_000_900_000,
            durationMs: 900_000,
            segmentCount: 42,
            provider: 'local',
            recovered: false,
          },
          {
            id: 'h2',
            title: 'Interview draft',
            startedAt: 1_790_100_000_000,
            endedAt: null,
            durationMs: 120_000,
            segmentCount: 7,
            provider: 'local',
            recovered: true,
          },
        ],
        models: {
          installed: [
            {
              id: 'small',
              name: 'Small English',
              kind: 'online',
              dir: '/m/small',
              sizeBytes: 71_000_000,
              purpose: 'live transcription',
            },
          ],
          catalog: [
            {
              id: 'parakeet',
              name: 'Parakeet TDT 0.6B',
              kind: 'offline',
              language: 'en',
              sizeBytes: 640_000_000,
              license: 'CC-BY-4.0',
              description: 'Most accurate; needs more CPU.',
              isDefault: false,
            },
          ],
          activeModelId: 'small',
          diskUsageBytes: 71_000_000,
        },
      });
      bridge = await startWebBridge({ core, staticDir });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await bridge?.close();
    });

    it('boots over the bridge, hides the token from the address bar, and lists the microphones', async () => {
      const page = await open();
      expect(page.url()).toBe(`${bridge.origin}/`);
      const select = page.getByLabel('Microphone', { exact: true });
      expect(await select.locator('option').allTextContents()).toEqual(['System default (Mic A)', 'Mic A', 'Mic B']);
      // A reload keeps working: the token stays with the tab.
      await page.reload();
      await page.getByRole('button', { name: /^Start/ }).waitFor();
      // The reloaded page says ready over the bridge after it renders; wait for it, bounded.
      await expect
        .poll(() => core.calls.filter((c) => c.channel === 'renderer.ready').length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(2);
      await page.close();
      expect(problems).toEqual([]);
    });

    it('says what is missing when opened without its token', async () => {
      const page = await browser.newPage();
      await page.goto(`${bridge.origin}/`);
      await page.getByText('This page needs its access token').waitFor({ timeout: 10_000 });
      await page.close();
    });

    it('streams partials into finals in place and updates the dropdown on hot-plug', async () => {
      const page = await open();
      await page.getByLabel('Microphone', { exact: true }).selectOption({ label: 'Mic B' });
      await page.getByRole('button', { name: /^Start/ }).click();
      await page.getByRole('button', { name: /^Stop/ }).waitFor();
      expect(core.calls.find((c) => c.channel === 'session.start')?.payload).toMatchObject({ deviceKey: 'ALSA:Mic B' });

      core.transcript({ segmentId: 'live-1', text: 'hello wor', isFinal: false, startMs: 0 });
      const row = page.locator('[data-segment-id="live-1"]');
      await row.waitFor();
      expect(await row.getAttribute('data-final')).toBe('false');
      core.transcript({ segmentId: 'live-1', text: 'Hello world.', isFinal: true, startMs: 0, endMs: 900 });
      await page.locator('[data-segment-id="live-1"][data-final="true"]').waitFor();
      expect(await row.textContent()).toContain('Hello world.');

      core.setDevices([scriptedDevice('Mic A', true)]);
      core.emit('deviceLost', {
        lostKey: 'ALSA:Mic B',
        lostName: 'Mic B',
        fallbackKey: 'default',
        message: 'Mic B was disconnected.',
      });
      await page.getByText('Mic B was disconnected. Using System default until it comes back.').waitFor();
      expect(await page.getByLabel('Microphone', { exact: true }).locator('option').allTextContents()).toContain(
        'Mic B — disconnected',
      );
      core.setDevices([scriptedDevice('Mic A', true), scriptedDevice('Mic B')]);
      await page.getByText('Mic B was disconnected').waitFor({ state: 'detached' });

      await page.getByRole('button', { name: /^Stop/ }).click();
      await page.getByRole('button', { name: /^Start/ }).waitFor();
      await page.close();
      expect(problems).toEqual([]);
    });

    it('keeps 10,000 segments to a few drawn rows, pauses following on scroll up and jumps back to live', async () => {
      core.setSegments(Array.from({ length: 10_000 }, (_, i) => final(i)));
      const page = await open();
      const scroller = page.getByTestId('virtual-scroller');
      await page.locator('[data-segment-id="seg-9999"]').waitFor();
      expect(await page.locator('[data-segment-id]').count()).toBeLessThan(80);
      const atEnd = () => page.evaluate<boolean>(AT_LIVE_END);
      expect(await atEnd()).toBe(true);

      await scroller.hover();
      await page.mouse.wheel(0, -2000);
      const jump = page.getByRole('button', { name: /Jump to live/ });
      await jump.waitFor();
      // The wheel scrolls smoothly: read the position once it has come to rest.
      await waitInPage(
        page,
        `(() => { const t = ${SCROLL_TOP}; const same = window.__lastTop === t; window.__lastTop = t; return same; })()`,
        'the wheel scroll to come to rest',
      );
      const readingAt = await page.evaluate<number>(SCROLL_TOP);
      core.transcript(final(10_000));
      core.transcript(final(10_001));
      await page.getByRole('button', { name: 'Jump to live (2 new)' }).waitFor();
      expect(Math.abs((await page.evaluate<number>(SCROLL_TOP)) - readingAt)).toBeLessThan(2);

      // Far up in the list the rows drawn are the ones in view, not the first ones.
      await page.evaluate(`${SCROLLER}.scrollTop = ${SCROLLER}.scrollHeight / 2`);
      await waitInPage(
        page,
        `(() => { const ids = ${DRAWN_IDS}; return ids.length > 0 && Math.min(...ids) > 3000 && Math.max(...ids) < 7000; })()`,
        'the rows in view to be drawn',
      );

      await jump.click();
      await page.locator('[data-segment-id="seg-10001"]').waitFor();
      await waitInPage(page, AT_LIVE_END, 'the transcript scrolled to the live end');
      core.transcript(final(10_002));
      await page.locator('[data-segment-id="seg-10002"]').waitFor();
      await waitInPage(page, AT_LIVE_END, 'the transcript scrolled to the live end');
      await page.close();
      core.setSegments([]);
      expect(problems).toEqual([]);
    });

    it('stays readable at 200% zoom: nothing spills sideways, every control reachable', async () => {
      core.setSegments([
        final(1, 'A sentence long enough to wrap when the window is narrow, as it is at 200% zoom on a laptop screen.'),
      ]);
      // 200% zoom of a 1100×760 window is a 550×380 CSS-pixel viewport at twice the density.
      const page = await browser.newPage({ width: 550, height: 380 });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      await page.goto(bridge.pageUrl);
      await page.getByRole('button', { name: /^Start/ }).waitFor();
      const overflow = await page.evaluate<number>(SIDEWAYS_OVERFLOW);
      expect(overflow).toBeLessThanOrEqual(0);
      for (const name of ['History', 'Models', 'Settings']) {
        await page.getByRole('button', { name }).click();
        expect(await page.evaluate<number>(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
      }
      await page.screenshot({ path: join(SHOTS, 'settings-200pct.png'), fullPage: true });
      await page.getByRole('button', { name: 'Live' }).click();
      await page.screenshot({ path: join(SHOTS, 'main-200pct.png'), fullPage: true });
      await page.close();
      core.setSegments([]);
    });

    it('passes an automated WCAG 2.1 AA audit on every view, in light and in dark', async () => {
      core.setSegments([
        final(1, 'A final sentence, as it reads once settled.'),
        final(2, 'And another one after it.'),
      ]);
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await open({ colorScheme });
        await page.getByRole('button', { name: /^Start/ }).click();
        await page.getByRole('button', { name: /^Stop/ }).waitFor();
        core.transcript({ segmentId: 'audit-partial', text: 'a partial still being', isFinal: false, startMs: 9000 });
        core.emit('level', { rmsDb: -30, peakDb: -18 });
        core.emit('health', { kind: 'clipping', active: true, deviceName: 'Mic A', message: 'Mic A is clipping.' });
        await page.locator('[data-segment-id="audit-partial"]').waitFor();
        for (const view of ['Live', 'History', 'Models', 'Settings']) {
          await page.getByRole('button', { name: new RegExp(`^${view}`) }).click();
          if (view === 'Models') {
            core.emit('modelProgress', {
              id: 'parakeet',
              phase: 'downloading',
              receivedBytes: 64_000_000,
              totalBytes: 640_000_000,
            });
            await page.getByRole('progressbar').waitFor();
          }
          for (const v of await auditAccessibility(page))
            found.push(`${colorScheme}/${view}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(', ')}`);
        }
        await page.getByRole('button', { name: /^Live/ }).click();
        // The error banner, too.
        core.setStatus({
          state: 'error',
          error: {
            code: 'PROVIDER_AUTH_FAILED',
            message: 'The speech service rejected the API key. Check the key in Settings.',
          },
        });
        await page.getByRole('button', { name: 'Open Settings' }).waitFor();
        for (const v of await auditAccessibility(page))
          found.push(`${colorScheme}/error: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(', ')}`);
        core.setStatus({ state: 'streaming', error: null });
        await page.getByRole('button', { name: /^Stop/ }).click();
        await page.getByRole('button', { name: /^Start/ }).waitFor();
        core.emit('health', { kind: 'clipping', active: false, deviceName: 'Mic A', message: '' });
        await page.close();
      }
      core.setSegments([]);
      expect(found).toEqual([]);
    });

    it('is operable by keyboard alone: Tab reaches Start, Ctrl+Enter toggles', async () => {
      const page = await open();
      let reached = false;
      for (let i = 0; i < 15 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate<boolean>(FOCUSED_IS_START);
      }
      expect(reached).toBe(true);
      // Exact names: "Starting…" and "Stopping…" are the button while a request is in flight.
      await page.keyboard.press('Control+Enter');
      await page.getByRole('button', { name: 'Stop', exact: true }).waitFor();
      await page.keyboard.press('Control+Enter');
      await page.getByRole('button', { name: 'Start', exact: true }).waitFor();
      await page.close();
    });
  },
);
