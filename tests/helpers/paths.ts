import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, wherever the tests run from. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared` beside the checkout (CI and developers have it); EARSHOT_SHARED_DIR overrides. */
export const SHARED_DIR = process.env['EARSHOT_SHARED_DIR'] ?? resolve(REPO_ROOT, '../shared');
export const MODELS_DIR = join(SHARED_DIR, 'models');
export const OFFLINE_TEST_MODEL = join(MODELS_DIR, 'earshot-test-ctc-en');
export const STREAMING_TEST_MODEL = join(MODELS_DIR, 'earshot-test-streaming-en');
export const VAD_MODEL = join(MODELS_DIR, 'silero-vad-v5', 'silero_vad.onnx');
export const TEST_AUDIO_DIR = join(MODELS_DIR, 'test-audio');
export const ESPEAK_HELDOUT_DIR = join(TEST_AUDIO_DIR, 'espeak-heldout');
export const LIBRIVOX_DIR = join(TEST_AUDIO_DIR, 'librivox-sense-and-sensibility');
export const BIN_EARSHOT = join(REPO_ROOT, 'bin', 'earshot');

export function requireSharedModels(): void {
  if (!existsSync(MODELS_DIR)) {
    throw new Error(
      `Test models not found at ${MODELS_DIR}: check out ../shared beside the repo or set EARSHOT_SHARED_DIR.`,
    );
  }
}
