/**
 * electron-builder really packs the Linux app directory with our electron-builder.yml, and
 * its afterPack hook leaves a naudiodon addon that loads from where the installer puts it.
 * Electron itself cannot be downloaded here, so a stand-in takes its place (electronDist: a
 * folder with a script named `electron`); the stand-in has no fuse wire, so fuses are off for
 * this run. Everything else — the asar, what is unpacked where, the hook — is the real build.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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
// electron-builder's own asar reader, to see what went into the archive and what stayed out.
const asar = appBuilderRequire('@electron/asar') as {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractAll(archive: string, dest: string): void;
};

const skipReason =
  process.platform !== 'linux'
    ? 'the Linux package is built on Linux only'
    : !existsSync(join(RELEASE_DIR, NAUDIODON_ADDON))
      ? 'naudiodon is not built (run npm ci)'
      : null;

/**
 * In a git worktree whose node_modules is a symlink to another checkout's, npm calls the
 * platform package sherpa-onnx-linux-x64 "extraneous" and electron-builder leaves it out of the
 * app; a real install (CI, .ci/run, a developer's clone) packs it, and these checks run there.
 */
const sherpaSkip =
  skipReason === null && lstatSync(join(REPO_ROOT, 'node_modules')).isSymbolicLink()
    ? 'node_modules is a symlink (a git worktree): electron-builder does not see sherpa-onnx-linux-x64'
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
    let output = '';

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
      output = join(work, 'out');
      Object.assign(config, {
        directories: { ...(config['directories'] as object), output },
        electronDist,
        electronFuses: null,
        // The app's own bundle (out/, built by electron-vite) is not needed to test native
        // packaging; what the config leaves out of node_modules still is.
        files: ['package.json', ...(config['files'] as string[]).filter((pattern) => pattern.startsWith('!'))],
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

    it('unpacks only native binaries; every loader stays in the asar, under its integrity check', () => {
      expect(build.code, build.output).toBe(0);
      const unpacked = join(output, 'linux-unpacked', 'resources', 'app.asar.unpacked');
      const files = readdirSync(unpacked, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(unpacked, join(entry.parentPath, entry.name)));
      for (const file of files) expect(file, file).toMatch(/\.(node|so(\.\d+)*|dylib|dll|wasm)$/);
      const expected = [
        join('node_modules', 'naudiodon', 'build', 'Release', 'naudiodon.node'),
        join('node_modules', 'naudiodon', 'build', 'Release', 'libportaudio.so.2'),
      ];
      if (!sherpaSkip) {
        for (const lib of ['sherpa-onnx.node', 'libsherpa-onnx-c-api.so', 'libonnxruntime.so'])
          expected.push(join('node_modules', 'sherpa-onnx-linux-x64', lib));
      }
      expect(files).toEqual(expect.arrayContaining(expected));
      const packed = asar.listPackage(join(output, 'linux-unpacked', 'resources', 'app.asar'), { isPack: true });
      const inArchive = (path: string): boolean =>
        packed.some((line) => line.startsWith('pack ') && line.endsWith(` : ${path}`));
      // The JavaScript that loads the binaries, and the resampler's WASM (read through Electron's asar fs).
      for (const path of [
        '/node_modules/sherpa-onnx-node/addon.js',
        ...(sherpaSkip ? [] : ['/node_modules/sherpa-onnx-linux-x64/index.js']),
        '/node_modules/naudiodon/package.json',
        '/node_modules/@echogarden/speex-resampler-wasm/wasm/speex-resampler-simd.js',
        '/node_modules/@echogarden/speex-resampler-wasm/wasm/speex-resampler-simd.wasm',
      ]) {
        expect(inArchive(path), path).toBe(true);
      }
    });

    it('lays the app out so each loader finds its binary (the archive as Electron presents it)', async () => {
      // Electron shows app.asar as a folder with its unpacked files in place; extractAll builds
      // that same tree on disk, so plain Node can follow the loaders' own paths through it.
      const tree = join(work, 'app-tree');
      asar.extractAll(join(output, 'linux-unpacked', 'resources', 'app.asar'), tree);
      const script = [
        "import { createRequire } from 'node:module';",
        "const require = createRequire(process.argv[1] + '/package.json');",
        "const { default: createSpeex } = await import(require.resolve('@echogarden/speex-resampler-wasm/simd'));",
        "console.log('speex', typeof (await createSpeex())._speex_resampler_init);",
        "const naudiodon = require(process.argv[1] + '/node_modules/naudiodon/build/Release/naudiodon.node');",
        "console.log('naudiodon', typeof naudiodon.getDevices);",
        "if (process.argv[2] === 'sherpa') console.log('sherpa', typeof require('sherpa-onnx-node').OnlineRecognizer);",
      ].join('\n');
      const args = ['--input-type=module', '-e', script, tree, ...(sherpaSkip ? [] : ['sherpa'])];
      const loaded = await run(process.execPath, args, 60_000);
      expect(loaded.code, loaded.output).toBe(0);
      expect(loaded.output).toContain('speex function');
      expect(loaded.output).toContain('naudiodon function');
      if (!sherpaSkip) expect(loaded.output).toContain('sherpa function');
    });

    it.skipIf(sherpaSkip !== null)(
      sherpaSkip
        ? `leaves a sherpa-onnx addon that finds its libraries beside it (skipped: ${sherpaSkip})`
        : 'leaves a sherpa-onnx addon that finds its libraries beside it',
      async () => {
        const addon = join(output, 'linux-unpacked', 'resources', 'app.asar.unpacked', 'node_modules');
        const script =
          'const m = { exports: {} }; process.dlopen(m, process.argv[1]);' +
          'console.log(Object.getOwnPropertyNames(m.exports).length);';
        const loaded = await run(
          process.execPath,
          ['-e', script, join(addon, 'sherpa-onnx-linux-x64', 'sherpa-onnx.node')],
          30_000,
        );
        expect(loaded.code, loaded.output).toBe(0);
        expect(Number(loaded.output.trim())).toBeGreaterThan(0);
      },
    );

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
