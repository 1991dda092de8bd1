/**
 * The RUNPATH fix on the real naudiodon addon, judged by the dynamic linker itself: copies of
 * `naudiodon.node` and `libportaudio.so.2` go to a temporary folder (as they sit side by side
 * in an installed app), the addon's copy is rewritten to `$ORIGIN`, and a child Node loads it
 * with LD_DEBUG=libs, whose trace says where the linker searched and what it loaded. An
 * unrewritten copy beside it is the control: the same checks must tell the two apart.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORIGIN, patchRunpath, readDynamicInfoFromFile, readRunpath } from '../../build/elf-runpath.ts';

const RELEASE_DIR = join(dirname(createRequire(import.meta.url).resolve('naudiodon/package.json')), 'build', 'Release');
const ADDON = 'naudiodon.node';
const PORTAUDIO = 'libportaudio.so.2';

const skipReason =
  process.platform !== 'linux'
    ? 'the addon is an ELF file only on Linux'
    : !existsSync(join(RELEASE_DIR, ADDON))
      ? `naudiodon is not built (${join(RELEASE_DIR, ADDON)} is missing; run npm ci)`
      : null;

/** Whether this machine lets an unprivileged process mount a tmpfs in its own mount namespace. */
function canHideDirectories(): boolean {
  if (skipReason) return false;
  const probe = mkdtempSync(join(tmpdir(), 'earshot-unshare-probe-'));
  try {
    const args = ['--mount', '--map-root-user', 'sh', '-c', 'mount -t tmpfs earshot-probe "$0"', probe];
    return spawnSync('unshare', args, { timeout: 10_000, stdio: 'ignore' }).status === 0;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
const hideReason = skipReason ?? (canHideDirectories() ? null : 'unshare cannot create a mount namespace here');
const readelfReason =
  spawnSync('readelf', ['--version'], { timeout: 10_000, stdio: 'ignore' }).status === 0
    ? null
    : 'readelf (binutils) is not installed';
const title = (name: string, reason: string | null): string => (reason ? `${name} (skipped: ${reason})` : name);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // A clean environment: LD_LIBRARY_PATH or LD_PRELOAD would decide the search before RUNPATH.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_DEBUG: 'libs' };
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after 30 s waiting for \`${command} ${args.join(' ')}\` to exit`));
    }, 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Loads an addon in a child Node (optionally in a namespace hiding `hide`) and reports what happened. */
async function load(addon: string, hide?: string): Promise<{ exports?: string[]; error?: string; trace: string }> {
  const script =
    'const m = { exports: {} };' +
    'try { process.dlopen(m, process.argv[1]); console.log(JSON.stringify({ exports: Object.getOwnPropertyNames(m.exports) })); }' +
    'catch (e) { console.log(JSON.stringify({ error: e.message })); }';
  const node = [process.execPath, '-e', script, addon];
  const result = hide
    ? await run('unshare', [
        '--mount',
        '--map-root-user',
        'sh',
        '-c',
        'mount -t tmpfs earshot-hidden "$0" && exec "$@"',
        hide,
        ...node,
      ])
    : await run(node[0]!, node.slice(1));
  expect(result.code, `child exited with ${result.code}: ${result.stderr.slice(-2000)}`).toBe(0);
  return { ...(JSON.parse(result.stdout) as { exports?: string[]; error?: string }), trace: result.stderr };
}

interface Lookup {
  /** Each " search path=" line: its directories and where they came from ("RUNPATH from file …"). */
  readonly searches: { readonly dirs: readonly string[]; readonly source: string }[];
  readonly tried: readonly string[];
}

/** The linker's search for `library` in an LD_DEBUG=libs trace. */
function lookupIn(trace: string, library: string): Lookup {
  const lines = trace.split('\n').map((line) => line.replace(/^\s*\d+:\t?/, ''));
  const start = lines.findIndex((line) => line.startsWith(`find library=${library} `));
  if (start < 0) throw new Error(`the linker trace never looks for ${library}:\n${trace.slice(0, 3000)}`);
  const searches: { dirs: string[]; source: string }[] = [];
  const tried: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const search = /^ search path=(\S*)\s+\((.*)\)$/.exec(line);
    const trying = /^ {2}trying file=(.*)$/.exec(line);
    if (search) searches.push({ dirs: search[1]!.split(':'), source: search[2]! });
    else if (trying) tried.push(trying[1]!);
    else break;
  }
  return { searches, tried };
}

describe.skipIf(skipReason !== null)(title('the rewritten naudiodon addon', skipReason), () => {
  // Three folders, each holding copies of the addon and PortAudio side by side: one rewritten
  // here, one left as built (the control), one for the rewrite's own checks.
  let [patchedDir, controlDir, scratchDir] = ['', '', ''];
  let buildDir: string | null = null;

  beforeAll(async () => {
    const dirs: string[] = [];
    for (const name of ['patched', 'control', 'scratch']) {
      // realpath: the linker reports $ORIGIN as the real directory the addon was opened from.
      const dir = realpathSync(await mkdtemp(join(tmpdir(), `earshot-runpath-${name}-`)));
      for (const file of [ADDON, PORTAUDIO]) await copyFile(join(RELEASE_DIR, file), join(dir, file));
      dirs.push(dir);
    }
    [patchedDir, controlDir, scratchDir] = dirs as [string, string, string];
    buildDir = await readRunpath(join(RELEASE_DIR, ADDON));
    await patchRunpath(join(patchedDir, ADDON));
  });
  afterAll(async () => {
    for (const dir of [patchedDir, controlDir, scratchDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('was linked by node-gyp with an absolute RUNPATH to its build directory, and needs libportaudio.so.2', async () => {
    expect(buildDir).not.toBeNull();
    expect(isAbsolute(buildDir!), `RUNPATH ${buildDir}`).toBe(true);
    expect(buildDir).toMatch(/[/]naudiodon[/]build[/]Release$/);
    expect(await readRunpath(join(controlDir, ADDON))).toBe(buildDir);
    expect((await readDynamicInfoFromFile(join(controlDir, ADDON))).needed).toContain(PORTAUDIO);
    expect(await readRunpath(join(controlDir, PORTAUDIO))).toBeNull();
  });

  it(title('reads what readelf -d reads, before and after the rewrite', readelfReason), async ({ skip }) => {
    if (readelfReason) return skip(readelfReason);
    for (const dir of [controlDir, patchedDir]) {
      const { stdout } = await run('readelf', ['-d', join(dir, ADDON)]);
      const info = await readDynamicInfoFromFile(join(dir, ADDON));
      expect(info.needed).toEqual([...stdout.matchAll(/Shared library: \[(.*)\]/g)].map((m) => m[1]));
      expect(info.soname).toBe(/Library soname: \[(.*)\]/.exec(stdout)?.[1]);
      expect(info.searchPaths.map((p) => p.value)).toEqual(
        [...stdout.matchAll(/Library runpath: \[(.*)\]/g)].map((m) => m[1]),
      );
    }
  });

  it('is rewritten to $ORIGIN: same size and mode, only the path’s bytes change; a second run leaves it alone', async () => {
    const file = join(scratchDir, ADDON);
    const [before, modeBefore] = [await readFile(file), (await stat(file)).mode];
    const patch = await patchRunpath(file);
    expect(patch.edits).toEqual([{ tag: 'RUNPATH', before: buildDir, after: ORIGIN }]);
    const after = await readFile(file);
    expect(await readRunpath(file)).toBe(ORIGIN);
    expect(after.length).toBe(before.length);
    expect((await stat(file)).mode).toBe(modeBefore);
    const changed = [...after.keys()].filter((i) => after[i] !== before[i]);
    expect(changed.length).toBeGreaterThan(0);
    expect(Math.max(...changed) - Math.min(...changed)).toBeLessThan(buildDir!.length);

    const again = await patchRunpath(file);
    expect(again.changed).toBe(false);
    expect((await readFile(file)).equals(after)).toBe(true);
    // Only the copy changed: the addon in node_modules keeps its build path.
    expect(await readRunpath(join(RELEASE_DIR, ADDON))).toBe(buildDir);
  });

  it('finds libportaudio.so.2 beside itself through $ORIGIN and loads; the build directory is never searched', async () => {
    const patched = await load(join(patchedDir, ADDON));
    expect(patched.error).toBeUndefined();
    expect(patched.exports).toEqual(expect.arrayContaining(['getDevices', 'create']));
    const lookup = lookupIn(patched.trace, PORTAUDIO);
    expect(lookup.searches).toHaveLength(1);
    expect(lookup.searches[0]!.source).toBe(`RUNPATH from file ${join(patchedDir, ADDON)}`);
    expect(lookup.searches[0]!.dirs).toContain(patchedDir);
    expect(lookup.tried.at(-1)).toBe(join(patchedDir, PORTAUDIO));
    expect(patched.trace).toContain(`calling init: ${join(patchedDir, PORTAUDIO)}`);
    expect(patched.trace).not.toContain(buildDir!);

    // The control (not rewritten) searches its build directory, and loads the library from there.
    const control = await load(join(controlDir, ADDON));
    const controlLookup = lookupIn(control.trace, PORTAUDIO);
    expect(controlLookup.searches[0]!.dirs).toContain(buildDir!);
    expect(controlLookup.searches[0]!.dirs).not.toContain(controlDir);
    expect(control.trace).toContain(`calling init: ${join(buildDir!, PORTAUDIO)}`);
  });

  it(
    title('loads with its build directory hidden (a private mount namespace), where the control cannot', hideReason),
    async ({ skip }) => {
      if (hideReason) return skip(hideReason);
      const patched = await load(join(patchedDir, ADDON), buildDir!);
      expect(patched.error).toBeUndefined();
      expect(patched.exports).toContain('getDevices');
      expect(patched.trace).toContain(`calling init: ${join(patchedDir, PORTAUDIO)}`);

      const control = await load(join(controlDir, ADDON), buildDir!);
      // The tmpfs really covers the build directory: the linker tries it and finds nothing.
      expect(lookupIn(control.trace, PORTAUDIO).tried).toContain(join(buildDir!, PORTAUDIO));
      expect(control.trace).not.toContain(`calling init: ${join(buildDir!, PORTAUDIO)}`);
      expect(control.trace).not.toContain(`calling init: ${join(controlDir, PORTAUDIO)}`);
      // Unless the system has its own PortAudio (then that one loads instead), the control fails.
      if (control.error !== undefined) expect(control.error).toContain(`${PORTAUDIO}: cannot open shared object file`);
      else
        expect(control.trace).toMatch(new RegExp(`calling init: /(usr/)?lib\\S*/${PORTAUDIO.replace(/\./g, '\\.')}`));
    },
  );
});
