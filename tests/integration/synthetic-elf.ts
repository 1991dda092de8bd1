/**
 * Builds tiny but well-formed ELF64 little-endian shared objects for the RUNPATH tests: a
 * header, one PT_LOAD mapping the whole file at address 0 (so addresses equal file offsets),
 * a PT_DYNAMIC, the dynamic entries, `.dynstr`, and optionally a version-needed record and a
 * `.dynsym` (with section headers that tie it to `.dynstr`). Each case edits what it needs.
 */

export const DT = { NEEDED: 1, STRTAB: 5, STRSZ: 10, SONAME: 14, RPATH: 15, RUNPATH: 29 } as const;
/** File offset of the dynamic entries: after the 64-byte header and two program headers. */
export const DYNAMIC_AT = 64 + 2 * 56;
const DT_VERDEF = 0x6ffffffc;
const DT_VERDEFNUM = 0x6ffffffd;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;

export interface ElfSpec {
  /** The string table's names in order; it starts with the empty name, as linkers write it. */
  readonly names: readonly string[];
  /** Dynamic entries [tag, name]; STRTAB, STRSZ and the version entries are added. */
  readonly entries: readonly (readonly [number, Ref])[];
  /** A version-needed record naming a file and a version. */
  readonly verneed?: { readonly file: Ref; readonly name: Ref };
  /** A version-definition record naming a version this library defines. */
  readonly verdef?: Ref;
  /** Dynamic symbols' names (symbol 0, the null symbol, is added). */
  readonly dynsym?: readonly Ref[];
  /** Leave out PT_DYNAMIC, as in a statically linked program. */
  readonly noDynamic?: boolean;
}

/** A name from `names`, or a raw string-table index (to point into the middle of a name). */
export type Ref = string | number;

export interface SyntheticElf {
  readonly elf: Buffer;
  /** File offset of `.dynstr`. */
  readonly strtab: number;
}

const stringTable = (names: readonly string[]): Buffer =>
  Buffer.from(`\0${names.map((n) => `${n}\0`).join('')}`, 'utf8');

/** The string-table index of `name` in a table built from `names`. */
export function indexIn(names: readonly string[], name: string): number {
  const at = stringTable(names).indexOf(Buffer.from(`${name}\0`, 'utf8'));
  if (at < 0) throw new Error(`${name} is not in the string table`);
  return at;
}

export function buildElf(spec: ElfSpec): SyntheticElf {
  const strings = stringTable(spec.names);
  const index = (ref: Ref): number => (typeof ref === 'number' ? ref : indexIn(spec.names, ref));
  // + STRTAB, STRSZ, (VERNEED, VERNEEDNUM), (VERDEF, VERDEFNUM), NULL
  const entryCount = spec.entries.length + 2 + (spec.verneed ? 2 : 0) + (spec.verdef !== undefined ? 2 : 0) + 1;
  const align8 = (n: number): number => Math.ceil(n / 8) * 8;
  const dynamic = DYNAMIC_AT;
  const strtab = dynamic + entryCount * 16;
  const verneed = align8(strtab + strings.length);
  const verdef = verneed + (spec.verneed ? 32 : 0);
  const dynsym = verdef + (spec.verdef !== undefined ? 32 : 0);
  const symbols = spec.dynsym ? [0, ...spec.dynsym.map(index)] : [];
  const sections = align8(dynsym + symbols.length * 24);
  const sectionCount = spec.dynsym ? 3 : 0;
  const elf = Buffer.alloc(sections + sectionCount * 64);

  elf.writeUInt32BE(0x7f454c46, 0);
  elf.set([2, 1, 1], 4); // ELFCLASS64, little-endian, version 1
  elf.writeUInt16LE(3, 0x10); // ET_DYN
  elf.writeUInt16LE(62, 0x12); // x86-64
  elf.writeUInt32LE(1, 0x14);
  elf.writeBigUInt64LE(64n, 0x20);
  elf.writeBigUInt64LE(BigInt(sectionCount ? sections : 0), 0x28);
  elf.writeUInt16LE(64, 0x34);
  elf.writeUInt16LE(56, 0x36);
  elf.writeUInt16LE(2, 0x38);
  elf.writeUInt16LE(64, 0x3a);
  elf.writeUInt16LE(sectionCount, 0x3c);

  const phdr = (at: number, type: number, offset: number, size: number): void => {
    elf.writeUInt32LE(type, at);
    elf.writeBigUInt64LE(BigInt(offset), at + 8); // p_offset
    elf.writeBigUInt64LE(BigInt(offset), at + 16); // p_vaddr
    elf.writeBigUInt64LE(BigInt(size), at + 32); // p_filesz
    elf.writeBigUInt64LE(BigInt(size), at + 40); // p_memsz
  };
  phdr(64, 1, 0, elf.length); // PT_LOAD
  phdr(64 + 56, spec.noDynamic ? 4 : 2, dynamic, entryCount * 16); // PT_DYNAMIC, or PT_NOTE in its place

  const entries: [number, number][] = [
    ...spec.entries.map(([tag, ref]): [number, number] => [tag, index(ref)]),
    [DT.STRTAB, strtab],
    [DT.STRSZ, strings.length],
    ...(spec.verneed
      ? ([
          [DT_VERNEED, verneed],
          [DT_VERNEEDNUM, 1],
        ] as [number, number][])
      : []),
    ...(spec.verdef !== undefined
      ? ([
          [DT_VERDEF, verdef],
          [DT_VERDEFNUM, 1],
        ] as [number, number][])
      : []),
  ];
  entries.forEach(([tag, value], i) => {
    elf.writeBigUInt64LE(BigInt(tag), dynamic + i * 16);
    elf.writeBigUInt64LE(BigInt(value), dynamic + i * 16 + 8);
  });
  strings.copy(elf, strtab);

  if (spec.verneed) {
    elf.writeUInt16LE(1, verneed); // vn_version
    elf.writeUInt16LE(1, verneed + 2); // vn_cnt
    elf.writeUInt32LE(index(spec.verneed.file), verneed + 4);
    elf.writeUInt32LE(16, verneed + 8); // vn_aux: the auxiliary record follows
    elf.writeUInt32LE(index(spec.verneed.name), verneed + 16 + 8); // vna_name
  }
  if (spec.verdef !== undefined) {
    elf.writeUInt16LE(1, verdef); // vd_version
    elf.writeUInt16LE(1, verdef + 6); // vd_cnt
    elf.writeUInt32LE(20, verdef + 12); // vd_aux: the auxiliary record follows
    elf.writeUInt32LE(index(spec.verdef), verdef + 20); // vda_name
  }
  symbols.forEach((name, i) => elf.writeUInt32LE(name, dynsym + i * 24));
  if (spec.dynsym) {
    const shdr = (i: number, type: number, offset: number, size: number, link: number, entsize: number): void => {
      const at = sections + i * 64;
      elf.writeUInt32LE(type, at + 4);
      elf.writeBigUInt64LE(BigInt(offset), at + 24);
      elf.writeBigUInt64LE(BigInt(size), at + 32);
      elf.writeUInt32LE(link, at + 40);
      elf.writeBigUInt64LE(BigInt(entsize), at + 56);
    };
    shdr(1, 3, strtab, strings.length, 0, 0); // .dynstr (SHT_STRTAB)
    shdr(2, 11, dynsym, symbols.length * 24, 1, 24); // .dynsym (SHT_DYNSYM), linked to section 1
  }
  return { elf, strtab };
}
