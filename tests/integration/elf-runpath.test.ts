/**
 * build/elf-runpath.ts on hand-built ELF files: reading, rewriting in place, and every refusal
 * (wrong format, damaged, no RUNPATH, too long, bytes shared with another name). The real
 * naudiodon addon is covered in elf-runpath-addon.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ORIGIN, readDynamicInfo, readRunpathFromBuffer, setRunpathInBuffer } from '../../build/elf-runpath.ts';
import { EarshotError, type ErrorCode } from '../../src/shared/errors.ts';
import { buildElf, DT, DYNAMIC_AT, indexIn, type ElfSpec } from './synthetic-elf.ts';

const BUILD_DIR = '/home/ci/work/earshot/node_modules/naudiodon/build/Release';
const NAMES = ['libportaudio.so.2', 'libc.so.6', BUILD_DIR, 'naudiodon.node', 'Pa_Initialize', 'PORTAUDIO_2'];
const ADDON: ElfSpec = {
  names: NAMES,
  entries: [
    [DT.NEEDED, 'libportaudio.so.2'],
    [DT.NEEDED, 'libc.so.6'],
    [DT.SONAME, 'naudiodon.node'],
    [DT.RUNPATH, BUILD_DIR],
  ],
  verneed: { file: 'libportaudio.so.2', name: 'PORTAUDIO_2' },
  dynsym: ['Pa_Initialize'],
};

/** The EarshotError `action` throws, as {code, message}; anything else thrown (a RangeError) fails the test. */
function refusal(action: () => unknown): { code: ErrorCode; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof EarshotError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an EarshotError; nothing was thrown');
}

describe('reading and rewriting RUNPATH', () => {
  it('reads NEEDED, SONAME and RUNPATH', () => {
    const { elf, strtab } = buildElf(ADDON);
    expect(readDynamicInfo(elf)).toEqual({
      needed: ['libportaudio.so.2', 'libc.so.6'],
      soname: 'naudiodon.node',
      searchPaths: [
        { tag: 'RUNPATH', value: BUILD_DIR, offset: strtab + indexIn(NAMES, BUILD_DIR), length: BUILD_DIR.length },
      ],
    });
    expect(readRunpathFromBuffer(elf)).toBe(BUILD_DIR);
  });

  it('rewrites the string in place: $ORIGIN, then NULs to the old end; nothing else changes, the input is untouched', () => {
    const { elf, strtab } = buildElf(ADDON);
    const original = Buffer.from(elf);
    const patch = setRunpathInBuffer(elf);
    expect(patch).toMatchObject({ changed: true, edits: [{ tag: 'RUNPATH', before: BUILD_DIR, after: ORIGIN }] });
    expect(elf.equals(original)).toBe(true);
    expect(patch.elf.length).toBe(elf.length);

    const start = strtab + indexIn(NAMES, BUILD_DIR);
    const changed = [...patch.elf.keys()].filter((i) => patch.elf[i] !== elf[i]);
    expect(changed.length).toBeGreaterThan(0);
    expect(Math.min(...changed)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...changed)).toBeLessThan(start + BUILD_DIR.length);
    expect(patch.elf.toString('latin1', start, start + BUILD_DIR.length + 1)).toBe(
      ORIGIN + '\0'.repeat(BUILD_DIR.length + 1 - ORIGIN.length),
    );
    expect(readDynamicInfo(patch.elf)).toMatchObject({
      needed: ['libportaudio.so.2', 'libc.so.6'],
      soname: 'naudiodon.node',
      searchPaths: [{ tag: 'RUNPATH', value: ORIGIN }],
    });
  });

  it('leaves an already-rewritten file as it is', () => {
    const once = setRunpathInBuffer(buildElf(ADDON).elf).elf;
    const twice = setRunpathInBuffer(once);
    expect(twice.changed).toBe(false);
    expect(twice.edits).toEqual([{ tag: 'RUNPATH', before: ORIGIN, after: ORIGIN }]);
    expect(twice.elf.equals(once)).toBe(true);
  });

  it('falls back to RPATH when there is no RUNPATH, and rewrites it', () => {
    const { elf } = buildElf({ names: [BUILD_DIR], entries: [[DT.RPATH, BUILD_DIR]] });
    expect(readRunpathFromBuffer(elf)).toBe(BUILD_DIR);
    const patch = setRunpathInBuffer(elf);
    expect(patch.edits).toEqual([{ tag: 'RPATH', before: BUILD_DIR, after: ORIGIN }]);
    expect(readDynamicInfo(patch.elf).searchPaths).toMatchObject([{ tag: 'RPATH', value: ORIGIN }]);
  });

  it('reads RUNPATH over RPATH (the linker ignores RPATH then) and rewrites both', () => {
    const { elf } = buildElf({
      names: ['/old/rpath', BUILD_DIR],
      entries: [
        [DT.RPATH, '/old/rpath'],
        [DT.RUNPATH, BUILD_DIR],
      ],
    });
    expect(readRunpathFromBuffer(elf)).toBe(BUILD_DIR);
    const patch = setRunpathInBuffer(elf);
    expect(patch.edits.map((e) => [e.tag, e.before, e.after])).toEqual([
      ['RPATH', '/old/rpath', ORIGIN],
      ['RUNPATH', BUILD_DIR, ORIGIN],
    ]);
    expect(readDynamicInfo(patch.elf).searchPaths.map((s) => s.value)).toEqual([ORIGIN, ORIGIN]);
  });

  it('takes a value exactly as long as the old one, and refuses one byte more', () => {
    const { elf } = buildElf({ names: ['/abcdefg'], entries: [[DT.RUNPATH, '/abcdefg']] });
    expect(readRunpathFromBuffer(setRunpathInBuffer(elf, '$ORIGIN/').elf)).toBe('$ORIGIN/');
    const tooLong = refusal(() => setRunpathInBuffer(elf, '$ORIGIN/x'));
    expect(tooLong.code).toBe('ELF_RUNPATH_UNPATCHABLE');
    expect(tooLong.message).toContain('longer than the old "/abcdefg"');
    // Lengths are bytes, not characters: 'é' is two bytes in UTF-8.
    expect(refusal(() => setRunpathInBuffer(elf, '$ORIGINé')).code).toBe('ELF_RUNPATH_UNPATCHABLE');
  });

  it('refuses an empty value or one with a NUL in it', () => {
    const { elf } = buildElf(ADDON);
    expect(refusal(() => setRunpathInBuffer(elf, '')).code).toBe('ELF_RUNPATH_UNPATCHABLE');
    expect(refusal(() => setRunpathInBuffer(elf, '$ORIGIN\0/x')).code).toBe('ELF_RUNPATH_UNPATCHABLE');
  });
});

describe('refusing names that share the RUNPATH’s bytes', () => {
  // Linkers may store a name that is the tail of another only once: "Release" inside ".../Release".
  const tail = indexIn(NAMES, BUILD_DIR) + BUILD_DIR.lastIndexOf('/') + 1;
  const cases: [string, Partial<ElfSpec>][] = [
    ['a NEEDED library', { entries: [...ADDON.entries, [DT.NEEDED, tail]] }],
    ['a symbol version’s file', { verneed: { file: tail, name: 'PORTAUDIO_2' } }],
    ['a dynamic symbol', { dynsym: ['Pa_Initialize', tail] }],
    ['a version this library defines', { verdef: tail }],
  ];
  for (const [what, change] of cases) {
    it(`when ${what} is its tail`, () => {
      const { elf } = buildElf({ ...ADDON, ...change });
      const { code, message } = refusal(() => setRunpathInBuffer(elf));
      expect(code).toBe('ELF_RUNPATH_UNPATCHABLE');
      expect(message).toContain('shares its bytes with the name "Release"');
    });
  }

  it('when the RUNPATH is itself the tail of a longer name', () => {
    const { elf } = buildElf({
      names: ['/opt' + BUILD_DIR],
      entries: [
        [DT.NEEDED, '/opt' + BUILD_DIR],
        [DT.RUNPATH, indexIn(['/opt' + BUILD_DIR], '/opt' + BUILD_DIR) + 4],
      ],
    });
    expect(readRunpathFromBuffer(elf)).toBe(BUILD_DIR);
    expect(refusal(() => setRunpathInBuffer(elf)).message).toContain(`"/opt${BUILD_DIR}"`);
  });

  it('but not names beside it: the name just after the RUNPATH survives the rewrite', () => {
    const patched = setRunpathInBuffer(buildElf(ADDON).elf).elf;
    expect(readDynamicInfo(patched).soname).toBe('naudiodon.node'); // stored right after BUILD_DIR's NUL
    expect(NAMES.indexOf('naudiodon.node')).toBe(NAMES.indexOf(BUILD_DIR) + 1);
  });
});

describe('refusing files it cannot handle', () => {
  it('with no RUNPATH or RPATH, or no dynamic section at all', () => {
    const plain = buildElf({ names: ['libc.so.6'], entries: [[DT.NEEDED, 'libc.so.6']] }).elf;
    expect(readRunpathFromBuffer(plain)).toBeNull();
    expect(refusal(() => setRunpathInBuffer(plain))).toMatchObject({ code: 'ELF_NO_RUNPATH' });
    const noDynamic = buildElf({ ...ADDON, noDynamic: true }).elf;
    expect(refusal(() => setRunpathInBuffer(noDynamic))).toMatchObject({
      code: 'ELF_NO_RUNPATH',
      message: expect.stringContaining('no dynamic section') as string,
    });
  });

  it('that are not 64-bit little-endian ELF', () => {
    const { elf } = buildElf(ADDON);
    const edited = (offset: number, value: number): Buffer => {
      const copy = Buffer.from(elf);
      copy[offset] = value;
      return copy;
    };
    expect(refusal(() => setRunpathInBuffer(Buffer.from('#!/bin/sh\necho not a library\n')))).toMatchObject({
      code: 'ELF_INVALID',
      message: expect.stringContaining('no ELF magic') as string,
    });
    expect(refusal(() => setRunpathInBuffer(edited(4, 1))).message).toContain('not ELFCLASS64');
    expect(refusal(() => setRunpathInBuffer(edited(5, 2))).message).toContain('not little-endian');
    expect(refusal(() => readDynamicInfo(Buffer.alloc(0))).code).toBe('ELF_INVALID');
  });

  it('whose string table lies outside the file or whose RUNPATH string has no end', () => {
    const spec: ElfSpec = { names: [BUILD_DIR], entries: [[DT.RUNPATH, BUILD_DIR]] };
    const strtabEntry = DYNAMIC_AT + 1 * 16; // entries: RUNPATH, STRTAB, STRSZ
    const outside = Buffer.from(buildElf(spec).elf);
    outside.writeBigUInt64LE(0x10_0000n, strtabEntry + 8);
    expect(refusal(() => readDynamicInfo(outside))).toMatchObject({
      code: 'ELF_INVALID',
      message: expect.stringContaining('in no loadable segment') as string,
    });
    const unterminated = Buffer.from(buildElf(spec).elf);
    unterminated.writeBigUInt64LE(BigInt(1 + 10), strtabEntry + 16 + 8); // STRSZ cut inside BUILD_DIR
    expect(refusal(() => setRunpathInBuffer(unterminated)).message).toContain('not NUL-terminated');
  });

  it('cut short anywhere: always a clear ELF_INVALID, never a crash', () => {
    const { elf } = buildElf(ADDON);
    for (let length = 0; length < elf.length; length++) {
      const { code } = refusal(() => setRunpathInBuffer(elf.subarray(0, length)));
      expect(code, `cut at ${length} of ${elf.length} bytes`).toMatch(/^ELF_(INVALID|NO_RUNPATH)$/);
    }
  });
});
