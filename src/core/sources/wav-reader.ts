import { open, type FileHandle } from 'node:fs/promises';
import { EarshotError } from '../../shared/errors.ts';

/**
 * A 16-bit PCM WAV file read a piece at a time: `--input` streams hours of audio without
 * holding the file in memory (3 hours at 16 kHz would be 345 MB). The header is walked chunk
 * by chunk like parseWav in wav.ts, with the same errors; `read()` returns the next whole
 * sample frames, interleaved when there is more than one channel.
 */
export interface WavReader {
  readonly sampleRate: number;
  readonly channels: number;
  /** The next samples (at most `maxFrames` sample frames), or null at the end of the data. */
  read(maxFrames: number): Promise<Int16Array | null>;
  close(): Promise<void>;
}

export async function openWavReader(path: string): Promise<WavReader> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new EarshotError('INPUT_NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const fileSize = (await handle.stat()).size;
    const data = await findData(handle, fileSize, path);
    return new FileWavReader(handle, data);
  } catch (error) {
    await handle.close();
    if (error instanceof EarshotError) throw error;
    throw new EarshotError('INPUT_NOT_FOUND', `Cannot read ${path}: ${(error as Error).message}`);
  }
}

interface DataChunk {
  readonly sampleRate: number;
  readonly channels: number;
  /** Byte offsets of the samples in the file: [start, end). */
  readonly start: number;
  readonly end: number;
}

async function findData(handle: FileHandle, fileSize: number, name: string): Promise<DataChunk> {
  const invalid = (why: string): EarshotError =>
    new EarshotError('INPUT_INVALID', `${name} is not a 16-bit PCM WAV file (${why}).`);
  const head = await readAt(handle, 0, 12);
  if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    throw invalid('no RIFF/WAVE header');
  }
  let offset = 12;
  let format: { channels: number; sampleRate: number; bits: number; tag: number } | null = null;
  while (offset + 8 <= fileSize) {
    const chunk = await readAt(handle, offset, 8);
    const id = chunk.toString('ascii', 0, 4);
    const size = chunk.readUInt32LE(4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const fmt = await readAt(handle, body, 16);
      if (fmt.length < 16) throw invalid('short fmt chunk');
      format = {
        tag: fmt.readUInt16LE(0),
        channels: fmt.readUInt16LE(2),
        sampleRate: fmt.readUInt32LE(4),
        bits: fmt.readUInt16LE(14),
      };
    } else if (id === 'data') {
      if (!format) throw invalid('data before fmt chunk');
      // 0xFFFE is WAVE_FORMAT_EXTENSIBLE, which sox writes for some PCM files.
      if ((format.tag !== 1 && format.tag !== 0xfffe) || format.bits !== 16)
        throw invalid(`format ${format.tag}, ${format.bits} bits`);
      if (format.channels < 1) throw invalid('no channels');
      // A streaming writer may leave the size unset or too large: the file's end is the data's end.
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        start: body,
        end: Math.min(fileSize, body + size),
      };
    }
    offset = body + size + (size % 2);
  }
  throw invalid('no data chunk');
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

class FileWavReader implements WavReader {
  readonly sampleRate: number;
  readonly channels: number;
  readonly #handle: FileHandle;
  readonly #end: number;
  #position: number;

  constructor(handle: FileHandle, data: DataChunk) {
    this.#handle = handle;
    this.sampleRate = data.sampleRate;
    this.channels = data.channels;
    this.#position = data.start;
    this.#end = data.end;
  }

  async read(maxFrames: number): Promise<Int16Array | null> {
    const frameBytes = this.channels * 2;
    const frames = Math.min(maxFrames, Math.floor((this.#end - this.#position) / frameBytes));
    if (frames <= 0) return null;
    const bytes = await readAt(this.#handle, this.#position, frames * frameBytes);
    // A file cut short while it is read: take the whole frames that came.
    const got = Math.floor(bytes.length / frameBytes);
    if (got === 0) return null;
    this.#position += got * frameBytes;
    const samples = new Int16Array(got * this.channels);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
    return samples;
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}
