/**
 * The process boundaries as data: for each top-level folder under src/, the folders it may
 * import from and why. A folder is a process (capture, engine, main, preload, renderer, cli)
 * or a layer several processes load (shared, platform, core), so an import across a line here
 * would drag one process's code, and its dependencies, into another.
 * docs/architecture.md describes the same map in prose.
 */
import { displayPath, srcFolderOf, testsFolderOf, type Layout } from './layout.ts';

export const SRC_FOLDERS = [
  'shared',
  'platform',
  'capture',
  'engine',
  'core',
  'main',
  'preload',
  'renderer',
  'cli',
] as const;
export type SrcFolder = (typeof SRC_FOLDERS)[number];

interface FolderPolicy {
  readonly mayImport: readonly SrcFolder[];
  /** Said when this folder imports one it may not. */
  readonly why: string;
}

const POLICY: Readonly<Record<SrcFolder, FolderPolicy>> = {
  shared: {
    mayImport: ['shared'],
    why: 'src/shared holds the pure contracts every process loads, so it imports nothing but itself and pure libraries',
  },
  platform: {
    mayImport: ['platform', 'shared'],
    why: 'src/platform is Node plumbing any process may load, so it depends on no process; pass what it needs in',
  },
  capture: {
    mayImport: ['capture', 'platform', 'shared'],
    why: 'capture runs in its own process; move shared code to src/shared or src/platform',
  },
  engine: {
    mayImport: ['engine', 'platform', 'shared'],
    why: 'the engine runs in its own process; move shared code to src/shared or src/platform',
  },
  core: {
    mayImport: ['core', 'platform', 'shared'],
    why:
      'src/core is the Electron-free app core; it starts capture and engine by entry path ' +
      '(new URL(…, import.meta.url)), never by import; move shared code to src/shared or src/platform',
  },
  main: {
    mayImport: ['main', 'core', 'platform', 'shared'],
    why: 'Electron main reaches capture and engine through src/core and loads the preload and the renderer by path',
  },
  preload: {
    mayImport: ['preload', 'shared'],
    why: 'the preload runs sandboxed beside the page; it shares only the contract in src/shared',
  },
  renderer: {
    mayImport: ['renderer', 'shared'],
    why: 'the renderer is a sandboxed web page; it shares only the contract in src/shared',
  },
  cli: {
    mayImport: ['cli', 'core', 'engine', 'platform', 'shared'],
    why: 'the CLI is a front end beside src/main; it drives the app through src/core',
  },
};

/** Front ends: nothing else may depend on them, whatever the importer's own policy says. */
const ENTRY_ONLY: Partial<Readonly<Record<SrcFolder, string>>> = {
  main: 'src/main is the Electron app itself; nothing outside it imports it; move what others need to src/core or src/shared',
  cli: 'src/cli is the headless front end; nothing outside it imports it; move what others need to src/core or src/shared',
};

/** The helpers a unit test beside the code may take from tests/. */
const TEST_SUPPORT = ['helpers', 'fakes'];

function isSrcFolder(name: string): name is SrcFolder {
  return (SRC_FOLDERS as readonly string[]).includes(name);
}

/** Why an import breaks a boundary, or undefined when it is allowed. */
export type Breach =
  | { readonly kind: 'crossing'; readonly from: string; readonly to: string; readonly why: string }
  | { readonly kind: 'unknown-folder'; readonly folder: string }
  | { readonly kind: 'tests-only-in-unit-tests'; readonly to: string }
  | { readonly kind: 'tests-support-only'; readonly to: string };

/**
 * Checks one import of `target` (an absolute path) by `importer`, a file under src/. Imports
 * that leave both src/ and tests/ (package.json, say) cross no process boundary and pass.
 */
export function checkImport(layout: Layout, importer: string, target: string, unitTest: boolean): Breach | undefined {
  const from = srcFolderOf(layout, importer);
  if (from === undefined) return undefined;
  if (!isSrcFolder(from)) return { kind: 'unknown-folder', folder: `src/${from}` };

  const to = srcFolderOf(layout, target);
  if (to !== undefined) {
    if (to === from) return undefined;
    if (!isSrcFolder(to)) return { kind: 'unknown-folder', folder: `src/${to}` };
    const why = ENTRY_ONLY[to] ?? (POLICY[from].mayImport.includes(to) ? undefined : POLICY[from].why);
    return why === undefined ? undefined : { kind: 'crossing', from: `src/${from}`, to: `src/${to}`, why };
  }

  const testsFolder = testsFolderOf(layout, target);
  if (testsFolder === undefined) return undefined;
  if (!unitTest) return { kind: 'tests-only-in-unit-tests', to: displayPath(layout, target) };
  return TEST_SUPPORT.includes(testsFolder)
    ? undefined
    : { kind: 'tests-support-only', to: displayPath(layout, target) };
}
