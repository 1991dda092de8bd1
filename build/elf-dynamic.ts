/**
 * A bounds-checked reader of the dynamic section of a 64-bit little-endian ELF file: its
 * entries, the dynamic string table (`.dynstr`), and every name in the file that points into
 * that table. Every offset in the file is untrusted: a damaged or cut-short file is refused
 * with ELF_INVALID, never read past its end. build/elf-runpath.ts rewrites what this finds.
 */
import { EarshotError } from '../src/shared/errors.ts';

// Dynamic-section tags, segment and section types (elf.h).
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_STRSZ = 10n;
const DT_SONAME = 14n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;
const DT_VERDEF = 0x6ffffffcn;
const DT_VERDEFNUM = 0x6ffffffdn;
const DT_VERNEED = 0x6ffffffen;
const DT_VERNEEDNUM = 0x6fffffffn;
// + DT_CONFIG, DT_DEPAUDIT, DT_AUDIT, DT_AUXILIARY, DT_FILTER: every entry whose value names a string.
const STRING_TAGS = new Set([
  DT_NEEDED,
  DT_SONAME,
  DT_RPATH,
  DT_RUNPATH,
  0x6ffffefan,
  0x6ffffefbn,
  0x6ffffefcn,
  0x7ffffffdn,
  0x7fffffffn,
]);
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const SHT_DYNSYM = 11;
/** Version chains and symbol tables are walked at most this far: a damaged file cannot loop us. */
const MAX_WALK = 1_000_000;

export type SearchPathTag = 'RUNPATH' | 'RPATH';

export interface SearchPath {
  readonly tag: SearchPathTag;
  readonly value: string;
  /** File offset of the string in `.dynstr`, and its length in bytes without the NUL. */
  readonly offset: number;
  readonly length: number;
}

export interface DynamicInfo {
  readonly needed: readonly string[];
  readonly soname: string | null;
  readonly searchPaths: readonly SearchPath[];
}

const invalid = (what: string): EarshotError =>
  new EarshotError('ELF_INVALID', `Not a usable 64-bit little-endian ELF file: ${what}.`);

/** Bounds-checked little-endian reads: every offset in the file is untrusted. */
class Reader {
  readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  private check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.buf.length) {
      throw invalid(`${what} at offset ${offset} lies outside the ${this.buf.length}-byte file`);
    }
  }
  u16(offset: number, what: string): number {
    this.check(offset, 2, what);
    return this.buf.readUInt16LE(offset);
  }
  u32(offset: number, what: string): number {
    this.check(offset, 4, what);
    return this.buf.readUInt32LE(offset);
  }
  u64(offset: number, what: string): bigint {
    this.check(offset, 8, what);
    return this.buf.readBigUInt64LE(offset);
  }
  num(offset: number, what: string): number {
    const value = this.u64(offset, what);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${what} is out of range`);
    return Number(value);
  }
}

interface Segment {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
}

export interface Parsed {
  readonly reader: Reader;
  readonly dynamic: readonly { readonly tag: bigint; readonly value: bigint }[];
  /** File offset and size of the dynamic string table (`.dynstr`). */
  readonly strtab: number;
  readonly strsz: number;
  /** Maps a virtual address (what the dynamic section holds) to a file offset. */
  readonly toOffset: (address: bigint, what: string) => number;
}

export function parse(elf: Buffer): Parsed {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) throw invalid('no ELF magic number');
  if (elf[4] !== 2) throw invalid(`class ${elf[4]} is not ELFCLASS64 (this tool reads 64-bit libraries only)`);
  if (elf[5] !== 1) throw invalid(`data encoding ${elf[5]} is not little-endian`);
  const r = new Reader(elf);
  const phoff = r.num(0x20, 'e_phoff');
  const phentsize = r.u16(0x36, 'e_phentsize');
  const phnum = r.u16(0x38, 'e_phnum');
  if (phnum > 0 && phentsize !== 56) throw invalid(`program header size ${phentsize} is not 56`);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    segments.push({
      type: r.u32(at, 'p_type'),
      offset: r.num(at + 8, 'p_offset'),
      vaddr: r.num(at + 16, 'p_vaddr'),
      filesz: r.num(at + 32, 'p_filesz'),
    });
  }
  // A cut-short file (an interrupted copy) is refused whole, not half-read.
  for (const s of segments) {
    if ((s.type === PT_LOAD || s.type === PT_DYNAMIC) && s.offset + s.filesz > elf.length) {
      throw invalid(`a segment runs past the end of the ${elf.length}-byte file (truncated?)`);
    }
  }
  const [shoff, shentsize, shnum] = [r.num(0x28, 'e_shoff'), r.u16(0x3a, 'e_shentsize'), r.u16(0x3c, 'e_shnum')];
  if (shoff > 0 && shoff + shnum * shentsize > elf.length) {
    throw invalid(`the section headers run past the end of the ${elf.length}-byte file (truncated?)`);
  }
  const dynSegment = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dynSegment) throw new EarshotError('ELF_NO_RUNPATH', 'The file has no dynamic section (statically linked).');

  const dynamic: { tag: bigint; value: bigint }[] = [];
  for (let at = dynSegment.offset; at + 16 <= dynSegment.offset + dynSegment.filesz; at += 16) {
    const tag = r.u64(at, 'dynamic entry');
    if (tag === DT_NULL) break;
    dynamic.push({ tag, value: r.u64(at + 8, 'dynamic entry') });
  }
  // Addresses in the dynamic section are virtual; the loadable segments map them to file offsets.
  const toOffset = (address: bigint, what: string): number => {
    const vaddr = Number(address);
    const load = segments.find((s) => s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    if (!load) throw invalid(`${what} address 0x${address.toString(16)} is in no loadable segment`);
    return load.offset + (vaddr - load.vaddr);
  };
  const strtabAddress = dynamic.find((d) => d.tag === DT_STRTAB)?.value;
  const strsz = dynamic.find((d) => d.tag === DT_STRSZ)?.value;
  if (strtabAddress === undefined || strsz === undefined) throw invalid('the dynamic section names no string table');
  const strtab = toOffset(strtabAddress, 'DT_STRTAB');
  if (strtab + Number(strsz) > elf.length) throw invalid('the dynamic string table runs past the end of the file');
  return { reader: r, dynamic, strtab, strsz: Number(strsz), toOffset };
}

/** The NUL-terminated string at `index` in the dynamic string table: its file offset and bytes. */
export function stringAt(p: Parsed, index: bigint): { offset: number; length: number; value: string } {
  if (index >= BigInt(p.strsz)) throw invalid(`string index ${index} is past the string table`);
  const offset = p.strtab + Number(index);
  const end = p.reader.buf.indexOf(0, offset);
  if (end < 0 || end >= p.strtab + p.strsz) throw invalid(`string at index ${index} is not NUL-terminated`);
  return { offset, length: end - offset, value: p.reader.buf.toString('utf8', offset, end) };
}

export function readDynamicInfo(elf: Buffer): DynamicInfo {
  const p = parse(elf);
  const needed: string[] = [];
  let soname: string | null = null;
  const searchPaths: SearchPath[] = [];
  for (const { tag, value } of p.dynamic) {
    if (tag === DT_NEEDED) needed.push(stringAt(p, value).value);
    else if (tag === DT_SONAME) soname = stringAt(p, value).value;
    else if (tag === DT_RUNPATH || tag === DT_RPATH) {
      searchPaths.push({ tag: tag === DT_RUNPATH ? 'RUNPATH' : 'RPATH', ...stringAt(p, value) });
    }
  }
  return { needed, soname, searchPaths };
}

/**
 * Every `.dynstr` index something else in the file uses as a name: dynamic entries, dynamic
 * symbols (found through the section headers, when the file has them) and symbol versions.
 * Linkers may let one name end inside another, so overwriting a string must not touch these.
 */
export function stringReferences(p: Parsed): bigint[] {
  const r = p.reader;
  const refs = p.dynamic.filter((d) => STRING_TAGS.has(d.tag)).map((d) => d.value);
  const shoff = r.num(0x28, 'e_shoff');
  const shentsize = r.u16(0x3a, 'e_shentsize');
  const shnum = r.u16(0x3c, 'e_shnum');
  for (let i = 0; shoff > 0 && shentsize === 64 && i < shnum; i++) {
    const at = shoff + i * 64;
    if (r.u32(at + 4, 'sh_type') !== SHT_DYNSYM) continue;
    const link = r.u32(at + 40, 'sh_link');
    if (link >= shnum || r.num(shoff + link * 64 + 24, 'sh_offset') !== p.strtab) continue;
    const [offset, size] = [r.num(at + 24, 'sh_offset'), r.num(at + 32, 'sh_size')];
    for (let s = 0; s < Math.min(size / 24, MAX_WALK); s++) refs.push(BigInt(r.u32(offset + s * 24, 'st_name')));
  }
  const entry = (tag: bigint): bigint | undefined => p.dynamic.find((d) => d.tag === tag)?.value;
  const verneed = entry(DT_VERNEED);
  if (verneed !== undefined) {
    let at = p.toOffset(verneed, 'DT_VERNEED');
    for (let n = 0; n < Math.min(Number(entry(DT_VERNEEDNUM) ?? 0n), MAX_WALK); n++) {
      refs.push(BigInt(r.u32(at + 4, 'vn_file')));
      let aux = at + r.u32(at + 8, 'vn_aux');
      for (let k = 0; k < Math.min(r.u16(at + 2, 'vn_cnt'), MAX_WALK); k++) {
        refs.push(BigInt(r.u32(aux + 8, 'vna_name')));
        aux += r.u32(aux + 12, 'vna_next');
      }
      at += r.u32(at + 12, 'vn_next');
    }
  }
  const verdef = entry(DT_VERDEF);
  if (verdef !== undefined) {
    let at = p.toOffset(verdef, 'DT_VERDEF');
    for (let n = 0; n < Math.min(Number(entry(DT_VERDEFNUM) ?? 0n), MAX_WALK); n++) {
      let aux = at + r.u32(at + 12, 'vd_aux');
      for (let k = 0; k < Math.min(r.u16(at + 6, 'vd_cnt'), MAX_WALK); k++) {
        refs.push(BigInt(r.u32(aux, 'vda_name')));
        aux += r.u32(aux + 4, 'vda_next');
      }
      at += r.u32(at + 16, 'vd_next');
    }
  }
  return refs;
}
