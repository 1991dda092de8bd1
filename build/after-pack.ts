/**
 * electron-builder `afterPack` hook (electron-builder.yml: `afterPack: build/after-pack.ts`).
 *
 * On Linux, node-gyp links naudiodon's addon with an absolute RUNPATH to the directory it was
 * built in, so an installed app (AppImage, deb) would look for `libportaudio.so.2` on the build
 * machine's path and fail to load capture unless the system happens to have PortAudio. This
 * rewrites that RUNPATH to `$ORIGIN`: the addon's own directory, where the library ships.
 * macOS needs nothing (the addon uses `@loader_path`), nor Windows (DLLs beside a module load).
 *
 * electron-builder loads a hook with Node's own `require()` (falling back to `import()`) in the
 * process that runs it, and the build runs on Node 24, which strips TypeScript types itself —
 * so this file is loaded as it is, like every other script under build/ (`node build/*.ts`).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { AfterPackContext } from 'electron-builder';
import { EarshotError } from '../src/shared/errors.ts';
import { ORIGIN, patchRunpath, readDynamicInfoFromFile, readRunpath, type RunpathPatch } from './elf-runpath.ts';

/** naudiodon's build output inside a packaged app's resources directory (asarUnpack keeps it a real folder). */
export const NAUDIODON_RELEASE_DIR = join('app.asar.unpacked', 'node_modules', 'naudiodon', 'build', 'Release');
export const NAUDIODON_ADDON = 'naudiodon.node';

export type Log = (line: string) => void;

/** electron-builder's own log style, so the line sits among its `• packaging …` lines. */
const builderLog: Log = (line) => process.stdout.write(`  • ${line}\n`);

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Points naudiodon's addon in `resourcesDir` at the libraries beside it. Fails the build (an
 * EarshotError naming the file) when the addon or the PortAudio library it needs is missing,
 * or when its RUNPATH cannot be rewritten — an installer without working capture is worse
 * than no installer.
 */
export async function fixNaudiodonRunpath(resourcesDir: string, log: Log = builderLog): Promise<RunpathPatch> {
  const dir = join(resourcesDir, NAUDIODON_RELEASE_DIR);
  const addon = join(dir, NAUDIODON_ADDON);
  if (!(await exists(addon))) {
    throw new EarshotError(
      'PACKAGING_FAILED',
      `afterPack: ${addon} is missing. Run \`npm ci\` on this machine so naudiodon is built, and keep ` +
        '`node_modules/naudiodon/build/Release/**` in asarUnpack (electron-builder.yml).',
    );
  }
  // The libraries the addon expects beside it: without them $ORIGIN would point at nothing.
  const { needed } = await readDynamicInfoFromFile(addon);
  for (const library of needed.filter((name) => name.startsWith('libportaudio'))) {
    if (!(await exists(join(dir, library)))) {
      throw new EarshotError(
        'PACKAGING_FAILED',
        `afterPack: ${addon} needs ${library}, which is not beside it in ${dir}. naudiodon's build copies it ` +
          'there; check that `npm ci` finished and that electron-builder.yml does not exclude it.',
      );
    }
  }
  const patch = await patchRunpath(addon, ORIGIN);
  const now = await readRunpath(addon);
  if (now !== ORIGIN) {
    throw new EarshotError(
      'PACKAGING_FAILED',
      `afterPack: ${addon} still has RUNPATH ${String(now)} after the rewrite.`,
    );
  }
  for (const edit of patch.edits) {
    log(
      patch.changed
        ? `afterPack: ${NAUDIODON_ADDON} ${edit.tag} ${edit.before} -> ${edit.after}  file=${addon}`
        : `afterPack: ${NAUDIODON_ADDON} ${edit.tag} already ${edit.after}  file=${addon}`,
    );
  }
  return patch;
}

/** The hook electron-builder calls once per platform and architecture it packs. */
export async function afterPack(
  context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName'>,
  log: Log = builderLog,
): Promise<void> {
  if (context.electronPlatformName !== 'linux') return;
  await fixNaudiodonRunpath(join(context.appOutDir, 'resources'), log);
}

export default afterPack;
