import type { AppCore } from '../../src/core/app/types.ts';
import type { EventSink, HandlerTable } from '../../src/core/ipc/handlers.ts';
import type { DeviceInfo } from '../../src/shared/devices.ts';
import { EarshotError } from '../../src/shared/errors.ts';
import type { SessionSummary } from '../../src/shared/history.ts';
import type { EventChannel, EventPayload } from '../../src/shared/ipc/contract.ts';
import type { ModelsState } from '../../src/shared/models.ts';
import { idleSnapshot, keyedProviders, type KeyedProvider, type SessionSnapshot } from '../../src/shared/session.ts';
import { defaultSettings, type Settings } from '../../src/shared/settings.ts';
import type { Segment, TranscriptEvent } from '../../src/shared/transcript.ts';

/**
 * A core with no audio behind it: every handler answers from memory and the test (or
 * benchmark) pushes the events main would push. For measuring and looking at the renderer in
 * a real browser where the real capture and engine would only add noise. Tests of the real
 * path use createAppCore instead.
 */
export interface ScriptedCore extends Pick<AppCore, 'handlers' | 'subscribe'> {
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
  /** Adds a final (or partial) to the transcript and pushes it, as the session would. */
  transcript(event: TranscriptEvent): void;
  setSegments(segments: Segment[]): void;
  setDevices(devices: DeviceInfo[]): void;
  setStatus(patch: Partial<SessionSnapshot>): void;
  readonly calls: { channel: string; payload: unknown }[];
}

export function scriptedDevice(name: string, isDefault = false): DeviceInfo {
  return {
    key: `ALSA:${name}`,
    name,
    index: 0,
    hostApi: 'ALSA',
    maxInputChannels: 2,
    defaultSampleRate: 48000,
    isDefault,
    kind: 'microphone',
  };
}

export function createScriptedCore(
  initial: { devices?: DeviceInfo[]; history?: SessionSummary[]; models?: ModelsState } = {},
): ScriptedCore {
  const sinks = new Set<EventSink>();
  const calls: { channel: string; payload: unknown }[] = [];
  let devices = initial.devices ?? [scriptedDevice('Built-in Microphone', true), scriptedDevice('USB Headset')];
  let status: SessionSnapshot = idleSnapshot('local');
  let settings: Settings = defaultSettings();
  let segments: Segment[] = [];
  let partial: TranscriptEvent | null = null;
  const history = initial.history ?? [];
  const models: ModelsState = initial.models ?? {
    installed: [
      {
        id: 'zipformer-en',
        name: 'Streaming Zipformer (English)',
        kind: 'online',
        dir: '/models/zipformer-en',
        sizeBytes: 71_000_000,
        purpose: 'live transcription',
      },
    ],
    catalog: [
      {
        id: 'zipformer-en',
        name: 'Streaming Zipformer (English)',
        kind: 'online',
        language: 'en',
        sizeBytes: 71_000_000,
        license: 'Apache-2.0',
        description: 'Fast and light.',
        isDefault: true,
      },
    ],
    activeModelId: 'zipformer-en',
    diskUsageBytes: 71_000_000,
  };
  const keys = Object.fromEntries(keyedProviders.map((p) => [p, false])) as Record<KeyedProvider, boolean>;

  const emit: ScriptedCore['emit'] = (event, payload) => {
    for (const sink of sinks) sink(event, payload);
  };
  const setStatus = (patch: Partial<SessionSnapshot>): void => {
    status = { ...status, ...patch };
    emit('status', status);
  };

  const answers: Partial<HandlerTable> = {
    'app.info': () => ({ version: '0.1.0', platform: process.platform, transport: 'web' }),
    'devices.list': () => devices,
    'devices.refresh': () => devices,
    'devices.select': ({ key }) => {
      settings = { ...settings, deviceKey: key };
      emit('settings', settings);
      if (status.state === 'streaming') setStatus({ deviceName: devices.find((d) => d.key === key)?.name ?? null });
      return null;
    },
    'session.get': () => status,
    'session.start': (options) => {
      status = {
        ...idleSnapshot('local'),
        state: 'streaming',
        sessionId: `s${Date.now()}`,
        deviceKey: options?.deviceKey ?? 'default',
        deviceName: devices.find((d) => d.key === options?.deviceKey)?.name ?? devices[0]?.name ?? null,
        startedAt: Date.now(),
      };
      emit('status', status);
      return status;
    },
    'session.stop': () => {
      status = idleSnapshot('local');
      emit('status', status);
      return status;
    },
    'transcript.get': () => ({ sessionId: status.sessionId, segments, partial }),
    'transcript.clear': () => {
      segments = [];
      partial = null;
      emit('transcriptCleared', null);
      return null;
    },
    'transcript.export': ({ format }) => ({
      text: segments.map((s) => s.text).join('\n'),
      fileName: `transcript.${format}`,
    }),
    'clipboard.write': () => null,
    'history.list': () => history,
    'history.search': ({ query }) => history.filter((h) => h.title.toLowerCase().includes(query.toLowerCase())),
    'models.list': () => models,
    'settings.get': () => settings,
    'settings.update': (patch) => {
      settings = { ...settings, ...patch, captions: { ...settings.captions, ...patch.captions } };
      emit('settings', settings);
      return settings;
    },
    'secrets.status': () => keys,
    'secrets.set': ({ provider }) => {
      keys[provider] = true;
      return null;
    },
    'captions.status': () => ({
      running: false,
      overlayUrl: null,
      captionsUrl: null,
      host: '127.0.0.1',
      port: 7390,
      subscribers: 0,
    }),
    'renderer.ready': () => null,
  };

  const handlers = new Proxy(answers, {
    get(target, channel: string) {
      const handler = target[channel as keyof HandlerTable] as ((payload: unknown) => unknown) | undefined;
      return (payload: unknown) => {
        calls.push({ channel, payload });
        if (!handler) throw new EarshotError('NOT_AVAILABLE', `The scripted core does not do ${channel}.`);
        return handler(payload);
      };
    },
  }) as HandlerTable;

  return {
    handlers,
    calls,
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    emit,
    setStatus,
    transcript(event) {
      if (event.isFinal) {
        segments = [...segments.filter((s) => s.segmentId !== event.segmentId), { ...event, isFinal: true }];
        if (partial?.segmentId === event.segmentId) partial = null;
      } else {
        partial = event;
      }
      emit('transcript', event);
    },
    setSegments(next) {
      segments = next;
    },
    setDevices(next) {
      devices = next;
      emit('devicesChanged', devices);
    },
  };
}
