import type { AudioFrame } from '../../shared/audio-frame.ts';
import { writeWav } from '../../core/sources/wav.ts';
import { resolveDeviceSelector } from '../../shared/device-list.ts';
import { createNodeCaptureHost } from '../../core/capture-host/node-capture-host.ts';
import type { CaptureHost } from '../../core/capture-host/capture-host.ts';
import { EarshotError } from '../../shared/errors.ts';
import { toDbfs } from '../../shared/devices.ts';
import type { ErrorPayload } from '../../shared/result.ts';
import { defineCommand, EXIT_OK, type CliIo } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: earshot record --seconds N --out FILE.wav [options]

Records from a microphone through the same capture process the app uses, and writes a
16-bit mono WAV at the session rate: the microphone test. Ctrl+C stops early and keeps
what was recorded.

Options:
  --device D     key, name, index or "default" (see \`earshot devices\`; default: default)
  --rate HZ      sample rate of the file: 16000 (default), 24000, or any rate in 8000–48000
                 with whole 20 ms frames
  --seconds N    how long to record (0.1–3600)
  --out FILE     the WAV file to write
  --no-fallback  stop with an error if the device disappears, instead of continuing on the
                 system default
`;

const command = defineCommand({
  usage,
  options: {
    device: { type: 'string', default: 'default' },
    rate: { type: 'string', default: '16000' },
    seconds: { type: 'string' },
    out: { type: 'string' },
    'no-fallback': { type: 'boolean', default: false },
  },
  async run(values, io) {
    const rate = Number(values.rate);
    if (!Number.isInteger(rate) || rate < 8000 || rate > 48000 || rate % 50 !== 0) {
      throw new UsageError(
        `--rate must be a whole number of Hz from 8000 to 48000 with whole 20 ms frames (16000, 24000, 48000 …), not "${values.rate}".`,
      );
    }
    if (values.seconds === undefined) throw new UsageError('--seconds is required.');
    const seconds = Number(values.seconds);
    if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600)
      throw new UsageError(`--seconds must be between 0.1 and 3600, not "${values.seconds}".`);
    if (!values.out) throw new UsageError('--out FILE.wav is required.');

    const host = createNodeCaptureHost(io.env);
    try {
      const devices = await host.listDevices();
      if (devices.length === 0)
        throw new EarshotError(
          'NO_INPUT_DEVICES',
          'No microphone was found. Connect one and run `earshot devices` again.',
        );
      const key = resolveDeviceSelector(devices, values.device);
      if (key === null) {
        const names = devices.map((d) => d.key).join(', ') || 'none';
        throw new EarshotError(
          'DEVICE_NOT_FOUND',
          `No microphone matches "${values.device}". Available: ${names}. Run \`earshot devices\` to list them.`,
        );
      }
      const samples = await capture(host, io, { key, rate, seconds, fallback: !values['no-fallback'] });
      await writeWav(values.out, { sampleRate: rate, channels: 1, samples });
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      io.stderr.write(
        `Wrote ${values.out}: ${(samples.length / rate).toFixed(2)} s, ${rate} Hz mono, peak ${toDbfs(peak / 32768).toFixed(1)} dBFS.\n`,
      );
      return EXIT_OK;
    } finally {
      await host.dispose();
    }
  },
});

interface CaptureSpec {
  readonly key: string;
  readonly rate: number;
  readonly seconds: number;
  readonly fallback: boolean;
}

/** Collects exactly `seconds` of audio (fewer if interrupted); rejects if capture fails. */
async function capture(host: CaptureHost, io: CliIo, spec: CaptureSpec): Promise<Int16Array> {
  const wanted = Math.round(spec.seconds * spec.rate);
  const frames: AudioFrame[] = [];
  let collected = 0;
  let finish: (error: EarshotError | null) => void = () => {};
  const done = new Promise<EarshotError | null>((resolve) => (finish = resolve));
  host.on('frame', (frame) => {
    frames.push(frame);
    collected += frame.samples.length;
    if (collected >= wanted) finish(null);
  });
  host.on('error', (error: ErrorPayload) => finish(new EarshotError(error.code, error.message)));
  host.on('health', (w) => io.stderr.write(`${w.active ? 'warning' : 'note'}: ${w.message}\n`));
  host.on('deviceLost', (lost) => io.stderr.write(`warning: ${lost.message}\n`));
  host.on('deviceRestored', (d) => io.stderr.write(`note: “${d.name}” is back; recording from it again.\n`));
  const onAbort = (): void => finish(null);
  io.signal.addEventListener('abort', onAbort, { once: true });

  const { device } = await host.start({
    deviceKey: spec.key,
    sampleRate: spec.rate,
    fallbackToDefault: spec.fallback,
    preRollMs: 0,
  });
  io.stderr.write(`Recording ${spec.seconds} s from “${device.name}” at ${spec.rate} Hz … (Ctrl+C to stop early)\n`);
  // A device that never delivers gets reported rather than waited on forever.
  const noAudioMs = spec.seconds * 1000 + 15_000;
  const watchdog = setTimeout(
    () =>
      finish(
        new EarshotError(
          'DEVICE_OPEN_FAILED',
          `“${device.name}” delivered no audio within ${noAudioMs / 1000} s. Check the device, or choose another one.`,
        ),
      ),
    noAudioMs,
  );
  const failure = await done;
  clearTimeout(watchdog);
  io.signal.removeEventListener('abort', onAbort);
  await host.stop();
  if (failure && collected === 0) throw failure;
  if (failure)
    io.stderr.write(`warning: ${failure.message} Keeping the ${(collected / spec.rate).toFixed(2)} s recorded.\n`);
  const out = new Int16Array(Math.min(collected, wanted));
  let offset = 0;
  for (const frame of frames) {
    if (offset >= out.length) break;
    const take = Math.min(frame.samples.length, out.length - offset);
    out.set(frame.samples.subarray(0, take), offset);
    offset += take;
  }
  return out;
}

export default command;
