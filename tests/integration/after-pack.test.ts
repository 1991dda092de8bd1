/**
 * build/after-pack.ts, the electron-builder hook, on a packed-app layout built in a temporary
 * folder (`<appOutDir>/resources/app.asar.unpacked/node_modules/naudiodon/build/Release/`) with
 * a hand-built ELF addon, so it runs on every OS. That electron-builder itself loads the hook
 * is checked in packaging.test.ts; the rewrite on the real addon in elf-runpath-addon.test.ts.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import afterPackDefault, { afterPack, NAUDIODON_ADDON, NAUDIODON_RELEASE_DIR } from '../../build/after-pack.ts';
import { ORIGIN, readRunpath } from '../../build/elf-runpath.ts';
import { EarshotError } from '../../src/shared/errors.ts';
import { buildElf, DT } from './synthetic-elf.ts';

const BUILD_DIR = '/home/runner/work/earshot/earshot/node_modules/naudiodon/build/Release';
const addonElf = (runpath: boolean): Buffer =>
  buildElf({
    names: ['libportaudio.so.2', 'libc.so.6', BUILD_DIR],
    entries: [
      [DT.NEEDED, 'libportaudio.so.2'],
      [DT.NEEDED, 'libc.so.6'],
      ...(runpath ? [[DT.RUNPATH, BUILD_DIR] as const] : []),
    ],
  }).elf;

let appOutDir = '';
let releaseDir = '';
let addon = '';
let lines: string[] = [];
const log = (line: string): void => void lines.push(line);

/** Lays out a packed Linux app with the given files in naudiodon's Release folder. */
async function pack(files: { addon?: Buffer; portaudio?: boolean }): Promise<void> {
  await mkdir(releaseDir, { recursive: true });
  if (files.addon) await writeFile(addon, files.addon, { mode: 0o755 });
  if (files.portaudio) await writeFile(join(releaseDir, 'libportaudio.so.2'), 'stand-in: only its presence is checked');
}

async function failure(promise: Promise<unknown>): Promise<EarshotError> {
  const error = await promise.then(
    () => new Error('expected the hook to fail the build; it succeeded'),
    (e: unknown) => e,
  );
  if (!(error instanceof EarshotError)) throw error;
  return error;
}

beforeEach(async () => {
  appOutDir = await mkdtemp(join(tmpdir(), 'earshot-after-pack-'));
  releaseDir = join(appOutDir, 'resources', NAUDIODON_RELEASE_DIR);
  addon = join(releaseDir, NAUDIODON_ADDON);
  lines = [];
});
afterEach(async () => {
  await rm(appOutDir, { recursive: true, force: true });
});

describe('afterPack', () => {
  it('is the module’s default export too (electron-builder takes either)', () => {
    expect(afterPackDefault).toBe(afterPack);
  });

  it('does nothing for macOS and Windows builds, which need no fix', async () => {
    await pack({ addon: addonElf(true), portaudio: true });
    const before = await readFile(addon);
    for (const electronPlatformName of ['darwin', 'mas', 'win32']) {
      await afterPack({ appOutDir, electronPlatformName }, log);
    }
    expect((await readFile(addon)).equals(before)).toBe(true);
    expect(lines).toEqual([]);
  });

  it('rewrites the Linux addon’s RUNPATH to $ORIGIN and says so; a second run finds it done', async () => {
    await pack({ addon: addonElf(true), portaudio: true });
    await afterPack({ appOutDir, electronPlatformName: 'linux' }, log);
    expect(await readRunpath(addon)).toBe(ORIGIN);
    expect(lines).toEqual([`afterPack: naudiodon.node RUNPATH ${BUILD_DIR} -> $ORIGIN  file=${addon}`]);

    await afterPack({ appOutDir, electronPlatformName: 'linux' }, log);
    expect(lines[1]).toBe(`afterPack: naudiodon.node RUNPATH already $ORIGIN  file=${addon}`);
  });

  it('fails the build, naming the file, when the addon is not in the packed app', async () => {
    await pack({ portaudio: true });
    const error = await failure(afterPack({ appOutDir, electronPlatformName: 'linux' }, log));
    expect(error.code).toBe('PACKAGING_FAILED');
    expect(error.message).toContain(`${addon} is missing`);
    expect(error.message).toContain('npm ci');
  });

  it('fails the build, leaving the addon as it was, when libportaudio.so.2 is not beside it', async () => {
    await pack({ addon: addonElf(true) });
    const error = await failure(afterPack({ appOutDir, electronPlatformName: 'linux' }, log));
    expect(error.code).toBe('PACKAGING_FAILED');
    expect(error.message).toContain(`needs libportaudio.so.2, which is not beside it in ${releaseDir}`);
    expect(await readRunpath(addon)).toBe(BUILD_DIR);
  });

  it('fails the build with the patcher’s reason when the addon cannot be rewritten', async () => {
    await pack({ addon: addonElf(false), portaudio: true });
    const noRunpath = await failure(afterPack({ appOutDir, electronPlatformName: 'linux' }, log));
    expect(noRunpath.code).toBe('ELF_NO_RUNPATH');
    expect(noRunpath.message).toContain(addon);

    await writeFile(addon, 'not a library');
    expect((await failure(afterPack({ appOutDir, electronPlatformName: 'linux' }, log))).code).toBe('ELF_INVALID');
    expect(lines).toEqual([]);
  });
});
