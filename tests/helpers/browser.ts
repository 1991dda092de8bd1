import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.ts';
import { waitUntil } from './wait.ts';

/**
 * Headless Chromium for browser tests and benchmarks: Debian's /usr/bin/chromium driven by
 * playwright-core (never `playwright install`, which downloads a browser), with the flags
 * testing.md lists and a fresh profile that is deleted on close.
 */
export const CHROMIUM_PATH = process.env['EARSHOT_CHROMIUM'] ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why Chromium cannot run here, or null (for skip-by-name test titles). */
export function chromiumUnavailableReason(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
}

export interface HeadlessBrowser {
  readonly context: BrowserContext;
  newPage(options?: { colorScheme?: 'light' | 'dark'; width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'earshot-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
      timeout: 60_000,
      viewport: { width: 1100, height: 760 },
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async newPage(options = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width: options.width ?? 1100, height: options.height ?? 760 });
      if (options.colorScheme) await page.emulateMedia({ colorScheme: options.colorScheme });
      return page;
    },
    async close() {
      await context.close().catch((error: unknown) => console.warn('closing chromium failed', error));
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Where electron-vite puts the built renderer; the web bridge serves it. */
export const RENDERER_OUT_DIR = join(REPO_ROOT, 'out', 'renderer');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/**
 * Builds the renderer into out/renderer when it is missing or older than any source it is
 * built from (src/renderer, src/shared, the Svelte config). It runs Vite with the same
 * settings as electron-vite's renderer section, so tests see what the app ships, without
 * building main and preload (which have nothing to do with the page).
 */
export async function ensureRendererBuilt(): Promise<string> {
  const index = join(RENDERER_OUT_DIR, 'index.html');
  const sources = Math.max(
    await newestMtime(join(REPO_ROOT, 'src', 'renderer')),
    await newestMtime(join(REPO_ROOT, 'src', 'shared')),
    (await stat(join(REPO_ROOT, 'svelte.config.js'))).mtimeMs,
  );
  const built = existsSync(index) ? (await stat(index)).mtimeMs : 0;
  if (built >= sources) return RENDERER_OUT_DIR;
  const [{ build }, { svelte }] = await Promise.all([import('vite'), import('@sveltejs/vite-plugin-svelte')]);
  await build({
    configFile: false,
    root: join(REPO_ROOT, 'src', 'renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [svelte({ configFile: join(REPO_ROOT, 'svelte.config.js') })],
    build: {
      outDir: RENDERER_OUT_DIR,
      emptyOutDir: true,
      reportCompressedSize: false,
      rollupOptions: { input: { index: join(REPO_ROOT, 'src', 'renderer', 'index.html') } },
    },
  });
  return RENDERER_OUT_DIR;
}

/**
 * Waits until an expression (page source text) is truthy in the page. Evaluated from outside
 * through the DevTools protocol, which the page's CSP allows; Playwright's own
 * `waitForFunction` polls with eval inside the page, which `script-src 'self'` forbids.
 */
export async function waitInPage(page: Page, expression: string, what: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(async () => Boolean(await page.evaluate<unknown>(expression)), { what, timeoutMs, intervalMs: 50 });
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core's WCAG 2.1 A/AA rules on the page as it stands (labels, names, roles,
 * contrast, …). The engine is evaluated through the DevTools protocol, so the page's CSP
 * needs no exception.
 */
export async function auditAccessibility(page: Page): Promise<AxeViolation[]> {
  const source = await readFile(join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate<AxeViolation[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })))`);
}
