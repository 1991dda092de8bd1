import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EarshotError } from '../shared/errors.ts';
import type { RawDevice, RawHostApis } from '../shared/device-list.ts';

/**
 * naudiodon's N-API binding, loaded directly. Its index.js would also load `segfault-handler`
 * (a non-N-API addon that must be rebuilt per runtime and writes crash.log into the working
 * directory), so Earshot skips it and wraps the binding in the small typed class below.
 */
interface NativeAudioIO {
  start(): void;
  read(bytes: number): Promise<{ buf?: Buffer; finished?: boolean; err?: string }>;
  quit(mode: 'WAIT' | 'ABORT'): Promise<void>;
}

interface NativeInOptions {
  /** Omitted → PortAudio's default input (follows the OS default). */
  deviceId?: number;
  sampleRate: number;
  channelCount: number;
  /** 16 → paInt16. */
  sampleFormat: 16;
  /** Chunks queued between the audio thread and JavaScript before the audio thread waits. */
  maxQueue: number;
  framesPerBuffer: number;
  /** false: an overflow is logged by PortAudio and the audio kept, rather than the read failing. */
  closeOnError: boolean;
}

interface NativeBinding {
  getDevices(): RawDevice[];
  getHostAPIs(): RawHostApis;
  create(options: { inOptions: NativeInOptions }): NativeAudioIO;
}

let binding: NativeBinding | null = null;

/** Where the binding lives: beside naudiodon's package, or EARSHOT_NAUDIODON_PATH (packaged app). */
export function naudiodonBindingPath(): string {
  const override = process.env['EARSHOT_NAUDIODON_PATH'];
  if (override) return override;
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('naudiodon/package.json')), 'build', 'Release', 'naudiodon.node');
}

export function loadPortAudio(): NativeBinding {
  if (binding) return binding;
  const path = naudiodonBindingPath();
  try {
    if (!existsSync(path)) throw new Error(`${path} does not exist`);
    binding = createRequire(import.meta.url)(path) as NativeBinding;
    return binding;
  } catch (error) {
    throw new EarshotError(
      'AUDIO_BACKEND_UNAVAILABLE',
      `The audio library could not be loaded (${(error as Error).message}). Reinstall Earshot.`,
      { cause: error },
    );
  }
}

export function listRawDevices(): { devices: RawDevice[]; hostApis: RawHostApis } {
  const pa = loadPortAudio();
  return { devices: pa.getDevices(), hostApis: pa.getHostAPIs() };
}

export interface InputFormat {
  /** PortAudio device index; null for the system default input. */
  readonly deviceIndex: number | null;
  readonly sampleRate: number;
  readonly channels: number;
}

/** How long the stream may take to close before Earshot gives up waiting (a vanished device can hang). */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * The device chunk: one frame's worth. Each chunk is a PortAudio callback, a libuv work item
 * and a wake-up of this process's event loop; 10 ms chunks cost twice the wake-ups for half a
 * frame less delay (bench/suites/listening.ts).
 */
const CHUNK_MS = 20;
/** Audio the binding queues while the event loop is busy, before it drops any. */
const QUEUE_MS = 2000;

/**
 * One open PortAudio input stream delivering interleaved PCM16 in CHUNK_MS chunks. The binding's
 * `read` resolves on a libuv worker when a chunk is queued, so the JavaScript side never blocks
 * the audio thread; the queue is deep (2 s) so a busy event loop delays audio instead of losing it.
 */
export class InputStream {
  readonly format: InputFormat;
  readonly #io: NativeAudioIO;
  readonly #chunkBytes: number;
  #reading: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  private constructor(format: InputFormat, io: NativeAudioIO, chunkBytes: number) {
    this.format = format;
    this.#io = io;
    this.#chunkBytes = chunkBytes;
  }

  /** Opens (but does not start) the stream; throws the binding's raw error for the caller to map. */
  static open(format: InputFormat): InputStream {
    const framesPerBuffer = Math.max(64, Math.round((format.sampleRate * CHUNK_MS) / 1000));
    const io = loadPortAudio().create({
      inOptions: {
        ...(format.deviceIndex === null ? {} : { deviceId: format.deviceIndex }),
        sampleRate: format.sampleRate,
        channelCount: format.channels,
        sampleFormat: 16,
        maxQueue: Math.ceil(QUEUE_MS / CHUNK_MS),
        framesPerBuffer,
        closeOnError: false,
      },
    });
    return new InputStream(format, io, framesPerBuffer * format.channels * 2);
  }

  /**
   * Starts the device and reads until closed. `onChunk` gets each chunk with the wall-clock
   * time it reached JavaScript; `onEnd` is called once when reading stops, with the error if
   * it stopped by itself.
   */
  start(onChunk: (samples: Int16Array, arrivalMs: number) => void, onEnd: (error: Error | null) => void): void {
    this.#io.start();
    this.#reading = this.#readLoop(onChunk).then(
      () => onEnd(null),
      (error: unknown) => onEnd(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Stops the device at once and waits (bounded) for the read loop to end. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>(
        (resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)),
      );
      const done = Promise.all([this.#io.quit('ABORT'), this.#reading]).then(() => 'closed' as const);
      const outcome = await Promise.race([done, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') throw new Error(`the audio stream did not close within ${CLOSE_TIMEOUT_MS} ms`);
    })();
    return this.#closing;
  }

  /** Opens and immediately closes, to learn whether a device accepts a format right now. */
  static async probe(format: InputFormat): Promise<void> {
    const stream = InputStream.open(format);
    await stream.#io.quit('ABORT');
  }

  async #readLoop(onChunk: (samples: Int16Array, arrivalMs: number) => void): Promise<void> {
    for (;;) {
      const result = await this.#io.read(this.#chunkBytes);
      if (result.err) throw new Error(result.err);
      const buf = result.buf;
      if (buf && buf.length >= 2) {
        const arrivalMs = performance.timeOrigin + performance.now();
        const even = buf.length - (buf.length % 2);
        // The binding copies into a fresh buffer, normally 2-byte aligned; copy if not.
        const samples =
          buf.byteOffset % 2 === 0
            ? new Int16Array(buf.buffer, buf.byteOffset, even / 2)
            : new Int16Array(Uint8Array.prototype.slice.call(buf, 0, even).buffer);
        onChunk(samples, arrivalMs);
      }
      if (result.finished || this.#closing) return;
    }
  }
}
