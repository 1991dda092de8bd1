import { spawn } from 'node:child_process';
import { z } from 'zod';
import { deviceInfoSchema } from '../shared/devices.ts';
import { PROBE_RESULT_PREFIX } from './probe-main.ts';

/**
 * PortAudio enumerates devices only when it initialises, and it stays initialised while a
 * stream is open: a process that is capturing cannot see a microphone plugged in since. So
 * while a stream runs, the capture process asks a short-lived copy of itself (`--probe`),
 * which starts PortAudio afresh, lists the devices and optionally checks that one opens.
 */
/** Must match the flag src/capture/main.ts looks for. */
const PROBE_FLAG = '--probe';
const PROBE_TIMEOUT_MS = 8000;

const probeResultSchema = z.object({
  devices: z.array(deviceInfoSchema),
  /** Whether the asked-for device opened; null when none was asked for. */
  openable: z.boolean().nullable(),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;

/** Runs a probe process (this same entry with `--probe`) and returns what it found. */
export function probeInSubprocess(entryPath: string, key?: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entryPath, PROBE_FLAG, ...(key === undefined ? [] : [key])], {
      // Under Electron, execPath is the app binary: this makes it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => (output += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith(PROBE_RESULT_PREFIX));
      const parsed = line ? probeResultSchema.safeParse(parseJson(line.slice(PROBE_RESULT_PREFIX.length))) : null;
      if (parsed?.success) resolve(parsed.data);
      else reject(new Error(`device probe failed (exit ${code ?? signal}): ${output.slice(-300) || 'no output'}`));
    });
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return { parseError: (error as Error).message };
  }
}
