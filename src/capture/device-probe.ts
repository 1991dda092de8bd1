import type { ProbeResult } from './audio-backend.ts';
import type { HelperClient } from './helper-client.ts';

/**
 * PortAudio enumerates devices only when it initialises, and it stays initialised while a
 * stream is open: a process that is capturing cannot see a microphone plugged in since. So
 * while a stream runs, the capture process has its parent start a short-lived probe (this
 * entry with `--probe`, see probe-main.ts), which starts PortAudio afresh, lists the devices
 * and optionally checks that one opens.
 */
const PROBE_TIMEOUT_MS = 8000;

/** Runs a probe helper (through the parent) and returns what it found. */
export function probeInSubprocess(helpers: HelperClient, key?: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      lease.stop();
      reject(new Error(`device probe gave no answer within ${PROBE_TIMEOUT_MS / 1000} s`));
    }, PROBE_TIMEOUT_MS);
    const lease = helpers.start(
      { mode: 'probe', key: key ?? null },
      {
        message: (message) => {
          if (message.type !== 'probe-result') return;
          clearTimeout(timer);
          resolve({ devices: message.devices, openable: message.openable });
        },
        exit: (detail) => {
          clearTimeout(timer);
          reject(new Error(`device probe failed: ${detail}`));
        },
      },
    );
  });
}
