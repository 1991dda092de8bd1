import { cpus, loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { startWebBridge } from '../../src/core/bridge/web-bridge.ts';
import type { Segment } from '../../src/shared/transcript.ts';
import { chromiumUnavailableReason, ensureRendererBuilt, launchChromium } from '../../tests/helpers/browser.ts';
import { createScriptedCore, type ScriptedCore } from '../../tests/helpers/scripted-core.ts';
import { percentiles, round, type BenchContext, type BenchSuite } from '../suite.ts';

/**
 * The renderer in headless Chromium over the real web bridge, fed by a scripted core (no
 * audio: this measures the front end, not the engine).
 *
 * - Final in main → text in the DOM: the core stamps each final as it hands it to the bridge;
 *   a MutationObserver in the page stamps when its row holds the final text, and the frame
 *   callback after that stamps when it can be painted. Both stamps are
 *   `performance.timeOrigin + performance.now()`, one wall clock with sub-ms resolution
 *   shared by both processes on this machine. Measured with an empty transcript and with
 *   10,000 segments already shown.
 * - Frames while appending 50 finals/s (each preceded by two partial updates) with 10,000
 *   segments shown: every requestAnimationFrame interval, plus Chromium's long-animation-frame
 *   entries. Target: no frame over 50 ms. Each long frame is split into the page's own work
 *   (scripts, style, layout, paint) and waiting: on a busy 2-core machine a frame can be late
 *   only because the browser did not get a CPU, and the load average is reported with it.
 */

const now = (): number => performance.timeOrigin + performance.now();

/** Installed in the page (as source: this file is type-checked for Node, without DOM types). */
const LATENCY_PROBE = `(() => {
  window.__dom = {}; window.__frame = {};
  const stamp = () => performance.timeOrigin + performance.now();
  const scan = () => {
    const fresh = [];
    for (const row of document.querySelectorAll('[data-final="true"][data-segment-id^="bench-"]')) {
      const id = row.getAttribute('data-segment-id');
      if (window.__dom[id] === undefined) { window.__dom[id] = stamp(); fresh.push(id); }
    }
    if (fresh.length) requestAnimationFrame(() => { const t = stamp(); for (const id of fresh) window.__frame[id] = t; });
  };
  new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-final'] });
})()`;

const FRAME_PROBE = `(() => {
  window.__frames = []; window.__loaf = [];
  let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; if (!window.__stopFrames) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const scriptMs = e.scripts.reduce((sum, s) => sum + s.duration, 0);
        const renderMs = e.startTime + e.duration - (e.renderStart || e.startTime + e.duration);
        window.__loaf.push({ duration: e.duration, scriptMs, renderMs, blockingMs: e.blockingDuration });
      }
    })
      .observe({ type: 'long-animation-frame', buffered: false });
  } catch { window.__loafUnsupported = true; }
})()`;

function segments(count: number, prefix: string): Segment[] {
  return Array.from({ length: count }, (_, i) => ({
    segmentId: `${prefix}-${i}`,
    text: `Earlier segment ${i}: the meeting went on about release dates, installers and what to test next.`,
    isFinal: true as const,
    startMs: i * 3000,
    endMs: i * 3000 + 2500,
  }));
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i += 1) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: /^(Start|Stop)/ }).waitFor({ timeout: 30_000 });
}

async function measureLatency(core: ScriptedCore, page: Page, url: string, preload: number, count: number) {
  core.setSegments(segments(preload, 'pre'));
  await openPage(page, url);
  if (preload > 0) await page.locator(`[data-segment-id="pre-${preload - 1}"]`).waitFor({ timeout: 30_000 });
  await page.evaluate(LATENCY_PROBE);
  const sentAt = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    const id = `bench-${preload}-${i}`;
    const startMs = (preload + i) * 3000;
    core.transcript({ segmentId: id, text: 'and the next thing we', isFinal: false, startMs });
    await new Promise((r) => setTimeout(r, 40));
    sentAt.set(id, now());
    core.transcript({
      segmentId: id,
      text: `Final ${i}: and the next thing we should decide is who tests the installer.`,
      isFinal: true,
      startMs,
      endMs: startMs + 2500,
    });
    await new Promise((r) => setTimeout(r, 60));
  }
  await waitUntil(
    'every final to reach the page',
    async () => (await page.evaluate<number>('Object.keys(window.__frame).length')) >= count,
    30_000,
  );
  const dom = await page.evaluate<Record<string, number>>('window.__dom');
  const frame = await page.evaluate<Record<string, number>>('window.__frame');
  const toDom: number[] = [];
  const toFrame: number[] = [];
  for (const [id, t0] of sentAt) {
    if (dom[id] !== undefined) toDom.push(dom[id] - t0);
    if (frame[id] !== undefined) toFrame.push(frame[id] - t0);
  }
  return { finalToDomMs: percentiles(toDom), finalToFrameMs: percentiles(toFrame) };
}

interface CdpLike {
  send(method: 'Performance.getMetrics'): Promise<{ metrics: { name: string; value: number }[] }>;
}

/** Cumulative main-thread time, in ms, from Chrome DevTools Protocol's Performance domain. */
async function mainThreadMetrics(cdp: CdpLike) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const ms = (name: string): number => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return {
    TaskDuration: ms('TaskDuration'),
    ScriptDuration: ms('ScriptDuration'),
    LayoutDuration: ms('LayoutDuration'),
    RecalcStyleDuration: ms('RecalcStyleDuration'),
  };
}

async function measureFrames(core: ScriptedCore, page: Page, url: string, preload: number, seconds: number) {
  core.setSegments(segments(preload, 'pre'));
  await openPage(page, url);
  await page.locator(`[data-segment-id="pre-${preload - 1}"]`).waitFor({ timeout: 30_000 });
  await page.evaluate(FRAME_PROBE);
  // The first frames after loading 10,000 rows belong to page load, not to appending: wait
  // for half a second of steady frames, then count from there.
  await waitUntil(
    'the page to settle after loading',
    async () =>
      page.evaluate<boolean>('window.__frames.length > 40 && window.__frames.slice(-30).every((f) => f < 25)'),
    20_000,
  );
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metricsBefore = await mainThreadMetrics(cdp);
  await page.evaluate('window.__frames = []; window.__loaf = []');
  const loadBefore = loadavg()[0] ?? 0;
  const total = seconds * 50;
  const started = now();
  // 50 finals per second, each after two partial updates: 150 transcript events per second.
  for (let i = 0; i < total; i += 1) {
    const id = `rate-${i}`;
    const startMs = (preload + i) * 3000;
    core.transcript({ segmentId: id, text: 'we will', isFinal: false, startMs });
    core.transcript({ segmentId: id, text: 'we will ship on', isFinal: false, startMs });
    core.transcript({
      segmentId: id,
      text: `Appended ${i}: we will ship on Thursday if the tests stay green.`,
      isFinal: true,
      startMs,
      endMs: startMs + 2000,
    });
    const due = started + (i + 1) * 20;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await page.locator(`[data-segment-id="rate-${total - 1}"]`).waitFor({ timeout: 30_000 });
  await page.evaluate('window.__stopFrames = true');
  const metricsAfter = await mainThreadMetrics(cdp);
  const elapsedMs = now() - started;
  const busy = (key: keyof typeof metricsAfter): number => metricsAfter[key] - metricsBefore[key];
  const frames = await page.evaluate<number[]>('window.__frames');
  const loaf =
    await page.evaluate<{ duration: number; scriptMs: number; renderMs: number; blockingMs: number }[]>(
      'window.__loaf',
    );
  // A long frame is the page's fault when its own work (scripts, then style/layout/paint) is
  // long; otherwise the frame waited for a CPU the rest of the machine was using.
  const work = loaf.map((e) => e.scriptMs + e.renderMs);
  const loafUnsupported = await page.evaluate<boolean>('window.__loafUnsupported === true');
  const drawn = await page.locator('[data-segment-id]').count();
  return {
    appended: total,
    shownBefore: preload,
    elapsedS: round(elapsedMs / 1000, 2),
    frameIntervalMs: percentiles(frames, [50, 95, 99]),
    longestFrameMs: round(Math.max(0, ...frames), 1),
    framesOver50Ms: frames.filter((f) => f > 50).length,
    frameCount: frames.length,
    longAnimationFrames: loafUnsupported
      ? 'unsupported'
      : {
          count: loaf.length,
          maxDurationMs: round(Math.max(0, ...loaf.map((e) => e.duration)), 1),
          maxPageWorkMs: round(Math.max(0, ...work), 1),
          withPageWorkOver50Ms: work.filter((w) => w > 50).length,
        },
    rowsInDom: drawn,
    // The renderer's main thread, from Chromium's own counters: how much of the time it worked.
    mainThread: {
      busyPercent: round((busy('TaskDuration') / elapsedMs) * 100, 1),
      scriptMsPerFinal: round(busy('ScriptDuration') / total, 3),
      styleAndLayoutMsPerFinal: round((busy('LayoutDuration') + busy('RecalcStyleDuration')) / total, 3),
    },
    targetMet: Math.max(0, ...frames) <= 50,
    loadAverage: { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2), cores: cpus().length },
  };
}

const suite: BenchSuite = {
  name: 'renderer',
  description:
    'final in main → text in the DOM (p50/p99), and the longest frame while appending 50 finals/s to 10,000 shown',
  async run(context: BenchContext) {
    const unavailable = chromiumUnavailableReason();
    if (unavailable) return { skipped: unavailable };
    const staticDir = await ensureRendererBuilt();
    const core = createScriptedCore();
    const bridge = await startWebBridge({ core, staticDir });
    const browser = await launchChromium();
    try {
      const count = context.quick ? 30 : 150;
      context.log(`latency: ${count} finals into an empty transcript`);
      let page = await browser.newPage();
      const empty = await measureLatency(core, page, bridge.pageUrl, 0, count);
      await page.close();
      context.log(`latency: ${count} finals with 10,000 segments shown`);
      page = await browser.newPage();
      const full = await measureLatency(core, page, bridge.pageUrl, 10_000, count);
      await page.close();
      const seconds = context.quick ? 3 : 10;
      context.log(`frames: ${seconds} s at 50 finals/s with 10,000 shown`);
      page = await browser.newPage();
      const frames = await measureFrames(core, page, bridge.pageUrl, 10_000, seconds);
      await page.close();
      return {
        browser: `chromium ${browser.context.browser()?.version() ?? 'unknown'} (headless, --disable-gpu)`,
        latencyEmptyTranscript: empty,
        latencyWith10kSegments: full,
        framesAppending50PerSecondWith10k: frames,
      };
    } finally {
      await browser.close();
      await bridge.close();
    }
  },
};

export default suite;
