import type { DeviceInfo } from '../shared/devices.ts';
import type { AudioBackend, CaptureStream, OpenStreamRequest, PresenceLease, StreamSink } from './audio-backend.ts';
import { changesCallProfile } from './bluetooth-profile.ts';
import { CallProfileWatch } from './call-profile-watch.ts';
import { PulseMonitor } from './pulse-monitor.ts';
import { pulseSourceName, type PulseServerInfo } from './pulse-devices.ts';
import { listPulseDevices, listSourcesAndCards } from './pulse-server.ts';
import { PulseStream } from './pulse-stream.ts';
import type { LogLevel } from './service-io.ts';

export interface PulseBackend extends AudioBackend {
  dispose(): void;
}

/**
 * The machine's audio through the Linux sound server (PulseAudio, or PipeWire's PulseAudio
 * interface): its sources as the desktop names them, microphones and output monitors alike,
 * opened directly by name (pulse-stream.ts); hot-plug from its notifications
 * (pulse-monitor.ts). No helper processes: listing never needs a fresh PortAudio here.
 */
export function pulseBackend(
  info: PulseServerInfo,
  log: (level: LogLevel, message: string) => void,
  list: () => Promise<DeviceInfo[]> = listPulseDevices,
): PulseBackend {
  const monitor = new PulseMonitor({ list, log });
  const server = [info.server_name ?? 'sound server', info.server_version].filter(Boolean).join(' ');
  return {
    description: `${server} through pactl/parec`,
    openStream: (request, sink) => openWatched(request, sink, monitor, log),
    listDevices: list,
    probeDevices: async (key) => {
      const devices = await list();
      return { devices, openable: key === undefined ? null : devices.some((d) => d.key === key) };
    },
    watchPresence: (key, events): PresenceLease => {
      let ended = false;
      const subscription = monitor.onChange((devices) => {
        if (ended || devices.some((d) => d.key === key)) return;
        ended = true;
        subscription.stop();
        events.gone();
      });
      return {
        key,
        stop: () => {
          ended = true;
          subscription.stop();
        },
      };
    },
    watchDevices: (onChange) => monitor.onChange(onChange),
    dispose: () => monitor.dispose(),
  };
}

/**
 * Opens a source; a microphone's stream also watches its Bluetooth card for the call profile
 * (call-profile-watch.ts) until it closes. Output monitors are not watched: the warning's
 * advice is about which microphone to use.
 */
async function openWatched(
  request: OpenStreamRequest,
  sink: StreamSink,
  monitor: PulseMonitor,
  log: (level: LogLevel, message: string) => void,
): Promise<CaptureStream> {
  const stream = await PulseStream.open(request, sink);
  const sourceName = pulseSourceName(stream.device.key);
  if (stream.device.kind !== 'microphone' || sourceName === null) return stream;
  const watch = new CallProfileWatch({
    sourceName,
    deviceName: stream.device.name,
    query: listSourcesAndCards,
    onChange: (listener) => monitor.onEvents(changesCallProfile, listener),
    health: (warning) => sink.health(warning),
    log,
  });
  watch.start();
  return {
    key: stream.key,
    device: stream.device,
    sessionRate: stream.sessionRate,
    deviceRate: stream.deviceRate,
    deviceChannels: stream.deviceChannels,
    get gotData() {
      return stream.gotData;
    },
    get stalled() {
      return stream.stalled;
    },
    tick: (nowMs) => stream.tick(nowMs),
    close: () => {
      watch.stop();
      return stream.close();
    },
  };
}
