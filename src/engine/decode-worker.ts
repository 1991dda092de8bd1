import { parentPort, workerData } from 'node:worker_threads';
import { EarshotError } from '../shared/errors.ts';
import type { DecoderReply, DecoderRequest, DecoderWorkerData } from './decoder-protocol.ts';
import { loadModelManifest } from './manifest.ts';
import type { RecognizerSession } from './recognizers/events.ts';
import { createRecognizerSession, loadRecognizer, type LoadedRecognizer } from './recognizers/factory.ts';

/**
 * A decode worker: owns one loaded model and the recognizer sessions of the connections
 * assigned to it. All CPU-heavy work (VAD, feature extraction, neural network) happens
 * here, so the socket thread only parses JSON and base64 and never waits on a decode.
 */
const port = parentPort;
if (!port) throw new Error('decode-worker.ts runs as a worker thread of the engine.');
const data = workerData as DecoderWorkerData;
const post = (reply: DecoderReply): void => port.postMessage(reply);

let loaded: LoadedRecognizer;
try {
  loaded = loadRecognizer(loadModelManifest(data.modelDir, data.numThreads));
  const m = loaded.model.manifest;
  post({ type: 'ready', model: { name: m.name, kind: m.kind, sampleRate: m.sampleRate, language: m.language } });
} catch (error) {
  const code = error instanceof EarshotError ? error.code : 'ENGINE_START_FAILED';
  post({ type: 'load_failed', code, message: (error as Error).message });
  process.exit(1);
}

const sessions = new Map<number, RecognizerSession>();
const stopping = new Int32Array(data.stopFlag);

port.on('message', (request: DecoderRequest) => {
  if (request.type === 'shutdown') {
    for (const session of sessions.values()) session.close();
    sessions.clear();
    port.close();
    return;
  }
  if (Atomics.load(stopping, 0) === 1) return;
  const session = sessions.get(request.sid);
  try {
    switch (request.type) {
      case 'open':
        sessions.set(request.sid, createRecognizerSession(loaded, request.settings, { vadModelPath: data.vadModelPath }));
        return;
      case 'configure':
        session?.configure(request.settings);
        return;
      case 'audio': {
        // A closed session's late frames still count as processed for the backlog.
        const events = session ? session.acceptAudio(request.pcm) : [];
        post({ type: 'events', sid: request.sid, events, samples: request.pcm.length });
        return;
      }
      case 'commit':
        if (session) post({ type: 'events', sid: request.sid, events: session.commit(request.eventId), samples: 0 });
        return;
      case 'clear':
        session?.clear();
        return;
      case 'close':
        session?.close();
        sessions.delete(request.sid);
        return;
    }
  } catch (error) {
    // One session's failure (a decode error, a bad setting) must not touch the others.
    sessions.delete(request.sid);
    post({ type: 'session_failed', sid: request.sid, message: (error as Error).message });
    if (request.type === 'audio') post({ type: 'events', sid: request.sid, events: [], samples: request.pcm.length });
  }
});
