import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_DEVICE_KEY, type DeviceInfo } from '../shared/devices.ts';
import { EarshotError } from '../shared/errors.ts';
import { findDevice } from '../shared/device-list.ts';
import { CapturePipeline } from './dsp/capture-pipeline.ts';
import type { CaptureStream, OpenStreamRequest, StreamSink } from './audio-backend.ts';
import { pulseSourceName } from './pulse-devices.ts';

/**
 * How long open waits for the first audio. PulseAudio can take most of a second to deliver a
 * new record stream's first fragment (measured here: 0.65–1 s on null-sink monitors); until it
 * does, the stream is not yet listening, and a session told "streaming" would miss what is said
 * first. A source that is still silent then (parec running, nothing delivered) is left to the
 * stall watch; a stream the server refused ends parec with its reason on stderr.
 */
const FIRST_AUDIO_MS = 3000;
/** How long `parec` may take to exit once told to, before it is killed. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * One sound-server source, recorded by a `parec` child (pulseaudio-utils, beside pactl) that
 * writes raw PCM16 mono at the rate asked for to its stdout.
 *
 * Why a child and not PortAudio: PortAudio reaches the server only through ALSA's `pulse`
 * plugin, one more package (libasound2-plugins, or pipewire-alsa's differently named device),
 * and chooses the source only through PULSE_SOURCE, an environment variable of the whole
 * capture process — two sources opened at once (Meeting mode) would race for it. `parec
 * --device=NAME` names the source per stream, the server resamples and downmixes for it, and
 * a lost server or a killed stream ends the child, which the stream reports as `ended`.
 * Measured here (2-core VM, PulseAudio 16.1, user+sys over 10 s): parec itself costs 0.2–0.3 %
 * of a core at 16 or 48 kHz mono with `--latency-msec=20` (0.4–0.7 % at 10 ms), and the
 * server's buffering adds about that latency before the audio reaches the pipe. 20 ms, one
 * frame: at 10 ms PulseAudio dropped the start of speech played into a null sink under load
 * (the engine-kill e2e test's first utterance lost its first words every run), and so did
 * 40 ms (renderer-meeting.test.ts's first turn lost its first words in both runs under load,
 * one of them in CI; both loaded runs at 20 ms kept them). At 20 ms the transcripts match the
 * PortAudio path's character for character.
 */
export class PulseStream implements CaptureStream {
  readonly key: string;
  readonly device: DeviceInfo;
  readonly sessionRate: number;
  readonly deviceRate: number;
  readonly deviceChannels = 1;
  readonly #child: ChildProcess;
  readonly #pipeline: CapturePipeline;
  readonly #exited: Promise<void>;
  #gotData = false;
  #closed = false;

  private constructor(
    request: OpenStreamRequest,
    device: DeviceInfo,
    child: ChildProcess,
    pipeline: CapturePipeline,
    exited: Promise<void>,
  ) {
    this.key = request.key;
    this.device = device;
    this.sessionRate = request.sessionRate;
    this.deviceRate = request.wantedRate;
    this.#child = child;
    this.#pipeline = pipeline;
    this.#exited = exited;
  }

  /** See AudioBackend.openStream. */
  static async open(request: OpenStreamRequest, sink: StreamSink): Promise<PulseStream> {
    const { devices, key, sessionRate, wantedRate } = request;
    const device = findDevice(devices, key);
    const sourceName = device ? pulseSourceName(device.key) : null;
    if (!device || sourceName === null) {
      if (devices.length === 0) throw new EarshotError('NO_INPUT_DEVICES');
      throw new EarshotError(
        'DEVICE_NOT_FOUND',
        key === DEFAULT_DEVICE_KEY
          ? 'There is no default microphone right now. Choose a microphone by name.'
          : `No microphone “${key}” is connected. Plug it in, or choose one of: ${devices.map((d) => d.name).join(', ')}.`,
      );
    }
    const pipeline = await CapturePipeline.create(
      { deviceRate: wantedRate, channels: 1, sessionRate, deviceName: device.name },
      sink,
    );
    const child = spawn(
      'parec',
      [
        `--device=${sourceName}`,
        '--raw',
        '--format=s16le',
        `--rate=${wantedRate}`,
        '--channels=1',
        '--latency-msec=20',
        '--client-name=Earshot',
        `--stream-name=Earshot: ${device.name}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const stream = new PulseStream(request, device, child, pipeline, exited);
    try {
      await stream.#started(sink);
    } catch (error) {
      await stream.close();
      throw error;
    }
    return stream;
  }

  get gotData(): boolean {
    return this.#gotData;
  }

  get stalled(): boolean {
    return this.#pipeline.healthActive.has('stalled');
  }

  tick(nowMs: number): void {
    this.#pipeline.tick(nowMs);
  }

  async close(): Promise<string | null> {
    if (this.#closed) return null;
    this.#closed = true;
    this.#pipeline.close();
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return null;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_TIMEOUT_MS)),
    );
    const outcome = await Promise.race([this.#exited.then(() => 'closed' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'closed') return null;
    this.#child.kill('SIGKILL');
    return `parec for “${this.device.name}” did not exit within ${CLOSE_TIMEOUT_MS} ms; killed`;
  }

  /** Wires the child's output to the pipeline; resolves once audio flows (see FIRST_AUDIO_MS). */
  #started(sink: StreamSink): Promise<void> {
    const child = this.#child;
    let carry: Buffer | null = null;
    let firstAudio: () => void = () => undefined;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (this.#closed) return;
      firstAudio();
      const arrivalMs = performance.timeOrigin + performance.now();
      const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      const even = bytes.length - (bytes.length % 2);
      carry = even < bytes.length ? Buffer.from(bytes.subarray(even)) : null;
      if (even === 0) return;
      // A pipe read is a fresh buffer, normally 2-byte aligned; copy if not.
      const samples =
        bytes.byteOffset % 2 === 0
          ? new Int16Array(bytes.buffer, bytes.byteOffset, even / 2)
          : new Int16Array(Uint8Array.prototype.slice.call(bytes, 0, even).buffer);
      this.#gotData = true;
      this.#pipeline.push(samples, arrivalMs);
    });
    // Without --verbose, parec writes to stderr only when something fails. (Verbose, it also
    // reports its latency about 40 times a second: a wake-up of this process each time.)
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-2000);
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const listening = (): void => {
        firstAudio = () => undefined;
        clearTimeout(patience);
        settled = true;
        resolve();
      };
      const patience = setTimeout(listening, FIRST_AUDIO_MS);
      firstAudio = listening;
      child.once('error', (error) => {
        if (settled) return;
        clearTimeout(patience);
        settled = true;
        reject(openError(this.device, `parec could not start (${error.message})`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(patience);
        const said = lastProblem(stderr) ?? (signal ? `killed by ${signal}` : `exit ${code}`);
        if (!settled) {
          settled = true;
          reject(openError(this.device, said));
        } else if (!this.#closed) sink.ended(new Error(`parec ended: ${said}`));
      });
    });
  }
}

/** The last line of parec's stderr that reports a failure ("Stream error: No such entity"). */
function lastProblem(stderr: string): string | null {
  const lines = stderr.split('\n').filter((l) => /error|fail/i.test(l));
  return lines.at(-1)?.trim() ?? null;
}

function openError(device: DeviceInfo, detail: string): EarshotError {
  return new EarshotError('DEVICE_OPEN_FAILED', `“${device.name}” could not be opened: ${detail}.`);
}
