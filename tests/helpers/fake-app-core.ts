import type { AppCore } from '../../src/core/app/types.ts';
import type { EventSink, HandlerTable } from '../../src/core/ipc/handlers.ts';
import type { EventChannel, EventPayload } from '../../src/shared/ipc/contract.ts';
import { idleSnapshot } from '../../src/shared/session.ts';
import { defaultSettings, type Settings } from '../../src/shared/settings.ts';

/**
 * A stand-in AppCore for tests of a front end's wiring (Electron main's composition root):
 * it records which handlers were called, answers the few every front end needs at start-up,
 * and lets the test push events as the real core's event hub would.
 */
export interface FakeAppCore extends AppCore {
  readonly calls: { channel: string; payload: unknown }[];
  readonly disposed: boolean;
  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void;
}

/** `settings`: fixed overrides of the defaults, or a function reading them (e.g. from a real SettingsStore). */
export function createFakeAppCore(settings: Partial<Settings> | (() => Settings) = {}): FakeAppCore {
  const calls: { channel: string; payload: unknown }[] = [];
  const sinks = new Set<EventSink>();
  let disposed = false;
  const answers: Partial<Record<string, () => unknown>> = {
    'settings.get': () => (typeof settings === 'function' ? settings() : { ...defaultSettings(), ...settings }),
    'session.get': () => idleSnapshot(),
    'session.toggle': () => idleSnapshot(),
    'renderer.ready': () => null,
    'app.info': () => ({ version: '0.0.0-test', platform: process.platform, transport: 'ipc' }),
  };
  const handlers = new Proxy({} as HandlerTable, {
    get: (_target, channel: string) => (payload: unknown) => {
      calls.push({ channel, payload });
      const answer = answers[channel];
      return answer ? Promise.resolve(answer()) : Promise.reject(new Error(`fake core: ${channel} not scripted`));
    },
  });
  return {
    handlers,
    calls,
    get disposed() {
      return disposed;
    },
    subscribe: (sink) => {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    emit: (event, payload) => {
      for (const sink of sinks) sink(event, payload);
    },
    dispose: () => {
      disposed = true;
      return Promise.resolve();
    },
  };
}
