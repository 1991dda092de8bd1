import { fileURLToPath } from 'node:url';

/** Absolute path of the engine process entry, for `spawnNodeChild` (the app may pass a bundled one). */
export const ENGINE_ENTRY = fileURLToPath(new URL('../../engine/main.ts', import.meta.url));
