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
/** Per session: the shared count of input samples decoded (see DecoderRequest 'open'). */
const decodedCounters = new Map<number, Int32Array>();
/** Per session: input rate, and when/how much audio arrived, to tell a fast client from an overloaded worker. */
const pacing = new Map<number, { rate: number; firstSentAt: number; audioMs: number }>();
/** Audio that waited longer than this in the queue means the worker is overloaded. */
const PARTIALS_MAX_LAG_MS = 400;
const stopping = new Int32Array(data.stopFlag);

port.on('message', (request: DecoderRequest) => {
  if (request.type === 'shutdown') {
    for (const session of sessions.values()) session.close();
    sessions.clear();
    decodedCounters.clear();
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
        decodedCounters.set(request.sid, new Int32Array(request.decoded));
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
        if (session) reply(request.sid, session.commit(request.eventId));
        return;
      case 'clear':
        session?.clear();
        return;
      case 'close':
        session?.close();
        sessions.delete(request.sid);
        pacing.delete(request.sid);
        decodedCounters.delete(request.sid);
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
  const decoded = decodedCounters.get(sid);
  let done = 0;
  try {
    for (const pcm of frames) {
      // A closed session's late frames still count as processed for the backlog.
      const events = session ? session.acceptAudio(pcm, { partials: wantPartials(sid, pcm.length, sentAt) }) : [];
      done++;
      if (decoded) Atomics.add(decoded, 0, pcm.length);
      reply(sid, events);
    }
  } finally {
    // On a failure the rest of the batch is not decoded, but it is no longer pending either.
    const rest = frames.slice(done).reduce((n, f) => n + f.length, 0);
    if (decoded && rest > 0) Atomics.add(decoded, 0, rest);
  }
}

function reply(sid: number, events: readonly RecognizerEvent[]): void {
  if (events.length > 0) post({ type: 'events', sid, events });
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
