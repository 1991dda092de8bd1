import { ActiveStream } from './active-stream.ts';
import type { AudioBackend } from './audio-backend.ts';
import { probeInSubprocess } from './device-probe.ts';
import type { HelperClient } from './helper-client.ts';
import { PresenceWatch } from './presence-watch.ts';
import { enumerateDevices } from './probe-main.ts';

/**
 * The machine's audio as the capture process reaches it: streams and in-process enumeration
 * through PortAudio; probes and presence watches in helper processes its parent starts.
 */
export function portAudioBackend(helpers: HelperClient): AudioBackend {
  return {
    openStream: (request, sink) => ActiveStream.open(request, sink),
    listDevices: enumerateDevices,
    probeDevices: (key) => probeInSubprocess(helpers, key),
    watchPresence: (key, events) =>
      new PresenceWatch(
        helpers,
        key,
        () => events.gone(),
        (detail) => events.exit(detail),
      ),
  };
}
