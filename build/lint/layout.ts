/**
 * Where a file sits in Earshot's tree, in the terms the import rules speak: which top-level
 * folder under src/ (one process, or a layer several processes share), whether it is a unit
 * test, and how a relative import specifier lands on a file. Pure path arithmetic: nothing
 * here touches the disk, so both rules can ask it for every import without cost.
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** One project's tree: `srcDir` is its src/ folder, its tests/ folder sits beside it. */
export interface Layout {
  readonly srcDir: string;
  readonly projectRoot: string;
  readonly testsDir: string;
}

export function layoutOf(srcDir: string): Layout {
  const projectRoot = dirname(srcDir);
  return { srcDir, projectRoot, testsDir: join(projectRoot, 'tests') };
}

/** The path relative to `dir` as a list of segments, or undefined when `file` lies outside it. */
function segmentsUnder(dir: string, file: string): string[] | undefined {
  const rel = relative(dir, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep);
}

/** The top-level folder under src/ that holds `file` ('' for a file directly in src/), or undefined outside src/. */
export function srcFolderOf(layout: Layout, file: string): string | undefined {
  const segments = segmentsUnder(layout.srcDir, file);
  if (segments === undefined) return undefined;
  return segments.length > 1 ? segments[0] : '';
}

/** The folder directly under tests/ that holds `file` (helpers, fakes …), or undefined outside tests/. */
export function testsFolderOf(layout: Layout, file: string): string | undefined {
  return segmentsUnder(layout.testsDir, file)?.[0];
}

/** How a message names a path: relative to the project, with forward slashes on every OS. */
export function displayPath(layout: Layout, file: string): string {
  return relative(layout.projectRoot, file).split(sep).join('/');
}

export function isUnitTest(file: string): boolean {
  return file.endsWith('.test.ts');
}

/** Only `./` and `../` specifiers name files of ours; bare ones are packages or Node built-ins. */
export function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

/** The absolute path a relative specifier names, before any extension is tried. */
export function targetOf(importer: string, specifier: string): string {
  return resolve(dirname(importer), specifier);
}

/**
 * The files a specifier may mean, in the order TypeScript and Vite try them: the path itself
 * (`./a.ts`, `./View.svelte`), `.js` written for a `.ts` source (`./a.js`, `./state.svelte.js`),
 * or an extension-less path (`./a` → a.ts, a.svelte.ts, a.svelte, a.js, a/index.ts).
 */
export function candidateFiles(target: string): string[] {
  if (target.endsWith('.js')) return [target, `${target.slice(0, -'.js'.length)}.ts`];
  return [
    target,
    `${target}.ts`,
    `${target}.svelte.ts`,
    `${target}.svelte`,
    `${target}.js`,
    join(target, 'index.ts'),
    join(target, 'index.js'),
  ];
}
