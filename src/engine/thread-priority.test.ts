import { readFileSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DECODE_THREAD_NICE } from './thread-priority.ts';

/** Field 19 of /proc/self/task/<tid>/stat is the thread's nice value (after the parenthesised name). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

const linux = process.platform === 'linux';

describe('lowerThisThreadPriority', () => {
  it.skipIf(!linux)(
    'lowers only the calling thread (skipped off Linux: niceness is per thread only there)',
    async () => {
      const mainTid = Number(readlinkSync('/proc/thread-self').split('/').pop());
      const mainBefore = niceOf(mainTid);
      const source = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(new URL('./thread-priority.ts', import.meta.url).href)}).then((m) => {
        const said = m.lowerThisThreadPriority();
        const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
        parentPort.postMessage({ said, tid });
        parentPort.once('message', () => process.exit(0));
      });`;
      const worker = new Worker(source, { eval: true });
      const reply = await new Promise<{ said: string; tid: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('worker did not report its thread id within 10 s')), 10_000);
        worker.once('message', (m: { said: string; tid: number }) => {
          clearTimeout(timer);
          resolve(m);
        });
        worker.once('error', reject);
      });
      expect(reply.said).toContain(`runs at nice ${DECODE_THREAD_NICE}`);
      expect(niceOf(reply.tid)).toBe(Math.max(mainBefore, DECODE_THREAD_NICE));
      expect(niceOf(mainTid)).toBe(mainBefore);
      worker.postMessage('done');
      await new Promise((r) => worker.once('exit', r));
    },
  );
});
