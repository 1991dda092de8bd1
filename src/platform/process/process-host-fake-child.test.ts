import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SHUTDOWN_ENVELOPE } from '../../shared/process-envelope.ts';
import { setLogSink, type LogRecord } from '../log/logger.ts';
import { ProcessHost } from './process-host.ts';
import { FakeChild, fakeSpawner } from './testing/fake-child.ts';

/**
 * ProcessHost against fake children, on fake timers: what the real-process tests
 * (process-host.test.ts) cannot pin down — the exact restart delays, and what crosses the wire.
 */
let children: FakeChild[] = [];

function newHost(): ProcessHost<unknown, unknown> {
  const fakes = fakeSpawner((pid, options) => new FakeChild(pid, options), 100);
  children = fakes.children;
  return new ProcessHost({
    name: 'scripted',
    modulePath: '/scripted',
    spawn: fakes.spawn,
    backoffBaseMs: 1000,
    maxRestarts: 3,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  setLogSink(() => {});
});

describe('ProcessHost restart backoff', () => {
  it('waits the doubling delay ±20% before each restart', async () => {
    const host = newHost();
    const started = host.start();
    children[0]!.sayRaw({ control: { type: 'ready' } });
    await started;
    // Attempt n waits 1000 · 2^(n-1) ms, ±20%: nothing before the band opens, a new child by its end.
    for (const [attempt, cap] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ] as const) {
      children.at(-1)!.exit(3);
      expect(host.state).toBe('restarting');
      await vi.advanceTimersByTimeAsync(cap * 0.8 - 1);
      expect(children).toHaveLength(attempt);
      await vi.advanceTimersByTimeAsync(cap * 0.4 + 1);
      expect(children).toHaveLength(attempt + 1);
    }
    // Past maxRestarts: no further child.
    children.at(-1)!.exit(3);
    expect(host.state).toBe('failed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(children).toHaveLength(4);
  });
});

describe('ProcessHost envelope', () => {
  it('wraps what it sends, asks for shutdown by control word, and unwraps what the child says', async () => {
    const host = newHost();
    const heard: unknown[] = [];
    host.on('message', (m) => heard.push(m));
    const started = host.start();
    const child = children[0]!;
    child.sayRaw({ control: { type: 'ready' } });
    await started;
    host.send({ type: 'shutdown' });
    child.sayRaw({ message: { type: 'ready' } });
    expect(heard).toEqual([{ type: 'ready' }]);
    const stopped = host.stop(1000);
    child.exit(0);
    await stopped;
    // The child's own `shutdown` was only a protocol message; the host's request is the control word.
    expect(child.received).toEqual([{ message: { type: 'shutdown' } }, SHUTDOWN_ENVELOPE]);
  });

  it('logs and drops a message outside the envelope, and does not take it for a handshake', async () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r), 'debug');
    const host = newHost();
    const heard: unknown[] = [];
    host.on('message', (m) => heard.push(m));
    const started = host.start();
    const child = children[0]!;
    child.sayRaw({ type: 'ready' });
    child.sayRaw({ control: { type: 'reboot' } });
    child.sayRaw({ control: { type: 'ready' }, message: 'both at once' });
    expect(host.state).toBe('starting');
    expect(heard).toEqual([]);
    expect(records.filter((r) => r.message.includes('outside the process envelope'))).toHaveLength(3);
    const stopped = host.stop(1000);
    child.exit(0);
    await stopped;
    await expect(started).rejects.toThrow('scripted process stopped before it was ready');
  });
});
