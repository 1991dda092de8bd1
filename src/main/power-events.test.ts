import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setupPowerEvents, type PowerEventSources } from './power-events.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function sources(): { events: EventEmitter; net: { online: boolean }; value: PowerEventSources } {
  const events = new EventEmitter();
  const net = { online: true };
  const value = {
    powerMonitor: events as unknown as PowerEventSources['powerMonitor'],
    net: { isOnline: () => net.online },
  };
  return { events, net, value };
}

describe('power events', () => {
  it('retries at once on wake from sleep and on unlock', () => {
    const { events, value } = sources();
    const retryNow = vi.fn();
    setupPowerEvents(value, retryNow);
    events.emit('resume');
    events.emit('unlock-screen');
    expect(retryNow).toHaveBeenCalledTimes(2);
  });

  it('retries when the network comes back, not while it stays up or down', () => {
    const { net, value } = sources();
    const retryNow = vi.fn();
    setupPowerEvents(value, retryNow, 1_000);
    vi.advanceTimersByTime(3_000);
    net.online = false;
    vi.advanceTimersByTime(3_000);
    expect(retryNow).not.toHaveBeenCalled();
    net.online = true;
    vi.advanceTimersByTime(1_000);
    expect(retryNow).toHaveBeenCalledOnce();
  });

  it('stops listening after teardown', () => {
    const { events, net, value } = sources();
    const retryNow = vi.fn();
    const stop = setupPowerEvents(value, retryNow, 1_000);
    stop();
    events.emit('resume');
    net.online = false;
    vi.advanceTimersByTime(1_000);
    net.online = true;
    vi.advanceTimersByTime(1_000);
    expect(retryNow).not.toHaveBeenCalled();
  });
});
