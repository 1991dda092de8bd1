/**
 * The capture process entry: the app's ears. Started by CaptureHost (src/core/capture) as an
 * Electron utility process or a Node child; speaks the protocol in src/shared/capture-protocol.ts.
 * Run with `--probe [key]` it is instead a one-shot device probe (device-probe.ts), and with
 * `--watch <key>` a device-presence watcher (presence-watch.ts); both load only the few
 * modules they need, so they start in tens of milliseconds.
 */
import { fileURLToPath } from 'node:url';

const probeAt = process.argv.indexOf('--probe');
const watchAt = process.argv.indexOf('--watch');
if (probeAt >= 0) {
  const { runProbe } = await import('./probe-main.ts');
  await runProbe(process.argv[probeAt + 1]);
  process.exit(0);
} else if (watchAt >= 0) {
  const { runPresenceWatch } = await import('./probe-main.ts');
  await runPresenceWatch(process.argv[watchAt + 1]);
} else {
  const { runCaptureProcess } = await import('./capture-main.ts');
  runCaptureProcess(fileURLToPath(import.meta.url));
}
