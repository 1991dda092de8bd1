import type { HealthWarning } from '../../shared/devices.ts';

// What the signal itself shows; the Bluetooth profile is the sound server's to say (call-profile-watch.ts).
type Kind = Exclude<HealthWarning['kind'], 'bluetooth-call-profile'>;

export interface InputHealthOptions {
  /** Only exact zeros for this long → `digital-silence` (a muted, blocked or hijacked device). */
  readonly silenceMs?: number;
  /** No data for this long once data has flowed → `stalled`. */
  readonly stallMs?: number;
  /** Before the first data a device may take a while to start (PulseAudio: ~1.5 s). */
  readonly startupGraceMs?: number;
  /** Full-scale samples within `clipWindowMs` that count as clipping. */
  readonly clipSamples?: number;
  readonly clipWindowMs?: number;
  /** Clipping clears after this long without a full-scale sample. */
  readonly clipClearMs?: number;
}

const DEFAULTS: Required<InputHealthOptions> = {
  silenceMs: 2000,
  stallMs: 1000,
  startupGraceMs: 3000,
  clipSamples: 8,
  clipWindowMs: 1000,
  clipClearMs: 2000,
};

/**
 * Watches the raw input for the failures that otherwise lose speech silently: a device that
 * delivers only zeros (macOS privacy, a Bluetooth headset taken by a phone), clipping, and
 * callbacks that stop. Reports each condition when it starts (`active: true`) and when it
 * clears. Silence and clipping are measured in audio time; stalls in wall time via `tick`.
 */
export class InputHealthWatchdog {
  readonly #options: Required<InputHealthOptions>;
  readonly #onChange: (warning: HealthWarning) => void;
  readonly #active = new Set<Kind>();
  #deviceName = '';
  #openedAt = 0;
  #lastDataAt: number | null = null;
  #zeroRunMs = 0;
  /** Audio-time positions (ms) of recent full-scale samples, oldest first. */
  #clipTimes: number[] = [];
  #audioMs = 0;

  constructor(onChange: (warning: HealthWarning) => void, options: InputHealthOptions = {}) {
    this.#onChange = onChange;
    this.#options = { ...DEFAULTS, ...options };
  }

  get active(): ReadonlySet<Kind> {
    return this.#active;
  }

  /** A stream opened on `deviceName` at wall time `nowMs`. Clears the previous device's warnings. */
  open(deviceName: string, nowMs: number): void {
    this.close();
    this.#deviceName = deviceName;
    this.#openedAt = nowMs;
  }

  /** The stream closed: every active warning clears. */
  close(): void {
    for (const kind of [...this.#active]) this.#set(kind, false);
    this.#lastDataAt = null;
    this.#zeroRunMs = 0;
    this.#clipTimes = [];
    this.#audioMs = 0;
  }

  /** A chunk of interleaved PCM16 arrived at wall time `nowMs`. */
  onData(interleaved: Int16Array, channels: number, sampleRate: number, nowMs: number): void {
    this.#lastDataAt = nowMs;
    this.#set('stalled', false);
    const msPerFrame = 1000 / sampleRate;
    let lastNonZero = -1;
    for (let i = 0; i < interleaved.length; i++) {
      const s = interleaved[i]!;
      if (s !== 0) lastNonZero = i;
      if (s >= 32767 || s <= -32768) this.#clipTimes.push(this.#audioMs + Math.floor(i / channels) * msPerFrame);
    }
    const chunkMs = (interleaved.length / channels) * msPerFrame;
    if (lastNonZero < 0) {
      this.#zeroRunMs += chunkMs;
    } else {
      this.#zeroRunMs = ((interleaved.length - 1 - lastNonZero) / channels) * msPerFrame;
      this.#set('digital-silence', false);
    }
    if (this.#zeroRunMs > this.#options.silenceMs) this.#set('digital-silence', true);
    this.#audioMs += chunkMs;
    this.#updateClipping();
  }

  /** Call a few times a second: detects stalls, which no data can report. */
  tick(nowMs: number): void {
    if (!this.#deviceName) return;
    const since = this.#lastDataAt ?? this.#openedAt;
    const limit = this.#lastDataAt === null ? this.#options.startupGraceMs : this.#options.stallMs;
    if (nowMs - since > limit) this.#set('stalled', true);
  }

  #updateClipping(): void {
    const { clipSamples, clipWindowMs, clipClearMs } = this.#options;
    const keepFrom = this.#audioMs - Math.max(clipWindowMs, clipClearMs);
    let drop = 0;
    while (drop < this.#clipTimes.length && this.#clipTimes[drop]! < keepFrom) drop++;
    if (drop > 0) this.#clipTimes.splice(0, drop);
    const inWindow = this.#clipTimes.filter((t) => t >= this.#audioMs - clipWindowMs).length;
    if (inWindow >= clipSamples) this.#set('clipping', true);
    else if (this.#clipTimes.length === 0) this.#set('clipping', false);
  }

  #set(kind: Kind, active: boolean): void {
    if (this.#active.has(kind) === active) return;
    if (active) this.#active.add(kind);
    else this.#active.delete(kind);
    this.#onChange({
      kind,
      active,
      deviceName: this.#deviceName,
      message: healthMessage(kind, active, this.#deviceName),
    });
  }
}

export function healthMessage(kind: Kind, active: boolean, deviceName: string): string {
  const name = `“${deviceName}”`;
  if (!active) {
    switch (kind) {
      case 'digital-silence':
        return `${name} is delivering sound again.`;
      case 'clipping':
        return `${name} is no longer clipping.`;
      case 'stalled':
        return `${name} is delivering audio again.`;
    }
  }
  switch (kind) {
    case 'digital-silence':
      return `${name} has delivered only digital silence (exact zeros) for more than 2 seconds. It may be muted, blocked by your privacy settings, or taken by another app or device.`;
    case 'clipping':
      return `${name} is too loud: the sound is clipping and words may be misheard. Lower the input volume in your system sound settings or move away from the microphone.`;
    case 'stalled':
      return `${name} stopped delivering audio for more than a second. Earshot is checking the device.`;
  }
}
