import { EarshotError } from '../../shared/errors.ts';
import { MANIFEST_FILE, type LoadedModel } from '../../platform/models/manifest-file.ts';
import { loadSherpa, type SherpaOfflineRecognizer, type SherpaOnlineRecognizer } from '../sherpa.ts';
import type { RecognizerSession, RecognizerSettings } from './events.ts';
import { OfflineRecognizerSession } from './offline-session.ts';
import { OnlineRecognizerSession } from './online-session.ts';

/** One loaded model, shared by every session of a thread (sherpa streams are per session). */
export type LoadedRecognizer =
  | { readonly kind: 'online'; readonly model: LoadedModel; readonly recognizer: SherpaOnlineRecognizer }
  | { readonly kind: 'offline'; readonly model: LoadedModel; readonly recognizer: SherpaOfflineRecognizer };

export function loadRecognizer(model: LoadedModel): LoadedRecognizer {
  const sherpa = loadSherpa();
  try {
    if (model.manifest.kind === 'online') {
      // Endpointing is done per session from trailing blanks, so each client's silence_duration_ms counts.
      const config = { ...model.recognizerConfig, enableEndpoint: false };
      return { kind: 'online', model, recognizer: new sherpa.OnlineRecognizer(config) };
    }
    return { kind: 'offline', model, recognizer: new sherpa.OfflineRecognizer(model.recognizerConfig) };
  } catch (error) {
    throw new EarshotError(
      'MODEL_INVALID',
      `sherpa-onnx could not load the model described by ${model.dir}/${MANIFEST_FILE} (${(error as Error).message}). ` +
        'The files may be damaged or not match the manifest; download the model again.',
    );
  }
}

export interface SessionOptions {
  readonly vadModelPath: string | null;
}

export function createRecognizerSession(
  loaded: LoadedRecognizer,
  settings: RecognizerSettings,
  options: SessionOptions,
): RecognizerSession {
  if (loaded.kind === 'online') return new OnlineRecognizerSession(loaded.recognizer, loaded.model, settings);
  return new OfflineRecognizerSession(loaded.recognizer, loaded.model, settings, {
    vadModelPath: options.vadModelPath,
  });
}
