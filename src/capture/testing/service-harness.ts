import { afterEach, beforeEach, vi } from 'vitest';
import { CAPTURE_PROTOCOL_VERSION, type CaptureRequest } from '../../shared/capture-protocol.ts';
import type { DeviceInfo } from '../../shared/devices.ts';
import { CaptureService } from '../capture-service.ts';
import type { ServiceEvent } from '../service-io.ts';
import { FakeAudio } from './fake-audio.ts';

type EventOf<T extends ServiceEvent['type']> = Extract<ServiceEvent, { type: T }>;
type RequestBody = CaptureRequest extends infer R ? (R extends unknown ? Omit<R, 'v' | 'id'> : never) : never;

/** Fake time advances in steps this long while a test waits for something. */
const STEP_MS = 25;

export interface Harness {
  readonly audio: FakeAudio;
  readonly service: CaptureService;
  readonly events: ServiceEvent[];
  readonly logs: string[];
  /** Sends a request (id and version added) without waiting for its reply. */
  send(body: RequestBody): Promise<unknown>;
  /** Sends a request and advances fake time until it is answered. */
  ask(body: RequestBody, withinMs?: number): Promise<unknown>;
  /** The events of one type emitted so far, oldest first. */
  of<T extends ServiceEvent['type']>(type: T): EventOf<T>[];
  /** The frames' sequence numbers so far. */
  seqs(): number[];
}

/** A CaptureService on a FakeAudio world; call under vi.useFakeTimers(). */
export function harness(devices: DeviceInfo[]): Harness {
  const audio = new FakeAudio(devices);
  const events: ServiceEvent[] = [];
  const logs: string[] = [];
  const service = new CaptureService({
    backend: audio,
    emit: (event) => events.push(event),
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  let nextId = 1;
  const send = (body: RequestBody): Promise<unknown> =>
    service.handle({ v: CAPTURE_PROTOCOL_VERSION, id: nextId++, ...body });
  const of = <T extends ServiceEvent['type']>(type: T): EventOf<T>[] =>
    events.filter((e): e is EventOf<T> => e.type === type);
  return {
    audio,
    service,
    events,
    logs,
    send,
    ask: (body, withinMs) => settle(send(body), `the reply to ${body.type}`, withinMs),
    of,
    seqs: () => of('frame').map((f) => f.seq),
  };
}

/**
 * For a test file of harnesses: fake timers in every test, and a maker of harnesses on
 * `devices`, each shut down after its test.
 */
export function harnessPerTest(devices: DeviceInfo[]): () => Harness {
  const live: Harness[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    for (const h of live.splice(0)) await settle(h.service.shutdown(), 'the service to shut down');
    vi.useRealTimers();
  });
  return () => {
    const h = harness(devices);
    live.push(h);
    return h;
  };
}

/**
 * A `start` request: capture from `deviceKey` at 16 kHz, by default with no pre-roll and
 * falling back to the default device.
 */
export function startCapture(
  deviceKey: string,
  { preRollMs = 0, fallbackToDefault = true }: { preRollMs?: number; fallbackToDefault?: boolean } = {},
): Extract<RequestBody, { type: 'start' }> {
  return { type: 'start', deviceKey, sampleRate: 16000, preRollMs, fallbackToDefault };
}

/** Advances fake time until `done()` holds; fails after `withinMs` of fake time, naming what it waited for. */
export async function until(done: () => boolean, what: string, withinMs = 5000): Promise<void> {
  for (let waited = 0; !done(); waited += STEP_MS) {
    if (waited >= withinMs) throw new Error(`Waited ${withinMs} ms (fake time) for ${what}`);
    await vi.advanceTimersByTimeAsync(STEP_MS);
  }
}

/** Advances fake time until `promise` settles; its value, or its rejection. */
export async function settle<T>(promise: Promise<T>, what: string, withinMs = 5000): Promise<T> {
  let settled = false;
  const marked = promise.finally(() => {
    settled = true;
  });
  // The caller sees the rejection through `marked`; this copy only must not go unhandled meanwhile.
  marked.catch(() => undefined);
  await until(() => settled, what, withinMs);
  return marked;
}
