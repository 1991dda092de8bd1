import type { DeviceInfo } from '../shared/devices.ts';
import type { AudioBackend, PresenceLease } from './audio-backend.ts';
import { PulseMonitor } from './pulse-monitor.ts';
import type { PulseServerInfo } from './pulse-devices.ts';
import { listPulseDevices } from './pulse-server.ts';
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
    openStream: (request, sink) => PulseStream.open(request, sink),
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
