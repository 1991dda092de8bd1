/**
 * electron-builder really packs the Linux app directory with our electron-builder.yml, and
 * its afterPack hook leaves a naudiodon addon that loads from where the installer puts it.
 * Electron itself cannot be downloaded here, so a stand-in takes its place (electronDist: a
 * folder with a script named `electron`); the stand-in has no fuse wire, so fuses are off for
 * this run. Everything else — the asar, what is unpacked where, the hook — is the real build.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAUDIODON_ADDON, NAUDIODON_RELEASE_DIR } from '../../build/after-pack.ts';
import { ORIGIN, readRunpath } from '../../build/elf-runpath.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

const require = createRequire(import.meta.url);
const RELEASE_DIR = join(dirname(require.resolve('naudiodon/package.json')), 'build', 'Release');
const appBuilderRequire = createRequire(
  createRequire(require.resolve('electron-builder/package.json')).resolve('app-builder-lib/package.json'),
);
const yaml = appBuilderRequire('js-yaml') as { load(text: string): unknown; dump(value: unknown): string };

const skipReason =
  process.platform !== 'linux'
    ? 'the Linux package is built on Linux only'
    : !existsSync(join(RELEASE_DIR, NAUDIODON_ADDON))
      ? 'naudiodon is not built (run npm ci)'
      : null;

interface Run {
  readonly code: number | null;
  readonly output: string;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for \`${args.join(' ')}\` to exit:\n${output}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(skipReason !== null)(
  skipReason ? `electron-builder --linux dir (skipped: ${skipReason})` : 'electron-builder --linux dir',
  () => {
    let work = '';
    let build: Run = { code: null, output: '' };
    let releaseDir = '';

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'earshot-linux-package-'));
      const electronDist = join(work, 'electron-dist');
      await mkdir(join(electronDist, 'resources'), { recursive: true });
      await writeFile(join(electronDist, 'electron'), '#!/bin/sh\necho stand-in for Electron\n');
      await chmod(join(electronDist, 'electron'), 0o755);

      const config = yaml.load(await readFile(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as Record<
        string,
        unknown
      >;
      const output = join(work, 'out');
      Object.assign(config, {
        directories: { ...(config['directories'] as object), output },
        electronDist,
        electronFuses: null,
        // The app's own bundle (out/, built by electron-vite) is not needed to test native packaging.
        files: ['package.json'],
        disableSanityCheckAsar: true,
        publish: null,
      });
      const configFile = join(work, 'electron-builder.yml');
      await writeFile(configFile, yaml.dump(config));
      const cli = require.resolve('electron-builder/cli.js');
      build = await run(
        process.execPath,
        [cli, '--linux', 'dir', '--config', configFile, '--publish', 'never'],
        150_000,
      );
      releaseDir = join(output, 'linux-unpacked', 'resources', NAUDIODON_RELEASE_DIR);
    }, 180_000);

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('runs the afterPack hook, which rewrites the packed addon’s RUNPATH to $ORIGIN', async () => {
      expect(build.code, build.output).toBe(0);
      const buildDir = await readRunpath(join(RELEASE_DIR, NAUDIODON_ADDON));
      expect(build.output).toContain(`afterPack: naudiodon.node RUNPATH ${buildDir} -> $ORIGIN`);
      expect(await readRunpath(join(releaseDir, NAUDIODON_ADDON))).toBe(ORIGIN);
      expect(existsSync(join(releaseDir, 'libportaudio.so.2'))).toBe(true);
      // The build's own addon in node_modules is not written through.
      expect(await readRunpath(join(RELEASE_DIR, NAUDIODON_ADDON))).toBe(buildDir);
    });

    it('leaves an addon that loads from the packed app', async () => {
      const script =
        'const m = { exports: {} }; process.dlopen(m, process.argv[1]);' +
        'console.log(Object.getOwnPropertyNames(m.exports).join(","));';
      const loaded = await run(process.execPath, ['-e', script, join(releaseDir, NAUDIODON_ADDON)], 30_000);
      expect(loaded.code, loaded.output).toBe(0);
      expect(loaded.output.trim().split(',')).toEqual(expect.arrayContaining(['getDevices', 'create']));
    });
  },
);
