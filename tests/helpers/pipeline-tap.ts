import { readFileSync } from 'node:fs';
import { spawnNodeChild } from '../../src/platform/process/node-spawn.ts';
import type { ChildHandle, SpawnChild } from '../../src/platform/process/types.ts';
import { childEnvelopeSchema } from '../../src/shared/process-envelope.ts';

/**
 * A `spawn` for `createAppCore` that starts the real child processes and lets a measurement
 * look over their shoulder: it copies every audio frame the capture process posts (samples
 * and `captureTimeMs`, plus when it reached this process) and remembers each child's pid for
 * CPU accounting. Nothing is altered; the app core sees exactly what it would otherwise.
 */
export interface TappedFrame {
  readonly seq: number;
  /** Capture clock: wall-clock ms at which the frame's first sample was captured. */
  readonly captureTimeMs: number;
  /** `performance.timeOrigin + performance.now()` here when the frame arrived. */
  readonly receivedMs: number;
  readonly samples: Int16Array;
}

export class PipelineTap {
  readonly frames: TappedFrame[] = [];
  readonly #children = new Map<string, ChildHandle>();
  #recording = false;

  readonly spawn: SpawnChild = (options) => {
    const handle = spawnNodeChild(options);
    this.#children.set(options.name, handle);
    if (options.name === 'capture') handle.onMessage((message) => this.#onCaptureMessage(message));
    return handle;
  };

  /** The current pid of a child by its name ('capture', 'engine'). */
  pid(name: string): number | undefined {
    return this.#children.get(name)?.pid;
  }

  record(on: boolean): void {
    this.#recording = on;
  }

  /**
   * The recorded frames as one signal, indexed by frame sequence (a dropped frame leaves
   * silence in its place, so sample positions keep matching time), and the capture time of
   * any sample in it.
   */
  captured(): { samples: Int16Array; captureTimeOf(index: number): number } {
    const frames = [...this.frames].sort((a, b) => a.seq - b.seq);
    const first = frames[0];
    if (!first) throw new Error('no frames were recorded');
    const size = first.samples.length;
    const rate = (size * 1000) / 20;
    const samples = new Int16Array((frames.at(-1)!.seq - first.seq + 1) * size);
    const times = new Float64Array(samples.length / size);
    for (const f of frames) {
      samples.set(f.samples, (f.seq - first.seq) * size);
      times[f.seq - first.seq] = f.captureTimeMs;
    }
    return {
      samples,
      captureTimeOf: (index) => {
        const frame = Math.max(0, Math.min(times.length - 1, Math.floor(index / size)));
        // A missing frame has no time of its own: extrapolate from the first frame.
        const base = times[frame] || first.captureTimeMs + frame * 20;
        return base + ((index - frame * size) * 1000) / rate;
      },
    };
  }

  #onCaptureMessage(envelope: unknown): void {
    if (!this.#recording) return;
    // The capture protocol rides in the process envelope's `message` (src/shared/process-envelope.ts).
    const parsed = childEnvelopeSchema.safeParse(envelope);
    if (!parsed.success || !('message' in parsed.data)) return;
    const m = parsed.data.message as TapMessage & { frames?: unknown };
    // Frames travel a few to a message (`frames`, src/capture/frame-batcher.ts) or alone.
    const receivedMs = performance.timeOrigin + performance.now();
    if (m.type === 'frames' && Array.isArray(m.frames))
      for (const f of m.frames as TapMessage[]) this.#keep(f, receivedMs);
    else this.#keep(m, receivedMs);
  }

  #keep(m: TapMessage, receivedMs: number): void {
    if (m.type !== 'frame' || m.preRoll === true || !(m.samples instanceof Int16Array)) return;
    this.frames.push({
      seq: m.seq as number,
      captureTimeMs: m.captureTimeMs as number,
      receivedMs,
      samples: m.samples,
    });
  }
}

interface TapMessage {
  type?: unknown;
  preRoll?: unknown;
  seq?: unknown;
  captureTimeMs?: unknown;
  samples?: unknown;
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ: 100 on every Linux this runs on

/** User + system CPU time a process has used so far, in ms (from /proc/<pid>/stat). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}
