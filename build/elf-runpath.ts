/**
 * Reads and rewrites the library search path (DT_RUNPATH / DT_RPATH) of a 64-bit
 * little-endian ELF shared object, without patchelf or any other tool.
 *
 * Why: node-gyp links naudiodon's addon with `-rpath <build dir>/build/Release`, an absolute
 * path on the build machine. In an installed Linux app the dynamic linker would look for
 * `libportaudio.so.2` there and miss the copy that ships beside the addon. `$ORIGIN` (the
 * addon's own directory) is shorter than any real build path, so the string in `.dynstr` is
 * overwritten in place and NUL-padded: no section moves, the file keeps its size.
 *
 *   node build/elf-runpath.ts show <file>            # prints the RUNPATH (or RPATH)
 *   node build/elf-runpath.ts set <file> [value]     # rewrites it, '$ORIGIN' by default
 */
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { EarshotError } from '../src/shared/errors.ts';
import {
  parse,
  readDynamicInfo,
  stringAt,
  stringReferences,
  type DynamicInfo,
  type SearchPathTag,
} from './elf-dynamic.ts';

export { readDynamicInfo, type DynamicInfo, type SearchPath, type SearchPathTag } from './elf-dynamic.ts';

export const ORIGIN = '$ORIGIN';

export interface RunpathEdit {
  readonly tag: SearchPathTag;
  readonly before: string;
  readonly after: string;
}

export interface RunpathPatch {
  readonly elf: Buffer;
  readonly edits: readonly RunpathEdit[];
  /** False when every entry already held the value (the buffer is then an unchanged copy). */
  readonly changed: boolean;
}

/** The path the dynamic linker searches: RUNPATH when present (it overrides RPATH), else RPATH, else null. */
export function readRunpathFromBuffer(elf: Buffer): string | null {
  const { searchPaths } = readDynamicInfo(elf);
  return (searchPaths.find((s) => s.tag === 'RUNPATH') ?? searchPaths.find((s) => s.tag === 'RPATH'))?.value ?? null;
}

/**
 * Returns a copy of `elf` whose every RUNPATH/RPATH string reads `value`, overwritten in place
 * and NUL-padded. Refuses (EarshotError) a file that is not ELF64 LE, has no RUNPATH/RPATH, or
 * whose old string is shorter than `value` or shares bytes with another name.
 */
export function setRunpathInBuffer(elf: Buffer, value: string = ORIGIN): RunpathPatch {
  if (value.length === 0 || value.includes('\0')) {
    throw new EarshotError(
      'ELF_RUNPATH_UNPATCHABLE',
      'The new library search path must be non-empty and contain no NUL.',
    );
  }
  const p = parse(elf);
  const { searchPaths } = readDynamicInfo(elf);
  if (searchPaths.length === 0) {
    throw new EarshotError('ELF_NO_RUNPATH', 'The library has no RUNPATH or RPATH entry to rewrite.');
  }
  const own = new Set(searchPaths.map((s) => s.offset));
  // Other names as [start, end) file ranges (end = their NUL): one may end inside ours.
  const others = stringReferences(p)
    .map((index) => stringAt(p, index))
    .filter((name) => !own.has(name.offset))
    .map((name) => ({ ...name, end: name.offset + name.length }));
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.from(elf);
  const edits: RunpathEdit[] = [];
  for (const path of searchPaths) {
    if (bytes.length > path.length) {
      throw new EarshotError(
        'ELF_RUNPATH_UNPATCHABLE',
        `The new ${path.tag} "${value}" (${bytes.length} bytes) is longer than the old "${path.value}" (${path.length} bytes); it cannot be rewritten in place.`,
      );
    }
    const end = path.offset + path.length;
    const shared = others.find((name) => name.offset < end && name.end > path.offset);
    if (shared) {
      throw new EarshotError(
        'ELF_RUNPATH_UNPATCHABLE',
        `The ${path.tag} "${path.value}" shares its bytes with the name "${shared.value}" in the string table; rewriting it would corrupt that name.`,
      );
    }
    bytes.copy(out, path.offset);
    out.fill(0, path.offset + bytes.length, end);
    edits.push({ tag: path.tag, before: path.value, after: value });
  }
  return { elf: out, edits, changed: edits.some((e) => e.before !== e.after) };
}

/** Names the file in an error about its contents, keeping the code. */
function aboutFile(error: unknown, file: string): unknown {
  return error instanceof EarshotError
    ? new EarshotError(error.code, `${file}: ${error.message}`, { cause: error })
    : error;
}

export async function readDynamicInfoFromFile(file: string): Promise<DynamicInfo> {
  const elf = await readFile(file);
  try {
    return readDynamicInfo(elf);
  } catch (error) {
    throw aboutFile(error, file);
  }
}

export async function readRunpath(file: string): Promise<string | null> {
  const elf = await readFile(file);
  try {
    return readRunpathFromBuffer(elf);
  } catch (error) {
    throw aboutFile(error, file);
  }
}

/**
 * Rewrites `file`'s RUNPATH/RPATH. The new bytes go to a temporary file beside it that then
 * replaces it (same mode), so a crash never leaves half a library and a hard link to the
 * original (node_modules has them) is never written through. An unchanged file is not rewritten.
 */
export async function patchRunpath(file: string, value: string = ORIGIN): Promise<RunpathPatch> {
  const elf = await readFile(file);
  let patch: RunpathPatch;
  try {
    patch = setRunpathInBuffer(elf, value);
  } catch (error) {
    throw aboutFile(error, file);
  }
  if (!patch.changed) return patch;
  const temporary = `${file}.runpath-${process.pid}.tmp`;
  try {
    await writeFile(temporary, patch.elf, { mode: (await stat(file)).mode & 0o7777 });
    await rename(temporary, file);
  } finally {
    await rm(temporary, { force: true });
  }
  return patch;
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, file, value] = argv;
  if (command === 'show' && file) {
    process.stdout.write(`${(await readRunpath(file)) ?? '(no RUNPATH or RPATH)'}\n`);
  } else if (command === 'set' && file) {
    const { edits, changed } = await patchRunpath(file, value ?? ORIGIN);
    if (!changed) process.stdout.write(`${file}: already ${value ?? ORIGIN}, not rewritten\n`);
    else for (const e of edits) process.stdout.write(`${file}: ${e.tag} ${e.before} -> ${e.after}\n`);
  } else {
    throw new EarshotError(
      'USAGE',
      'Usage: node build/elf-runpath.ts show <file> | set <file> [value, default $ORIGIN]',
    );
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
