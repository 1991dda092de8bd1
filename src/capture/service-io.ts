import type { CaptureEvent } from '../shared/capture-protocol.ts';
import type { AudioBackend } from './audio-backend.ts';

/** Events as the service emits them; capture-main.ts adds the protocol version. */
export type ServiceEvent = CaptureEvent extends infer E ? (E extends unknown ? Omit<E, 'v'> : never) : never;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ServiceIo {
  emit(event: ServiceEvent): void;
  log(level: LogLevel, message: string): void;
  /** Streams, device lists, probes and presence watches (portAudioBackend in the app). */
  readonly backend: AudioBackend;
}
