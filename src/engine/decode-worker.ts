import { parentPort, workerData } from 'node:worker_threads';
import { EarshotError } from '../shared/errors.ts';
import type { DecoderReply, DecoderRequest, DecoderWorkerData } from './decoder-protocol.ts';
import { loadModelManifest } from '../platform/models/manifest-file.ts';
import type { RecognizerEvent, RecognizerSession } from './recognizers/events.ts';
import { createRecognizerSession, loadRecognizer, type LoadedRecognizer } from './recognizers/factory.ts';
import { lowerThisThreadPriority } from './thread-priority.ts';

/**
 * A decode worker: owns one loaded model and the recognizer sessions of the connections
 * assigned to it. All CPU-heavy work (VAD, feature extraction, neural network) happens
 * here, so the socket thread only parses JSON and base64 and never waits on a decode.
 */
const port = parentPort;
if (!port) throw new Error('decode-worker.ts runs as a worker thread of the engine.');
const data = workerData as DecoderWorkerData;
const post = (reply: DecoderReply): void => port.postMessage(reply);

// Before the model loads, so onnxruntime's threads inherit it: the socket thread must preempt decoding.
const priority = lowerThisThreadPriority();

let loaded: LoadedRecognizer;
try {
  loaded = loadRecognizer(loadModelManifest(data.modelDir, data.numThreads));
  const m = loaded.model.manifest;
  post({
    type: 'ready',
    model: { name: m.name, kind: m.kind, sampleRate: m.sampleRate, language: m.language },
    threadPriority: priority,
  });
} catch (error) {
  const code = error instanceof EarshotError ? error.code : 'ENGINE_START_FAILED';
  post({ type: 'load_failed', code, message: (error as Error).message });
  process.exit(1);
}

const sessions = new Map<number, RecognizerSession>();
/** Per session: input rate, and when/how much audio arrived, to tell a fast client from an overloaded worker. */
const pacing = new Map<number, { rate: number; firstSentAt: number; audioMs: number }>();
/** Audio that waited longer than this in the queue means the worker is overloaded. */
const PARTIALS_MAX_LAG_MS = 400;
const stopping = new Int32Array(data.stopFlag);

port.on('message', (request: DecoderRequest) => {
  if (request.type === 'shutdown') {
    for (const session of sessions.values()) session.close();
    sessions.clear();
    unacked.clear();
    port.close();
    return;
  }
  if (Atomics.load(stopping, 0) === 1) return;
  const session = sessions.get(request.sid);
  try {
    switch (request.type) {
      case 'open':
        sessions.set(
          request.sid,
          createRecognizerSession(loaded, request.settings, { vadModelPath: data.vadModelPath }),
        );
        pacing.set(request.sid, { rate: request.settings.inputRate, firstSentAt: 0, audioMs: 0 });
        return;
      case 'configure':
        session?.configure(request.settings);
        pacing.set(request.sid, {
          ...(pacing.get(request.sid) ?? { firstSentAt: 0, audioMs: 0 }),
          rate: request.settings.inputRate,
        });
        return;
      case 'audio':
        acceptFrames(request.sid, session, request.frames, request.sentAt);
        return;
      case 'commit':
        if (session) reply(request.sid, session.commit(request.eventId), 0);
        return;
      case 'clear':
        session?.clear();
        return;
      case 'close':
        session?.close();
        sessions.delete(request.sid);
        pacing.delete(request.sid);
        unacked.delete(request.sid);
        return;
    }
  } catch (error) {
    // One session's failure (a decode error, a bad setting) must not touch the others.
    sessions.delete(request.sid);
    post({ type: 'session_failed', sid: request.sid, message: (error as Error).message });
  }
});

/** Each frame is its own chunk for the recognizer, exactly as if it had come alone. */
function acceptFrames(
  sid: number,
  session: RecognizerSession | undefined,
  frames: readonly Int16Array[],
  sentAt: number,
): void {
  let done = 0;
  try {
    for (const pcm of frames) {
      // A closed session's late frames still count as processed for the backlog.
      const events = session ? session.acceptAudio(pcm, { partials: wantPartials(sid, pcm.length, sentAt) }) : [];
      done++;
      reply(sid, events, pcm.length);
    }
  } finally {
    // On a failure the rest of the batch is not decoded, but it is no longer pending either.
    const rest = frames.slice(done).reduce((n, f) => n + f.length, 0);
    if (rest > 0) reply(sid, [], rest);
  }
}

/**
 * Samples decoded per session but not yet reported. Events go out at once (with the samples
 * they account for); a frame that produced none is only acknowledged once this worker has
 * handled the messages in hand, so a backlog of N frames costs the socket thread one reply per
 * session instead of N.
 */
const unacked = new Map<number, number>();
let flushScheduled = false;

function reply(sid: number, events: readonly RecognizerEvent[], samples: number): void {
  const total = (unacked.get(sid) ?? 0) + samples;
  if (events.length > 0) {
    unacked.delete(sid);
    post({ type: 'events', sid, events, samples: total });
    return;
  }
  unacked.set(sid, total);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAcks);
  }
}

function flushAcks(): void {
  flushScheduled = false;
  for (const [sid, samples] of unacked) if (samples > 0) post({ type: 'events', sid, events: [], samples });
  unacked.clear();
}

/**
 * Partial re-decodes are optional work. When audio that arrives at real-time pace has waited
 * in this worker's queue for more than PARTIALS_MAX_LAG_MS, the worker is overloaded and skips
 * them, so finals stay prompt. A client that sends faster than real time makes its own queue;
 * that is not overload, and its partials continue (rate-limited by the session itself).
 */
function wantPartials(sid: number, samples: number, sentAt: number): boolean {
  const p = pacing.get(sid);
  if (!p) return true;
  if (p.firstSentAt === 0) p.firstSentAt = sentAt;
  p.audioMs += (samples * 1000) / p.rate;
  const aheadOfRealTime = p.audioMs > sentAt - p.firstSentAt + 1000;
  if (aheadOfRealTime) return true;
  return performance.timeOrigin + performance.now() - sentAt < PARTIALS_MAX_LAG_MS;
}
