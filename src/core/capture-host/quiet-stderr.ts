import type { ChildHandle, SpawnChild } from '../../platform/process/types.ts';

/**
 * ALSA and JACK print dozens of lines to stderr each time PortAudio enumerates devices on a
 * machine without those cards or servers ("ALSA lib confmisc.c… cannot find card '0'",
 * "jack server is not running"). They are harmless, and ProcessHost would log each as a
 * warning. This wrapper drops those known lines and passes everything else on (a native crash
 * still reaches the crash report). PortAudio's banners on stdout are dropped the same way.
 */
const NOISE = [
  /^ALSA lib /,
  /^Cannot connect to server (socket|request channel)/,
  /^jack server is not running/,
  /^JackShmReadWritePtr/,
  /^Expression '.*' failed in 'src\/hostapi\//,
  /^(PortAudio V19|Input audio options:|Input device name is|AudioIO: portAudio status)/,
  /^\s*$/,
];

export function isAudioStackNoise(line: string): boolean {
  return NOISE.some((pattern) => pattern.test(line));
}

/** Passes on whole lines that are not known noise (a partial line waits for its end). */
function withoutNoise(listener: (text: string) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > 4096) {
      lines.push(partial);
      partial = '';
    }
    const kept = lines.filter((line) => !isAudioStackNoise(line));
    if (kept.length > 0) listener(`${kept.join('\n')}\n`);
  };
}

/** The same spawner, with the audio stack's known chatter dropped from stderr and stdout. */
export function withQuietAudioStderr(spawn: SpawnChild): SpawnChild {
  return (options) => {
    const child = spawn(options);
    const quiet: ChildHandle = {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => child.postMessage(message),
      onMessage: (listener) => child.onMessage(listener),
      onExit: (listener) => child.onExit(listener),
      kill: (signal) => child.kill(signal),
      onStderr: (listener) => child.onStderr(withoutNoise(listener)),
    };
    const onStdout = child.onStdout?.bind(child);
    if (onStdout) quiet.onStdout = (listener) => onStdout(withoutNoise(listener));
    return quiet;
  };
}
