import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCaptionsServer, type CaptionsServer } from '../../src/core/captions/server.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

/**
 * The overlay page in real headless Chromium: it renders the snapshot and live captions,
 * shows only the last lines, the partial lighter, honours its query parameters, runs under
 * its strict CSP without violations, and reconnects by itself. Screenshots go to test-results/.
 */

const CHROMIUM = '/usr/bin/chromium';
const RESULTS_DIR = join(REPO_ROOT, 'test-results');
const TOKEN = 'overlay-e2e-token-0123456789';
const hasChromium = existsSync(CHROMIUM);
/** Appended to every title, so a skipped run says why by name. */
const SKIP_REASON = hasChromium ? '' : ` (skipped: ${CHROMIUM} is not installed; apt-get install chromium)`;

let server: CaptionsServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  await mkdir(RESULTS_DIR, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the overlay and collects anything the CSP blocked or the page logged as an error. */
async function openOverlay(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 360 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective));",
  );
  const response = await page.goto(url);
  expect(response?.status()).toBe(200);
  return { page, problems };
}

function waitForConnection(page: Page, state: string, what: string): Promise<unknown> {
  return page
    .waitForSelector(`body[data-connection="${state}"]`, { state: 'attached', timeout: 15_000 })
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${what}`, { cause: error });
    });
}

/*
 * Code that runs in the page is passed as strings: the test tsconfig has no DOM library, and
 * typing a few lookups is not worth pulling browser globals into the Node type-check.
 */

/**
 * Waits until the element's text matches. A locator filter, not waitForFunction: a string
 * predicate is polled with eval in the page, which the overlay's CSP rightly refuses.
 */
function waitForText(page: Page, id: string, pattern: RegExp, what: string): Promise<unknown> {
  return page
    .locator(`#${id}`)
    .filter({ hasText: pattern })
    .waitFor({ state: 'attached', timeout: 15_000 })
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${what}`, { cause: error });
    });
}

type Measurements = Record<string, number | string>;

/** Evaluates an object of named JS expressions in the page; `css(id)` and `box(id)` are helpers there. */
function measure(page: Page, expressions: Record<string, string>): Promise<Measurements> {
  const body = Object.entries(expressions)
    .map(([name, expression]) => `${JSON.stringify(name)}: ${expression}`)
    .join(',\n');
  const script = `(() => {
    const el = (id) => document.getElementById(id);
    const css = (id) => getComputedStyle(id === 'body' ? document.body : el(id));
    const box = (id) => el(id).getBoundingClientRect();
    return { ${body} };
  })()`;
  return page.evaluate<Measurements>(script);
}

const sentence = (n: number): string =>
  `Sentence number ${n} of the live transcript, long enough to wrap across the overlay when several are shown together.`;

describe('captions overlay page', () => {
  it.skipIf(!hasChromium)(
    `renders captions in headless Chromium, last two lines only, partial lighter, then reconnects${SKIP_REASON}`,
    async () => {
      server = await startCaptionsServer({ token: TOKEN });
      const port = server.port;
      server.publishSession('streaming');
      for (let n = 1; n <= 6; n++) server.publishTranscript({ segmentId: `s${n}`, text: sentence(n), isFinal: true });

      const { page, problems } = await openOverlay(`${server.overlayUrl}&size=40&position=bottom&lines=2`);
      await waitForConnection(page, 'open', 'the overlay to connect');
      await waitForText(page, 'finals', /Sentence number 6/, 'the snapshot to render');

      server.publishTranscript({ segmentId: 's7', text: 'and this is still being spoken', isFinal: false });
      await waitForText(page, 'partial', /still being spoken/, 'the partial to render');

      const layout = await measure(page, {
        lineHeight: "parseFloat(css('window').lineHeight)",
        fontSize: "parseFloat(css('window').fontSize)",
        visibleHeight: "el('window').clientHeight",
        fullHeight: "el('text').scrollHeight",
        textBottom: "box('text').bottom",
        windowBottom: "box('window').bottom",
        finalsOpacity: "Number(css('finals').opacity)",
        partialOpacity: "Number(css('partial').opacity)",
        background: "css('body').backgroundColor",
      });
      const lineHeight = Number(layout['lineHeight']);
      expect(layout['fontSize']).toBe(40);
      // Six long sentences take many lines; exactly two are visible, and they are the newest (bottom).
      expect(layout['fullHeight']).toBeGreaterThan(3 * lineHeight);
      expect(layout['visibleHeight']).toBeCloseTo(2 * lineHeight, 0);
      expect(Math.abs(Number(layout['textBottom']) - Number(layout['windowBottom']))).toBeLessThan(1);
      expect(layout['finalsOpacity']).toBe(1);
      expect(layout['partialOpacity']).toBeLessThan(1);
      expect(layout['background']).toBe('rgb(0, 0, 0)');
      await page.screenshot({ path: join(RESULTS_DIR, 'captions-overlay.png') });

      // The partial settles into a final: same text, now full strength.
      server.publishTranscript({ segmentId: 's7', text: 'and this is now final.', isFinal: true });
      await waitForText(page, 'finals', /and this is now final\.$/, 'the partial to settle');
      expect(await page.locator('#partial').textContent()).toBe('');

      // An empty partial withdraws the one on screen (the provider took it back).
      server.publishTranscript({ segmentId: 's8', text: 'a false start', isFinal: false });
      await waitForText(page, 'partial', /a false start/, 'the second partial to render');
      server.publishTranscript({ segmentId: 's8', text: '', isFinal: false });
      await waitForText(page, 'partial', /^$/, 'the withdrawn partial to disappear');

      // The server goes away and comes back on the same port: the page reconnects and catches up.
      await server.close();
      await waitForConnection(page, 'connecting', 'the overlay to notice the server left');
      server = await startCaptionsServer({ token: TOKEN, port });
      server.publishSession('streaming');
      server.publishTranscript({ segmentId: 'r1', text: 'Back after the restart.', isFinal: true });
      await waitForConnection(page, 'open', 'the overlay to reconnect');
      await waitForText(page, 'finals', /^Back after the restart\.$/, 'the new snapshot after reconnecting');

      expect(problems.filter((p) => !p.includes('WebSocket'))).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(!hasChromium)(
    `honours transparent, top position, alignment and colour; CSP blocks nothing it needs${SKIP_REASON}`,
    async () => {
      server ??= await startCaptionsServer({ token: TOKEN });
      server.publishTranscript({ segmentId: 't1', text: 'Transparent overlay for OBS, text outlined.', isFinal: true });
      const url = `${server.overlayUrl}&transparent=1&box=0&position=top&align=left&size=64&color=%23ffd700`;
      const { page, problems } = await openOverlay(url);
      await waitForConnection(page, 'open', 'the transparent overlay to connect');
      await waitForText(page, 'finals', /Transparent overlay/, 'the caption to render');
      const look = await measure(page, {
        background: "css('body').backgroundColor",
        boxBackground: "css('captions').backgroundColor",
        color: "css('captions').color",
        top: "box('captions').top",
        left: "box('captions').left",
        fontSize: "parseFloat(css('captions').fontSize)",
        shadow: "css('captions').textShadow",
      });
      expect(look['background']).toBe('rgba(0, 0, 0, 0)');
      expect(look['boxBackground']).toBe('rgba(0, 0, 0, 0)');
      expect(look['color']).toBe('rgb(255, 215, 0)');
      expect(look['fontSize']).toBe(64);
      expect(look['top']).toBeLessThan(50);
      expect(look['left']).toBeLessThan(100);
      expect(look['shadow']).not.toBe('none');
      await page.screenshot({ path: join(RESULTS_DIR, 'captions-overlay-transparent.png'), omitBackground: true });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(!hasChromium)(
    `names the speaker of meeting captions where the speaker changes, the partial included${SKIP_REASON}`,
    async () => {
      server ??= await startCaptionsServer({ token: TOKEN });
      server.publishSession('starting');
      server.publishSession('streaming');
      server.publishTranscript({ segmentId: 'm1', text: 'Shall we start?', isFinal: true, source: 'mic' });
      server.publishTranscript({ segmentId: 'm2', text: 'Yes.', isFinal: true, source: 'system' });
      server.publishTranscript({ segmentId: 'm3', text: 'Let us begin.', isFinal: true, source: 'system' });
      const { page, problems } = await openOverlay(`${server.overlayUrl}&lines=3&size=36`);
      await waitForConnection(page, 'open', 'the meeting overlay to connect');
      await waitForText(page, 'finals', /Let us begin\.$/, 'the meeting captions to render');
      expect(await page.locator('#finals').textContent()).toBe('You: Shall we start? Others: Yes. Let us begin.');
      const labelled = "[...document.querySelectorAll('#finals .speaker')].map((e) => e.dataset.source)";
      expect(await page.evaluate<string[]>(labelled)).toEqual(['mic', 'system']);
      // Names the person gave the speakers in Earshot travel with each segment.
      server.publishTranscript(
        { segmentId: 'm4', text: 'I have a question', isFinal: false, source: 'mic' },
        { mic: 'Ana', system: 'Team' },
      );
      await waitForText(page, 'partial', /question/, 'the partial to render');
      expect(await page.locator('#partial').textContent()).toBe(' Ana: I have a question');
      await page.screenshot({ path: join(RESULTS_DIR, 'captions-overlay-meeting.png') });
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(!hasChromium)(
    `tells the person when the token in the overlay URL is no longer valid${SKIP_REASON}`,
    async () => {
      server ??= await startCaptionsServer({ token: TOKEN });
      const port = server.port;
      const { page } = await openOverlay(server.overlayUrl);
      await waitForConnection(page, 'open', 'the overlay to connect');
      await server.close();
      server = await startCaptionsServer({ token: 'a-different-token-after-restart', port });
      await waitForConnection(page, 'unauthorized', 'the overlay to notice its token is refused');
      expect(await page.locator('#notice').textContent()).toMatch(/wrong token/);
      expect(await page.locator('#notice').isVisible()).toBe(true);
      await page.close();
    },
  );
});
