import { open, readFile, writeFile } from 'node:fs/promises';
import { EarshotError } from '../../shared/errors.ts';

export interface PcmAudio {
  readonly sampleRate: number;
  readonly channels: number;
  /** Interleaved when channels > 1. */
  readonly samples: Int16Array;
}

/** Reads a 16-bit PCM WAV (any rate and channel count), walking chunks rather than assuming 44 bytes. */
export async function readWav(path: string): Promise<PcmAudio> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new EarshotError('INPUT_NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}`);
  }
  return parseWav(bytes, path);
}

export function parseWav(bytes: Buffer, name = 'input'): PcmAudio {
  const invalid = (why: string): EarshotError =>
    new EarshotError('INPUT_INVALID', `${name} is not a 16-bit PCM WAV file (${why}).`);
  if (bytes.length < 12 || bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw invalid('no RIFF/WAVE header');
  }
  let offset = 12;
  let format: { channels: number; sampleRate: number; bits: number; tag: number } | null = null;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        tag: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        sampleRate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw invalid('data before fmt chunk');
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which sox writes for some PCM files.
      if ((format.tag !== 1 && format.tag !== 0xfffe) || format.bits !== 16)
        throw invalid(`format ${format.tag}, ${format.bits} bits`);
      const end = Math.min(bytes.length, body + size);
      const length = Math.floor((end - body) / 2);
      const samples = new Int16Array(length);
      for (let i = 0; i < length; i++) samples[i] = bytes.readInt16LE(body + i * 2);
      return { sampleRate: format.sampleRate, channels: format.channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw invalid('no data chunk');
}

export function encodeWav(audio: PcmAudio): Buffer {
  const dataBytes = audio.samples.length * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(audio.channels, 22);
  header.writeUInt32LE(audio.sampleRate, 24);
  header.writeUInt32LE(audio.sampleRate * audio.channels * 2, 28);
  header.writeUInt16LE(audio.channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  const data = Buffer.from(audio.samples.buffer, audio.samples.byteOffset, dataBytes);
  return Buffer.concat([header, data]);
}

export async function writeWav(path: string, audio: PcmAudio): Promise<void> {
  try {
    await writeFile(path, encodeWav(audio));
  } catch (error) {
    throw new EarshotError('OUTPUT_FAILED', `Cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Converts PCM16 to floats in [-1, 1), the form sherpa-onnx and the resampler take. */
export function int16ToFloat32(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
  return out;
}

export function float32ToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = Math.round(s * 32767);
  }
  return out;
}

/** True when the file exists and starts like a WAV; used for clear CLI errors before streaming. */
export async function looksLikeWav(path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    return head.toString('ascii', 0, 4) === 'RIFF' && head.toString('ascii', 8, 12) === 'WAVE';
  } finally {
    await handle.close();
  }
}
