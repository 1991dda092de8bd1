import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Niceness for decode threads. Decoding is throughput work; the socket thread must win the
 * CPU whenever it has something to do, or every connection's I/O (pings, events, reads)
 * waits behind a busy decoder on a machine with few cores. Measured with the engine bench's
 * I/O probe: at the same nice level as the socket thread, 8 full-speed clients on 2 cores
 * delay the socket thread by hundreds of milliseconds at a time.
 */
export const DECODE_THREAD_NICE = 10;

/**
 * Lowers the calling thread's scheduling priority (Linux only: there niceness is per thread
 * and `setpriority(PRIO_PROCESS, tid)` changes just that thread; threads it starts later,
 * such as onnxruntime's, inherit it). Elsewhere the call would change the whole process,
 * so it does nothing. Returns what happened, for the caller's log.
 */
export function lowerThisThreadPriority(nice = DECODE_THREAD_NICE): string {
  if (process.platform !== 'linux') return 'thread priority left unchanged (per-thread niceness is Linux-only)';
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return 'thread priority left unchanged (no thread id in /proc/thread-self)';
    setPriority(tid, nice);
    return `decode thread ${tid} runs at nice ${nice}`;
  } catch (error) {
    return `thread priority left unchanged (${(error as Error).message})`;
  }
}
