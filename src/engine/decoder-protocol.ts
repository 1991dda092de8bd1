import type { RecognizerEvent, RecognizerSettings } from './recognizers/events.ts';

import type { ModelInfo } from '../shared/engine-process.ts';

export type { ModelInfo };

/** Socket thread → decode worker. `sid` numbers a connection's session inside the engine. */
export type DecoderRequest =
  /**
   * `decoded`: one Int32 the worker adds each frame's input samples to once the recognizer has
   * taken it (modulo 2^32), so the socket thread knows the session's backlog without a reply
   * per frame: each reply would wake the socket thread, 25 times a second while listening.
   */
  | {
      readonly type: 'open';
      readonly sid: number;
      readonly settings: RecognizerSettings;
      readonly decoded: SharedArrayBuffer;
    }
  | { readonly type: 'configure'; readonly sid: number; readonly settings: RecognizerSettings }
  /**
   * The frames a connection appended during one socket read, in order, each still its own
   * chunk for the recognizer (batching is transport only). `sentAt`: wall time (ms,
   * performance.timeOrigin based) the socket thread posted them; tells the worker how far behind it is.
   */
  | { readonly type: 'audio'; readonly sid: number; readonly frames: readonly Int16Array[]; readonly sentAt: number }
  | { readonly type: 'commit'; readonly sid: number; readonly eventId: string | null }
  | { readonly type: 'clear'; readonly sid: number }
  | { readonly type: 'close'; readonly sid: number }
  /** Finish the message in hand and exit; audio still queued is skipped (see `stopFlag`). */
  | { readonly type: 'shutdown'; readonly sid?: undefined };

/** Decode worker → socket thread. */
export type DecoderReply =
  /** `threadPriority`: what the worker did about its scheduling priority (for the log). */
  | { readonly type: 'ready'; readonly model: ModelInfo; readonly threadPriority: string }
  | { readonly type: 'load_failed'; readonly code: string; readonly message: string }
  /** Sent only when there are events (the backlog is counted in `decoded`, see `open`). */
  | { readonly type: 'events'; readonly sid: number; readonly events: readonly RecognizerEvent[] }
  | { readonly type: 'session_failed'; readonly sid: number; readonly message: string };

export interface DecoderWorkerData {
  readonly modelDir: string;
  readonly vadModelPath: string | null;
  readonly numThreads: number;
  /**
   * One Int32 the pool sets to 1 before asking the worker to exit, so queued audio is skipped
   * instead of decoded. Terminating a worker in the middle of a native decode aborts the
   * whole process (the addon throws into a dying environment), so workers always exit on
   * their own, between messages.
   */
  readonly stopFlag: SharedArrayBuffer;
}
