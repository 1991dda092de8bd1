import { described, runBounded, type VirtualMic } from './virtual-mic.ts';

/**
 * More devices on a VirtualMic's PulseAudio, made the way a desktop's exist: sound-server
 * sinks and sources with a `device.description`, nothing in ALSA.
 *
 * ```ts
 * const speakers = await addSpeakers(mic, 'meeting_spk', 'Speakers');     // its monitor: "System audio — Speakers"
 * const headset = await addMicrophone(mic, 'headset_mic', 'Headset microphone');
 * await Promise.all([speakers.play(othersWav), headset.play(youWav)]);
 * await headset.unplug();
 * ```
 */
export interface VirtualDevice {
  /** Earshot's key for what capture opens: the source, or the sink's monitor. */
  readonly key: string;
  /** Plays a WAV file so that this device hears it (real time); resolves when done. */
  play(wavPath: string, options?: { timeoutMs?: number }): Promise<void>;
  /** Unloads its modules: the device disappears like a pulled USB plug. */
  unplug(): Promise<void>;
}

/** An output (a null sink): what is played into it is what its monitor, the system audio, hears. */
export async function addSpeakers(mic: VirtualMic, sinkName: string, description: string): Promise<VirtualDevice> {
  const module = (
    await mic.pactl('load-module', 'module-null-sink', `sink_name=${sinkName}`, described('sink', description))
  ).trim();
  return {
    key: `PulseAudio:${sinkName}.monitor`,
    play: (wavPath, options = {}) => paplay(mic, sinkName, wavPath, options.timeoutMs),
    unplug: () => unload(mic, [module]),
  };
}

/**
 * A microphone source. PulseAudio has no source one can speak into from a script, so it is a
 * `module-remap-source` over the monitor of a hidden feed sink, as the virtual mics are; the
 * feed sink is described "<description> (feed)" and listed as system audio too.
 */
export async function addMicrophone(mic: VirtualMic, sourceName: string, description: string): Promise<VirtualDevice> {
  const feed = `${sourceName}_feed`;
  const sinkModule = (
    await mic.pactl('load-module', 'module-null-sink', `sink_name=${feed}`, described('sink', `${description} (feed)`))
  ).trim();
  const sourceModule = (
    await mic.pactl(
      'load-module',
      'module-remap-source',
      `source_name=${sourceName}`,
      `master=${feed}.monitor`,
      described('source', description),
    )
  ).trim();
  return {
    key: `PulseAudio:${sourceName}`,
    play: (wavPath, options = {}) => paplay(mic, feed, wavPath, options.timeoutMs),
    unplug: () => unload(mic, [sourceModule, sinkModule]),
  };
}

function paplay(mic: VirtualMic, sink: string, wavPath: string, timeoutMs = 60_000): Promise<void> {
  return runBounded('paplay', [`--device=${sink}`, wavPath], { ...process.env, ...mic.env }, timeoutMs).then(
    () => undefined,
  );
}

/** Unloads each module once; a second unplug is an error, as pulling a plug twice would be. */
async function unload(mic: VirtualMic, modules: string[]): Promise<void> {
  if (modules.length === 0) throw new Error('This device is already unplugged.');
  for (const module of modules.splice(0)) await mic.pactl('unload-module', module);
}
