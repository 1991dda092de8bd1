import { execFile } from 'node:child_process';
import type { DeviceInfo } from '../shared/devices.ts';
import { parseServerInfo, pulseDeviceList, type PulseServerInfo } from './pulse-devices.ts';

/**
 * Talking to the Linux sound server through its own command-line client, `pactl` (Debian's
 * pulseaudio-utils; PipeWire's pipewire-pulse answers it the same way). A client binary, not
 * libpulse bindings: Earshot adds no native dependency, and each answer is JSON.
 */

/** A list or info query answers in milliseconds; this only bounds a hung server. */
const PACTL_TIMEOUT_MS = 5000;

/** Runs `pactl args…` and resolves with its stdout; rejects with what pactl said on failure. */
export function runPactl(args: readonly string[], timeoutMs = PACTL_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'pactl',
      [...args],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          // pactl repeats itself ("Connection failure: …" then "pa_context_connect() failed: …"): one line says it.
          const said = stderr.trim().split('\n')[0] || error.message;
          reject(new Error(`pactl ${args.join(' ')} failed: ${said}`, { cause: error }));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

/** The running sound server, or why none answers (pactl missing, no server, an old pactl without JSON). */
export async function detectSoundServer(): Promise<
  { ok: true; info: PulseServerInfo } | { ok: false; reason: string }
> {
  try {
    return { ok: true, info: parseServerInfo(await runPactl(['--format=json', 'info'])) };
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    return { ok: false, reason: code === 'ENOENT' ? 'pactl is not installed' : (error as Error).message };
  }
}

/** A fresh list of the server's sources (microphones and output monitors). */
export async function listPulseDevices(): Promise<DeviceInfo[]> {
  const [info, sources, sinks] = await Promise.all([
    runPactl(['--format=json', 'info']),
    runPactl(['--format=json', 'list', 'sources']),
    runPactl(['--format=json', 'list', 'sinks']),
  ]);
  return pulseDeviceList(sources, sinks, parseServerInfo(info));
}

/** What the Bluetooth call-profile check reads (bluetooth-profile.ts): the sources and the cards. */
export async function listSourcesAndCards(): Promise<{ sources: string; cards: string }> {
  const [sources, cards] = await Promise.all([
    runPactl(['--format=json', 'list', 'sources']),
    runPactl(['--format=json', 'list', 'cards']),
  ]);
  return { sources, cards };
}
