import type { SpawnChild } from '../process/types.ts';

/**
 * ALSA and JACK print dozens of lines to stderr each time PortAudio enumerates devices on a
 * machine without those cards or servers ("ALSA lib confmisc.c… cannot find card '0'",
 * "jack server is not running"). They are harmless, and ProcessHost would log each as a
 * warning. This wrapper drops those known lines and passes everything else on (a native crash
 * still reaches the crash report).
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

export function withQuietAudioStderr(spawn: SpawnChild): SpawnChild {
  return (options) => {
    const child = spawn(options);
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => child.postMessage(message),
      onMessage: (listener) => child.onMessage(listener),
      onExit: (listener) => child.onExit(listener),
      kill: (signal) => child.kill(signal),
      onStderr: (listener) => {
        // Chunks end anywhere; judge whole lines only (a partial one waits for its end).
        let partial = '';
        child.onStderr((text) => {
          const lines = (partial + text).split('\n');
          partial = lines.pop() ?? '';
          if (partial.length > 4096) {
            lines.push(partial);
            partial = '';
          }
          const kept = lines.filter((line) => !isAudioStackNoise(line));
          if (kept.length > 0) listener(`${kept.join('\n')}\n`);
        });
      },
    };
  };
}
