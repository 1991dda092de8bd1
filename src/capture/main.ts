/**
 * The capture process entry: the app's ears. Started by CaptureHost (src/core/capture-host) as an
 * Electron utility process or a Node child; speaks the protocol in src/shared/capture-protocol.ts.
 * Started by CaptureHost with `--probe [key]` it is instead a one-shot device probe, and with
 * `--watch <key>` a device-presence watcher (probe-main.ts): helpers the capture process asks
 * its parent for. Both load only the few modules they need, so they start in tens of milliseconds.
 */
import { parseHelperArgs } from '../shared/capture-helper-args.ts';

const helper = parseHelperArgs(process.argv);
if (helper?.mode === 'probe') {
  const { runProbe } = await import('./probe-main.ts');
  await runProbe(helper.key);
} else if (helper?.mode === 'watch') {
  const { runPresenceWatch } = await import('./probe-main.ts');
  await runPresenceWatch(helper.key);
} else {
  const { runCaptureProcess } = await import('./capture-main.ts');
  await runCaptureProcess();
}
