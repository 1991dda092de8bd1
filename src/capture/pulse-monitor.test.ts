import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../shared/devices.ts';
import { mic } from '../shared/testing/devices.ts';
import { PulseMonitor } from './pulse-monitor.ts';

/**
 * The monitor against a stand-in subscriber: `cat`, a real child whose stdout prints exactly
 * the lines the test writes, as `pactl subscribe` prints the server's events.
 */
describe('PulseMonitor', () => {
  const monitors: PulseMonitor[] = [];
  afterEach(() => monitors.splice(0).forEach((m) => m.dispose()));

  function start(list: () => Promise<DeviceInfo[]>): {
    monitor: PulseMonitor;
    child: () => ChildProcess;
    logs: string[];
  } {
    let child: ChildProcess | null = null;
    const logs: string[] = [];
    const monitor = new PulseMonitor({
      list,
      log: (_level, message) => logs.push(message),
      spawnSubscriber: () => (child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'pipe'] })),
    });
    monitors.push(monitor);
    return { monitor, child: () => child!, logs };
  }

  function next(monitor: PulseMonitor): Promise<DeviceInfo[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Timed out after 5000 ms waiting for a device list')), 5000);
      const subscription = monitor.onChange((devices) => {
        clearTimeout(timer);
        subscription.stop();
        resolve(devices);
      });
    });
  }

  it('re-lists on a source, sink or server event, and not on a client or stream event', async () => {
    let calls = 0;
    const { monitor, child } = start(() => Promise.resolve([mic(`list ${++calls}`, calls)]));
    const first = next(monitor);
    child().stdin!.write("Event 'change' on client #5\nEvent 'new' on source-output #9\n");
    child().stdin!.write("Event 'new' on source #7\n");
    expect((await first).map((d) => d.name)).toEqual(['list 1']);
    const second = next(monitor);
    child().stdin!.write("Event 'change' on server #4294967295\n");
    expect((await second).map((d) => d.name)).toEqual(['list 2']);
    expect(calls).toBe(2);
  });

  it('folds a burst of events into the list in flight and one more', async () => {
    let calls = 0;
    let release: () => void = () => undefined;
    let began: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const firstListing = new Promise<void>((resolve) => (began = resolve));
    const { monitor, child } = start(async () => {
      const call = ++calls;
      began();
      await gate;
      return [mic(`list ${call}`, call)];
    });
    const seen: string[] = [];
    let settled: () => void = () => undefined;
    const twoLists = new Promise<void>((resolve) => (settled = resolve));
    monitor.onChange((devices) => {
      seen.push(devices[0]!.name);
      if (seen.length === 2) settled();
    });
    // A headset appears: its sink, its source, the new default: many events for one change.
    child().stdin!.write("Event 'new' on sink #3\n");
    await firstListing;
    child().stdin!.write("Event 'new' on source #8\nEvent 'new' on source #9\nEvent 'change' on server #4294967295\n");
    // Let those lines arrive while the first listing still waits.
    await new Promise<void>((resolve) => child().stdout!.once('data', () => setImmediate(resolve)));
    release();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      twoLists,
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error('Timed out waiting for two lists')), 5000)),
      ),
    ]);
    clearTimeout(timer);
    expect(seen).toEqual(['list 1', 'list 2']);
    expect(calls).toBe(2);
  });

  it('restarts a subscriber that ended and lists once, since changes meanwhile were not heard', async () => {
    let calls = 0;
    const { monitor, child, logs } = start(() => Promise.resolve([mic(`list ${++calls}`, calls)]));
    const listed = next(monitor);
    const firstChild = child();
    firstChild.stdin!.end();
    expect((await listed).map((d) => d.name)).toEqual(['list 1']);
    expect(child()).not.toBe(firstChild);
    expect(logs.join('\n')).toMatch(/pactl subscribe ended \(exit 0\); restarting in \d+ ms/);
  });

  it('tells event listeners of the events they match (a card changing profile), and starts the subscriber for them', async () => {
    const { monitor, child } = start(() => Promise.resolve([]));
    const heard: string[] = [];
    let onCard: () => void = () => undefined;
    const twoCards = new Promise<void>((resolve) => (onCard = resolve));
    monitor.onEvents(
      (event) => event.facility === 'card',
      () => {
        heard.push('card');
        if (heard.length === 2) onCard();
      },
    );
    child().stdin!.write("Event 'change' on card #3\nEvent 'new' on sink-input #4\nEvent 'change' on card #3\n");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      twoCards,
      new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error('Timed out waiting for two card events')), 5000)),
      ),
    ]);
    clearTimeout(timer);
    expect(heard).toEqual(['card', 'card']);
  });
});
