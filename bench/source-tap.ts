import { spawn } from 'node:child_process';

/**
 * What a PulseAudio source delivered, with when each sample arrived: a `parec` of our own on
 * the same source Earshot records (same rate, format and 20 ms latency as pulse-stream.ts asks
 * for), so a played utterance's speech onset and end are known on the wall clock the CLI's
 * events are stamped with, from where the audio was found rather than from when `paplay` ran
 * (PulseAudio may take most of a second to start a playback stream). It runs in the bench's
 * process tree, not Earshot's, so its CPU is not counted as Earshot's.
 */
export interface TappedAudio {
  readonly samples: Int16Array;
  /** Wall-clock ms (performance.timeOrigin + now) at which sample `index` arrived. */
  wallMs(index: number): number;
}

export interface SourceTap {
  stop(): Promise<TappedAudio>;
}

const RATE = 16_000;

export function tapSource(sourceName: string, env: Readonly<Record<string, string>>): SourceTap {
  const child = spawn(
    'parec',
    [`--device=${sourceName}`, '--raw', '--format=s16le', `--rate=${RATE}`, '--channels=1', '--latency-msec=20'],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: Buffer[] = [];
  /** Per chunk: samples delivered up to its end, and when it arrived. */
  const marks: { end: number; at: number }[] = [];
  let bytes = 0;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    bytes += chunk.length;
    marks.push({ end: Math.floor(bytes / 2), at: performance.timeOrigin + performance.now() });
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-1000)));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 2000);
        }),
      ]);
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      if (all.length < 2) throw new Error(`parec on ${sourceName} delivered nothing: ${stderr.trim()}`);
      const samples = new Int16Array(all.buffer.slice(all.byteOffset, all.byteOffset + all.length - (all.length % 2)));
      return { samples, wallMs: (index) => wallOf(marks, index) };
    },
  };
}

/** The chunk holding `index` arrived at `at`; the sample itself was `(end − index)` samples earlier. */
function wallOf(marks: readonly { end: number; at: number }[], index: number): number {
  let lo = 0;
  let hi = marks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks[mid]!.end > index) hi = mid;
    else lo = mid + 1;
  }
  const mark = marks[lo]!;
  return mark.at - ((mark.end - index) * 1000) / RATE;
}
