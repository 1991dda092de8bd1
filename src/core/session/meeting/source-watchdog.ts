import type { AudioFrame } from '../../../shared/audio-frame.ts';
import { errorMessage, type ErrorCode } from '../../../shared/errors.ts';
import type { SpeakerSource } from '../../../shared/transcript.ts';

/** System audio quieter than this (mean square of PCM16, about −60 dBFS) counts as silent. */
const SILENT_MEAN_SQUARE = 1_074;
/** A mic frame louder than this (about −40 dBFS) counts as someone speaking. */
const SPEECH_MEAN_SQUARE = 107_374;
/** How long system audio must stay silent while the mic hears speech before the warning. */
export const SILENT_WARN_MS = 10_000;
/** Of that time, how much speech the mic must have heard (it is a call, not a quiet room). */
const SPEECH_NEEDED_MS = 1_500;
/** A source whose newest frame is this far behind the other's has stopped delivering. */
export const STALLED_MS = 3_000;

export interface WatchdogNotice {
  readonly code: ErrorCode;
  readonly message: string;
  /** True: the condition began (warn); false: it is over (clear the warning). */
  readonly active: boolean;
}

/**
 * Meeting mode's eyes on its two sources, on the capture clock alone (no timers): warns when
 * system audio is selected but silent while the mic hears speech (the call plays through
 * another output, or the monitor captures nothing: the most reported failure of peers' meeting
 * modes), and when one source stops delivering frames while the other goes on (unplugged).
 */
export class SourceWatchdog {
  readonly #notify: (notice: WatchdogNotice) => void;
  #systemSoundAt: number | null = null;
  #systemStart: number | null = null;
  /** Capture times of recent mic frames that held speech. */
  #micSpeech: number[] = [];
  #silentWarned = false;
  readonly #newest: Record<SpeakerSource, number | null> = { mic: null, system: null };
  readonly #stalled: Record<SpeakerSource, boolean> = { mic: false, system: false };

  constructor(notify: (notice: WatchdogNotice) => void) {
    this.#notify = notify;
  }

  frame(source: SpeakerSource, frame: AudioFrame): void {
    const at = frame.captureTimeMs;
    this.#newest[source] = at;
    if (this.#stalled[source]) {
      this.#stalled[source] = false;
      this.#notify({ code: 'SOURCE_LOST', message: stalledMessage(source), active: false });
    }
    const other: SpeakerSource = source === 'mic' ? 'system' : 'mic';
    const otherAt = this.#newest[other];
    if (otherAt !== null && !this.#stalled[other] && at - otherAt > STALLED_MS) {
      this.#stalled[other] = true;
      this.#notify({ code: 'SOURCE_LOST', message: stalledMessage(other), active: true });
    }
    if (source === 'system') this.#systemFrame(frame);
    else this.#micFrame(frame);
  }

  #systemFrame(frame: AudioFrame): void {
    this.#systemStart ??= frame.captureTimeMs;
    if (meanSquare(frame.samples) < SILENT_MEAN_SQUARE) return;
    this.#systemSoundAt = frame.captureTimeMs;
    if (!this.#silentWarned) return;
    this.#silentWarned = false;
    this.#notify({ code: 'SYSTEM_AUDIO_SILENT', message: errorMessage('SYSTEM_AUDIO_SILENT'), active: false });
  }

  #micFrame(frame: AudioFrame): void {
    const at = frame.captureTimeMs;
    if (meanSquare(frame.samples) >= SPEECH_MEAN_SQUARE) this.#micSpeech.push(at);
    while (this.#micSpeech.length > 0 && this.#micSpeech[0]! < at - SILENT_WARN_MS) this.#micSpeech.shift();
    if (this.#silentWarned || this.#systemStart === null || this.#stalled.system) return;
    const silentSince = this.#systemSoundAt ?? this.#systemStart;
    const speechMs = this.#micSpeech.length * (1000 * (frame.samples.length / frame.sampleRate));
    if (at - silentSince < SILENT_WARN_MS || speechMs < SPEECH_NEEDED_MS) return;
    this.#silentWarned = true;
    this.#notify({ code: 'SYSTEM_AUDIO_SILENT', message: errorMessage('SYSTEM_AUDIO_SILENT'), active: true });
  }
}

function stalledMessage(source: SpeakerSource): string {
  const which = source === 'mic' ? 'The microphone' : 'System audio';
  return `${which} stopped delivering sound (unplugged, or the output went away). The other source keeps being transcribed and everything recorded so far is kept; check the device, or stop and choose another.`;
}

function meanSquare(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return sum / Math.max(1, samples.length);
}
