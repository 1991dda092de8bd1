import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.ts';

describe('SerialQueue', () => {
  it('runs tasks one at a time in the order queued', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = queue.run(async () => {
      order.push('first start');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('first end');
      return 1;
    });
    const second = queue.run(() => {
      order.push('second');
      return Promise.resolve(2);
    });
    await Promise.resolve();
    expect(queue.busy).toBe(true);
    releaseFirst();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(order).toEqual(['first start', 'first end', 'second']);
    await queue.idle();
    expect(queue.busy).toBe(false);
  });

  it('rejects only the failing task; the next one still runs', async () => {
    const queue = new SerialQueue();
    const failing = queue.run(() => Promise.reject(new Error('boom')));
    const next = queue.run(() => Promise.resolve('ran'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('idle() waits for queued work that has not started yet', async () => {
    const queue = new SerialQueue();
    let done = false;
    void queue.run(async () => {
      await new Promise((resolve) => setImmediate(resolve));
    });
    void queue.run(() => {
      done = true;
      return Promise.resolve();
    });
    await queue.idle();
    expect(done).toBe(true);
  });
});
