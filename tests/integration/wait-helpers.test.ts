import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitForEvent, waitUntil, within } from '../helpers/wait.ts';

/** The test wait helpers themselves: they settle on what they wait for, and say what it was when they give up. */
describe('test wait helpers', () => {
  it('waitForEvent resolves with the first matching event and leaves no listener behind', async () => {
    const emitter = new EventEmitter();
    const waiting = waitForEvent<[number]>(emitter, 'tick', { what: 'tick 2', accept: (n) => n === 2 });
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    await expect(waiting).resolves.toEqual([2]);
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('waitForEvent gives up after its timeout, naming what it waited for', async () => {
    const emitter = new EventEmitter();
    await expect(waitForEvent(emitter, 'never', { what: 'an event that never comes', timeoutMs: 20 })).rejects.toThrow(
      'timed out after 20 ms waiting for an event that never comes',
    );
    expect(emitter.listenerCount('never')).toBe(0);
  });

  it('waitUntil re-checks on every announced change and resolves with the truthy result', async () => {
    const changes = new EventEmitter();
    let count = 0;
    const waiting = waitUntil(() => count >= 3 && `count ${count}`, {
      what: 'three changes',
      changes: (notify) => {
        changes.on('change', notify);
        return () => changes.off('change', notify);
      },
    });
    for (let i = 0; i < 3; i++) {
      count += 1;
      changes.emit('change');
    }
    await expect(waiting).resolves.toBe('count 3');
    expect(changes.listenerCount('change')).toBe(0);
  });

  it('waitUntil polls an async condition nothing announces', async () => {
    let checks = 0;
    const done = await waitUntil(() => Promise.resolve(++checks >= 3), { what: 'the third check', intervalMs: 1 });
    expect(done).toBe(true);
    expect(checks).toBe(3);
  });

  it('waitUntil ends with the error of a check that throws, or when its signal aborts', async () => {
    await expect(
      waitUntil(
        () => {
          throw new Error('the process under test exited');
        },
        { what: 'a line' },
      ),
    ).rejects.toThrow('the process under test exited');
    const controller = new AbortController();
    const waiting = waitUntil(() => false, { what: 'nothing', signal: controller.signal });
    controller.abort(new Error('test torn down'));
    await expect(waiting).rejects.toThrow('stopped waiting for nothing: test torn down');
  });

  it('within passes a promise through, or names it once the deadline passes', async () => {
    await expect(within(Promise.resolve(7), { what: 'seven' })).resolves.toBe(7);
    await expect(within(Promise.reject(new Error('refused')), { what: 'a refusal' })).rejects.toThrow('refused');
    await expect(within(new Promise<never>(() => {}), { what: 'a promise that hangs', timeoutMs: 20 })).rejects.toThrow(
      'timed out after 20 ms waiting for a promise that hangs',
    );
  });
});
