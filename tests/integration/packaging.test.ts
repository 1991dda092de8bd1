/**
 * The packaging config and the CI workflows cannot run here (electron-builder downloads
 * Electron; GitHub runners are elsewhere), so their content is checked: electron-builder's
 * own schema validation, the security-relevant settings, and that everything they point at
 * exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';

// electron-builder's own YAML parser and schema validator (not part of its public API, so they
// are resolved from its install; the lockfile pins the version).
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json'));
const appBuilderRequire = createRequire(builderRequire.resolve('app-builder-lib/package.json'));
const { load } = appBuilderRequire('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = appBuilderRequire('./out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = appBuilderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
// How electron-builder turns a hook setting (a path) into the function it calls.
const { resolveFunction } = appBuilderRequire('./out/util/resolve.js') as {
  resolveFunction(type: unknown, executor: unknown, name: string, rootSearchDir: string): Promise<unknown>;
};

type Config = Record<string, unknown>;

/** Reads a nested value of parsed YAML: at(config, 'mac', 'extendInfo', 'NSMicrophoneUsageDescription'). */
function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Config)[key] : undefined),
    value,
  );
}

const readYaml = (path: string): Config => load(readFileSync(join(REPO_ROOT, path), 'utf8')) as Config;
const config = readYaml('electron-builder.yml');

describe('electron-builder.yml', () => {
  it('passes electron-builder’s own schema validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app and never rebuilds the N-API addons', () => {
    expect(config['appId']).toMatch(/^[a-z0-9.-]+$/);
    expect(config['productName']).toBe('Earshot');
    expect(config['npmRebuild']).toBe(false);
  });

  it('locks the packaged Electron down with fuses', () => {
    expect(config['electronFuses']).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
    });
    // The renderer is a file:// page whose module scripts need file://'s extra privileges.
    expect(at(config, 'electronFuses', 'grantFileProtocolExtraPrivileges')).not.toBe(false);
  });

  it('unpacks native code from the asar', () => {
    expect(config['asarUnpack']).toEqual(expect.arrayContaining(['**/*.node']));
    // Every platform's shared libraries: Linux (versioned too), macOS, Windows.
    expect(config['asarUnpack']).toEqual(
      expect.arrayContaining(['**/*.so', '**/*.so.+([0-9.])', '**/*.dylib', '**/*.dll']),
    );
  });

  it('unpacks nothing but native binaries and WASM: all JavaScript stays under the asar integrity check', () => {
    const patterns = config['asarUnpack'] as string[];
    for (const pattern of patterns) {
      // A pattern names files by a binary extension only: no folders, no whole packages.
      expect(pattern, pattern).toMatch(/^\*\*\/\*\.(node|so|so\.\+\(\[0-9\.\]\)|dylib|dll|wasm)$/);
    }
    // Without this electron-builder unpacks every package holding a binary whole, loaders included.
    expect(at(config, 'asar', 'smartUnpack')).toBe(false);
  });

  it('has an afterPack hook that electron-builder loads, and that fixes the Linux addon only', async () => {
    // The path is resolved against the working directory electron-builder runs in: the repository.
    expect(config['afterPack']).toBe('build/after-pack.ts');
    expect(existsSync(join(REPO_ROOT, 'build', 'after-pack.ts'))).toBe(true);
    expect(relative(process.cwd(), REPO_ROOT), 'tests run from the repository root').toBe('');
    const hook = await resolveFunction(undefined, config['afterPack'], 'afterPack', REPO_ROOT);
    expect(hook).toBeTypeOf('function');
    const afterPack = hook as (context: { appOutDir: string; electronPlatformName: string }) => Promise<void>;
    const appOutDir = join(REPO_ROOT, 'release', 'no-such-app');
    await expect(afterPack({ appOutDir, electronPlatformName: 'darwin' })).resolves.toBeUndefined();
    await expect(afterPack({ appOutDir, electronPlatformName: 'linux' })).rejects.toMatchObject({
      code: 'PACKAGING_FAILED',
      message: expect.stringContaining('naudiodon.node is missing') as string,
    });
  });

  it('ships a hardened, notarizable macOS dmg that may use the microphone', () => {
    const mac = config['mac'] as Config;
    expect(mac['target']).toContain('dmg');
    expect(mac['hardenedRuntime']).toBe(true);
    expect(at(mac, 'extendInfo', 'NSMicrophoneUsageDescription')).toMatch(/microphone/i);
    // Without it macOS 14.2+ hands meeting mode's system-audio tap silence.
    expect(at(mac, 'extendInfo', 'NSAudioCaptureUsageDescription')).toMatch(/plays/i);
    for (const file of [mac['entitlements'], mac['entitlementsInherit']] as string[]) {
      const plist = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect(plist).toMatch(/<key>com\.apple\.security\.device\.audio-input<\/key>\s*<true\/>/);
      expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    }
  });

  it('asks macOS for the minimum: JIT for V8 and the microphone, no other runtime exception', () => {
    const mac = config['mac'] as Config;
    for (const file of new Set([mac['entitlements'], mac['entitlementsInherit']] as string[])) {
      const plist = readFileSync(join(REPO_ROOT, file), 'utf8');
      // The keys themselves, not the comment that explains why they are left out.
      const withoutComments = plist.replace(/<!--[\s\S]*?-->/g, '');
      const keys = [...withoutComments.matchAll(/<key>([^<]+)<\/key>\s*<(true|false)\/>/g)].map((m) => [m[1], m[2]]);
      expect(keys, file).toEqual([
        ['com.apple.security.cs.allow-jit', 'true'],
        ['com.apple.security.device.audio-input', 'true'],
      ]);
      expect(withoutComments).not.toContain('disable-library-validation');
      expect(withoutComments).not.toContain('allow-unsigned-executable-memory');
      // Each omission is explained where the next person will look.
      expect(plist).toMatch(/disable-library-validation:/);
      expect(plist).toMatch(/allow-unsigned-executable-memory:/);
    }
  });

  it('builds nsis on Windows and AppImage + deb on Linux', () => {
    expect(at(config, 'win', 'target')).toEqual(['nsis']);
    expect(at(config, 'linux', 'target')).toEqual(['AppImage', 'deb']);
    expect(at(config, 'deb', 'depends')).toContain('libasound2');
  });

  it('points only at files that exist', () => {
    for (const icon of ['mac', 'win', 'linux'].map((os) => String(at(config, os, 'icon')))) {
      expect(existsSync(join(REPO_ROOT, icon)), icon).toBe(true);
    }
    for (const resource of config['extraResources'] as { from: string }[]) {
      expect(existsSync(join(REPO_ROOT, resource.from)), resource.from).toBe(true);
    }
  });
});

describe('GitHub workflows', () => {
  const workflows = readdirSync(join(REPO_ROOT, '.github', 'workflows')).filter((f) => f.endsWith('.yml'));
  const steps = (workflow: Config): Config[] =>
    Object.values(workflow['jobs'] as Record<string, Config>).flatMap((job) => job['steps'] as Config[]);
  const runs = (workflow: Config): string =>
    steps(workflow)
      .map((s) => (typeof s['run'] === 'string' ? s['run'] : ''))
      .join('\n');
  const oses = (workflow: Config): string[] =>
    Object.values(workflow['jobs'] as Record<string, Config>).flatMap((job) => {
      const include = (at(job, 'strategy', 'matrix', 'include') ?? []) as Config[];
      return include.length > 0 ? include.map((m) => String(m['os'])) : [String(job['runs-on'])];
    });

  it('parse, and every job has steps and a timeout', () => {
    expect(workflows.sort()).toEqual(['build.yml', 'test.yml']);
    for (const file of workflows) {
      const workflow = readYaml(join('.github', 'workflows', file));
      for (const [name, job] of Object.entries(workflow['jobs'] as Record<string, Config>)) {
        expect(Array.isArray(job['steps']) && job['steps'].length > 0, `${file}:${name}`).toBe(true);
        expect(job['timeout-minutes'], `${file}:${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('test.yml runs npm test on Linux, macOS and Windows, and the Electron e2e test', () => {
    const workflow = readYaml('.github/workflows/test.yml');
    const all = oses(workflow).join(' ');
    for (const os of ['ubuntu', 'macos', 'windows']) expect(all).toContain(os);
    expect(runs(workflow)).toContain('npm test');
    expect(runs(workflow)).toContain('.ci/run');
    expect(runs(workflow)).toContain('tests/e2e/electron.test.ts');
  });

  it('build.yml packages with electron-builder on macOS, Windows and Linux', () => {
    const workflow = readYaml('.github/workflows/build.yml');
    const all = oses(workflow).join(' ');
    for (const os of ['ubuntu', 'macos', 'windows']) expect(all).toContain(os);
    expect(runs(workflow)).toContain('electron-builder --publish');
  });

  it('uses only local actions that exist', () => {
    for (const file of workflows) {
      for (const step of steps(readYaml(join('.github', 'workflows', file)))) {
        const uses = step['uses'] as string | undefined;
        if (uses?.startsWith('./')) expect(existsSync(join(REPO_ROOT, uses, 'action.yml')), uses).toBe(true);
      }
    }
  });
});
