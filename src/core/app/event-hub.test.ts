import { describe, expect, it } from 'vitest';
import type { EventChannel } from '../../shared/ipc/contract.ts';
import { idleSnapshot } from '../../shared/session.ts';
import { EventHub } from './event-hub.ts';

function recorder(): { events: [EventChannel, unknown][]; sink: (event: EventChannel, payload: unknown) => void } {
  const events: [EventChannel, unknown][] = [];
  return { events, sink: (event, payload) => events.push([event, payload]) };
}

describe('EventHub', () => {
  it('gives a late subscriber the latest state, but not past transient events', () => {
    const hub = new EventHub();
    hub.emit('status', { ...idleSnapshot(), state: 'starting' });
    hub.emit('status', { ...idleSnapshot(), state: 'streaming' });
    hub.emit('transcript', { segmentId: 's1', text: 'hello', isFinal: true });
    const late = recorder();
    hub.subscribe(late.sink);
    expect(late.events).toEqual([['status', { ...idleSnapshot(), state: 'streaming' }]]);
    expect(hub.latest('status')?.state).toBe('streaming');
    expect(hub.latest('transcript')).toBeUndefined();
  });

  it('keeps delivering to the others when one front end throws, and stops after unsubscribe', () => {
    const hub = new EventHub();
    const broken = (): void => {
      throw new Error('a window that went away');
    };
    const healthy = recorder();
    hub.subscribe(broken);
    const unsubscribe = hub.subscribe(healthy.sink);
    hub.emit('transcriptCleared', null);
    expect(healthy.events).toEqual([['transcriptCleared', null]]);
    unsubscribe();
    hub.emit('transcriptCleared', null);
    expect(healthy.events).toHaveLength(1);
  });
});
