import type { AudioFrame, FrameSource } from '../../shared/audio-frame.ts';
import { EarshotError } from '../../shared/errors.ts';
import { captureMessageSchema, type CaptureMessage } from '../../shared/system-audio/capture-messages.ts';
import { FramePacker, InputTimeline } from '../../shared/system-audio/frame-packer.ts';
import {
  describeTrouble,
  systemAudioErrorCode,
  type SystemAudioTrouble,
} from '../../shared/system-audio/system-audio-errors.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { createResampler, type Resampler } from '../../platform/audio/resampler.ts';

const log = createLogger('system-audio');

/** An open capture context (the hidden window in Electron; a fake in tests). */
export interface CaptureContext {
  /** Ends the capture; nothing more is heard from it. Never throws. */
  close(): void;
}

export interface CaptureContextEvents {
  /** A message from the capture page, unparsed: the source checks it. */
  message(data: unknown): void;
  /** The context went away by itself (its renderer crashed or was closed). */
  gone(): void;
}

export interface SystemAudioSourceOptions {
  /** The session's rate: every frame comes out at this rate, mono PCM16, 20 ms. */
  readonly sampleRate: number;
  readonly os: 'win32' | 'darwin';
  /** Opens the capture page (main: the hidden window). */
  openContext(events: CaptureContextEvents): CaptureContext;
  /** How long the page may take to say `started` (a permission prompt can hold it). */
  readonly startTimeoutMs?: number;
  /** Trouble after start (the track ended): the watchdog also sees the frames stop. */
  onTrouble?(error: EarshotError): void;
}

/** Long enough for macOS's first-run permission prompt to appear; the page answers in well under a second otherwise. */
const DEFAULT_START_TIMEOUT_MS = 15_000;

/**
 * System audio as a FrameSource, like the microphone (microphone-source.ts): the capture page
 * posts 20 ms Float32 chunks at its audio context's rate with capture-clock times; this parses
 * them, pads real gaps with silence, resamples to the session rate with the Speex resampler and
 * packs 20 ms PCM16 frames stamped on the same wall clock the microphone uses. `ended` never
 * resolves: a lost track is reported through `onTrouble` and by the frames stopping.
 */
export function createSystemAudioSource(options: SystemAudioSourceOptions): FrameSource {
  let running: Running | null = null;
  return {
    sampleRate: options.sampleRate,
    ended: new Promise<void>(() => {}),
    async start(onFrame) {
      if (running) throw new Error('The system audio source is already started.');
      running = new Running(options, onFrame);
      try {
        await running.started;
      } catch (error) {
        running.close();
        running = null;
        throw error;
      }
    },
    stop() {
      running?.close();
      running = null;
      return Promise.resolve();
    },
  };
}

/** One capture from open to close. */
class Running {
  readonly started: Promise<void>;
  readonly #options: SystemAudioSourceOptions;
  readonly #onFrame: (frame: AudioFrame) => void;
  readonly #context: CaptureContext;
  #settle: ((error: EarshotError | null) => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #timeline: InputTimeline | null = null;
  #resampler: Resampler | null = null;
  /** Resampler creation is async; chunks that arrive meanwhile wait here, in order. */
  #pipeline: Promise<void> = Promise.resolve();
  #packer: FramePacker | null = null;
  #closed = false;
  #hadAudio = false;

  constructor(options: SystemAudioSourceOptions, onFrame: (frame: AudioFrame) => void) {
    this.#options = options;
    this.#onFrame = onFrame;
    this.started = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => {
        this.#settle = null;
        if (this.#timer) clearTimeout(this.#timer);
        if (error) reject(error);
        else resolve();
      };
    });
    this.#timer = setTimeout(
      () => this.#trouble({ kind: 'no-answer' }),
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    );
    this.#context = options.openContext({
      message: (data) => this.#message(data),
      gone: () => this.#trouble({ kind: 'page-gone' }),
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#context.close();
    const resampler = this.#resampler;
    this.#resampler = null;
    // Chunks still queued for the pipeline see #closed and stop; free the filter after them.
    void this.#pipeline.then(() => resampler?.dispose());
  }

  #message(data: unknown): void {
    if (this.#closed) return;
    const parsed = captureMessageSchema.safeParse(data);
    if (!parsed.success) {
      log.warn(`dropped a malformed message from the capture page: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    this.#handle(parsed.data);
  }

  #handle(message: CaptureMessage): void {
    switch (message.type) {
      case 'started': {
        log.info(`capturing "${message.trackLabel}" at ${message.sampleRate} Hz, ${message.channels} channel(s)`);
        this.#timeline = new InputTimeline(message.sampleRate);
        const rate = message.sampleRate;
        this.#pipeline = this.#pipeline
          .then(async () => {
            this.#resampler = await createResampler(rate, this.#options.sampleRate);
            if (this.#closed) this.#resampler.dispose();
          })
          .then(() => this.#settle?.(null))
          .catch((error: unknown) => {
            log.error('could not create the resampler', error);
            this.#trouble({ kind: 'failed', stage: 'audio-graph', name: 'ResamplerError' });
          });
        return;
      }
      case 'chunk':
        this.#chunk(message.captureTimeMs, message.samples);
        return;
      case 'failed':
        this.#trouble({ kind: 'failed', stage: message.stage, name: message.name }, message.message);
        return;
      case 'ended':
        this.#trouble({ kind: 'ended', hadAudio: message.hadAudio || this.#hadAudio });
        return;
    }
  }

  #chunk(captureTimeMs: number, samples: Float32Array): void {
    const timeline = this.#timeline;
    if (!timeline) {
      log.warn('dropped audio the capture page sent before saying it started');
      return;
    }
    this.#hadAudio = true;
    const fill = timeline.observe(captureTimeMs, samples.length);
    if (fill > 0)
      log.warn(`system audio missed ${Math.round((fill * 1000) / timeline.sampleRate)} ms; padded with silence`);
    const originMs = timeline.originMs ?? captureTimeMs;
    this.#pipeline = this.#pipeline.then(() => {
      if (this.#closed || !this.#resampler) return;
      this.#packer ??= new FramePacker(this.#options.sampleRate, originMs);
      if (fill > 0) this.#packer.push(this.#resampler.process(new Float32Array(fill)), this.#onFrame);
      this.#packer.push(this.#resampler.process(samples), this.#onFrame);
    });
  }

  #trouble(trouble: SystemAudioTrouble, detail = ''): void {
    if (this.#closed) return;
    const code = systemAudioErrorCode(this.#options.os, trouble);
    log.warn(`system audio: ${describeTrouble(trouble)}${detail ? ` (${detail})` : ''} → ${code}`);
    const error = new EarshotError(code);
    if (this.#settle) {
      this.#settle(error);
      return;
    }
    this.#options.onTrouble?.(error);
  }
}
