import { spawn, type ChildProcess } from 'node:child_process';
import { WATCH_GONE } from './probe-main.ts';

/** Must match the flag src/capture/main.ts looks for. */
const WATCH_FLAG = '--watch';

/**
 * Parent side of `--watch`: a helper process that reports when the open device can no longer
 * be opened (see needsPresenceProbe for which devices need this). One per watched device;
 * `stop` ends it by its pid.
 */
export class PresenceWatch {
  readonly key: string;
  readonly #child: ChildProcess;
  #stopped = false;

  constructor(entryPath: string, key: string, onGone: () => void, onExit: (detail: string) => void) {
    this.key = key;
    this.#child = spawn(process.execPath, [entryPath, WATCH_FLAG, key], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let output = '';
    this.#child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      output = (output + text).slice(-4096);
      if (output.includes(WATCH_GONE) && !this.#stopped) {
        this.stop();
        onGone();
      }
    });
    this.#child.on('error', (error) => onExit(error.message));
    this.#child.on('exit', (code, signal) => {
      if (!this.#stopped) onExit(`exited (${code ?? signal})`);
    });
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#child.kill();
  }
}
